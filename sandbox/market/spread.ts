// How wide the spread is in a given minute, as a multiple of the instrument's typical spread:
// wider in thin hours, in turbulent minutes, right after a session opens and, for forex and
// metals, around the 22:00 UTC daily rollover. Computed only when ticks are generated.
import { minuteMs, minuteOfWeek, minutesPerDay, minutesPerWeek } from './hours';
import type { MinuteBars } from './minute-bars';
import { expectedVarianceAt, referenceVariance } from './minute-bars';
import type { InstrumentModel } from './model';

const openingMinutes = 10;
const openingWidening = 1.5;
const rolloverStart = 21 * 60 + 55;
const rolloverEnd = 22 * 60 + 15;
const rolloverWidening = 2.2;

/** Minutes the market has been open before this minute of the week, up to `openingMinutes`. */
function minutesSinceOpen(model: InstrumentModel, weekMinute: number): number {
  for (let k = 1; k <= openingMinutes; k++) {
    if (model.hours.mask[(weekMinute - k + minutesPerWeek) % minutesPerWeek] !== 1) return k - 1;
  }
  return openingMinutes;
}

export function spreadScaleOf(model: InstrumentModel, bars: MinuteBars, minute: number): number {
  const weekMinute = minuteOfWeek(bars.startMs + minute * minuteMs);
  const expected = expectedVarianceAt(model, weekMinute);
  const thinness = Math.min(3, Math.max(0.85, (referenceVariance(model) / expected) ** 0.3));
  const deviation = bars.deviationTicks[minute] / bars.close[minute];
  const turbulent = Math.min(2.5, Math.max(0.9, Math.sqrt(deviation / Math.sqrt(expected))));
  const sinceOpen = minutesSinceOpen(model, weekMinute);
  const opening = 1 + (openingWidening * (openingMinutes - sinceOpen)) / openingMinutes;
  const minuteOfDay = weekMinute % minutesPerDay;
  const rollover =
    model.rolloverWidening && minuteOfDay >= rolloverStart && minuteOfDay < rolloverEnd
      ? rolloverWidening
      : 1;
  return thinness * turbulent * opening * rollover;
}
