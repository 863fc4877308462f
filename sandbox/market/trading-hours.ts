// Weekly session templates in the contract's form (UTC, no daylight saving: the sandbox keeps
// one timetable all year so tests never meet a clock change).
import type { TradingHours } from '../../api/market';

type WeekdayName = 'Sun' | 'Mon' | 'Tue' | 'Wed' | 'Thu' | 'Fri' | 'Sat';
const businessDays: readonly WeekdayName[] = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'];
const eveningBefore: Record<WeekdayName, WeekdayName> = {
  Sun: 'Sat',
  Mon: 'Sun',
  Tue: 'Mon',
  Wed: 'Tue',
  Thu: 'Wed',
  Fri: 'Thu',
  Sat: 'Fri',
};

/** Sessions each business day from `open` to `close` (same day). */
function daily(description: string, ...windows: [open: string, close: string][]): TradingHours {
  return {
    timezone: 'UTC',
    sessions: businessDays.flatMap((day) =>
      windows.map(([open, close]) => ({ open: `${day} ${open}`, close: `${day} ${close}` })),
    ),
    description,
  };
}

/** Sessions that open the evening before each business day and close on it. */
function overnight(description: string, open: string, close: string): TradingHours {
  return {
    timezone: 'UTC',
    sessions: businessDays.map((day) => ({
      open: `${eveningBefore[day]} ${open}`,
      close: `${day} ${close}`,
    })),
    description,
  };
}

export const forexHours: TradingHours = {
  timezone: 'UTC',
  sessions: [{ open: 'Sun 22:00', close: 'Fri 22:00' }],
  description: '24 hours a day from Sunday 22:00 to Friday 22:00 UTC',
};

/** CME Globex-style: nearly 24 hours with a one-hour daily maintenance break. */
export const globexHours = overnight(
  'Sunday to Friday, 23:00 to 22:00 UTC, with a daily break from 22:00 to 23:00',
  '23:00',
  '22:00',
);

export const australiaIndexHours = overnight(
  'Sunday to Friday, 23:00 to 21:00 UTC, with a daily break from 21:00 to 23:00',
  '23:00',
  '21:00',
);

export const europeIndexHours = daily('Monday to Friday, 06:00 to 21:00 UTC', ['06:00', '21:00']);

export const hongKongIndexHours = daily(
  'Monday to Friday, 01:15 to 04:00, 05:00 to 08:30 and 09:15 to 17:00 UTC',
  ['01:15', '04:00'],
  ['05:00', '08:30'],
  ['09:15', '17:00'],
);

export const chinaIndexHours = daily(
  'Monday to Friday, 01:00 to 08:30 and 09:15 to 20:45 UTC',
  ['01:00', '08:30'],
  ['09:15', '20:45'],
);

export const indiaIndexHours = daily('Monday to Friday, 03:45 to 10:00 UTC', ['03:45', '10:00']);

export const southAfricaIndexHours = daily('Monday to Friday, 07:00 to 15:00 UTC', [
  '07:00',
  '15:00',
]);

export const lmeMetalHours = daily('Monday to Friday, 01:00 to 19:00 UTC', ['01:00', '19:00']);

/** CBOT grains: an overnight and a day session with a break between them. */
export const grainHours = daily(
  'Monday to Friday, 01:00 to 13:45 and 14:30 to 19:20 UTC',
  ['01:00', '13:45'],
  ['14:30', '19:20'],
);

export const livestockHours = daily('Monday to Friday, 14:30 to 19:05 UTC', ['14:30', '19:05']);
export const coffeeHours = daily('Monday to Friday, 09:15 to 18:30 UTC', ['09:15', '18:30']);
export const sugarHours = daily('Monday to Friday, 08:30 to 18:00 UTC', ['08:30', '18:00']);
export const cocoaHours = daily('Monday to Friday, 09:45 to 18:30 UTC', ['09:45', '18:30']);
export const cottonHours = daily('Monday to Friday, 02:00 to 19:20 UTC', ['02:00', '19:20']);
export const orangeJuiceHours = daily('Monday to Friday, 13:00 to 19:00 UTC', ['13:00', '19:00']);
