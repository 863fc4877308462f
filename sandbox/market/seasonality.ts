// Intraday seasonality: how much of a week's variance falls in each minute of it. Each
// profile is a volatility multiplier by UTC hour plus scheduled spikes (session opens, data
// releases); closed minutes keep a small share so the hidden path still drifts and a market
// reopens with a plausible gap.
import type { CompiledHours } from './hours';
import { minutesPerDay, minutesPerWeek } from './hours';

export type ProfileName =
  'fx' | 'fxAsia' | 'usEquity' | 'europeEquity' | 'asiaEquity' | 'commodity' | 'agri';

interface Spike {
  /** Minute of the day (UTC) the spike starts. */
  readonly at: number;
  /** Added volatility multiplier at the spike's start. */
  readonly amplitude: number;
  /** Minutes for the excess to fall by e. */
  readonly decay: number;
  /** Weekdays (0 = Sunday) it happens on; business days when absent. */
  readonly days?: readonly number[];
}

interface Profile {
  /** Volatility multiplier at hh:30 UTC for hh = 0..23; minutes interpolate between them. */
  readonly hourly: readonly number[];
  readonly spikes: readonly Spike[];
}

const hm = (hours: number, minutes = 0): number => hours * 60 + minutes;

const profiles: Record<ProfileName, Profile> = {
  // Asia quiet, London open at 07:00, busiest in the London-New York overlap, thin at rollover.
  fx: {
    hourly: [
      0.55, 0.6, 0.62, 0.58, 0.5, 0.45, 0.55, 0.9, 1.1, 1.0, 0.92, 0.85, 0.95, 1.25, 1.35, 1.2,
      0.95, 0.75, 0.62, 0.55, 0.5, 0.42, 0.35, 0.45,
    ],
    spikes: [
      { at: hm(7), amplitude: 0.5, decay: 20 },
      { at: hm(13, 30), amplitude: 1.8, decay: 4 },
      { at: hm(15), amplitude: 0.9, decay: 4 },
      { at: hm(19), amplitude: 1.5, decay: 6, days: [3] },
    ],
  },
  // The yen and antipodean blocs: Tokyo and Sydney hours matter more.
  fxAsia: {
    hourly: [
      0.85, 0.95, 0.9, 0.8, 0.65, 0.55, 0.6, 0.85, 1.0, 0.9, 0.85, 0.8, 0.9, 1.15, 1.2, 1.05, 0.85,
      0.7, 0.6, 0.55, 0.5, 0.42, 0.48, 0.7,
    ],
    spikes: [
      { at: hm(0), amplitude: 0.6, decay: 15 },
      { at: hm(1, 30), amplitude: 0.5, decay: 10 },
      { at: hm(13, 30), amplitude: 1.2, decay: 4 },
    ],
  },
  // Cash session 14:30-21:00 UTC dominates; overnight futures are thin.
  usEquity: {
    hourly: [
      0.35, 0.35, 0.35, 0.3, 0.3, 0.3, 0.35, 0.5, 0.6, 0.55, 0.5, 0.5, 0.55, 0.7, 1.35, 1.25, 1.05,
      0.95, 0.9, 1.0, 1.15, 0.5, 0.3, 0.35,
    ],
    spikes: [
      { at: hm(13, 30), amplitude: 0.9, decay: 4 },
      { at: hm(14, 30), amplitude: 1.6, decay: 15 },
      { at: hm(19), amplitude: 1.2, decay: 8, days: [3] },
    ],
  },
  europeEquity: {
    hourly: [
      0.3, 0.3, 0.3, 0.3, 0.3, 0.35, 0.45, 0.75, 1.3, 1.1, 0.95, 0.85, 0.85, 1.0, 1.2, 1.15, 1.1,
      0.6, 0.45, 0.4, 0.4, 0.35, 0.3, 0.3,
    ],
    spikes: [
      { at: hm(8), amplitude: 1.4, decay: 15 },
      { at: hm(13, 30), amplitude: 0.6, decay: 4 },
      { at: hm(14, 30), amplitude: 0.7, decay: 10 },
    ],
  },
  asiaEquity: {
    hourly: [
      1.3, 1.2, 1.0, 0.9, 0.9, 0.95, 1.0, 0.7, 0.6, 0.55, 0.5, 0.5, 0.5, 0.55, 0.65, 0.6, 0.5, 0.45,
      0.4, 0.4, 0.35, 0.35, 0.5, 0.9,
    ],
    spikes: [
      { at: hm(0), amplitude: 1.2, decay: 20 },
      { at: hm(1, 30), amplitude: 0.8, decay: 15 },
    ],
  },
  // Metals and energy: New York hours, weekly oil inventories on Wednesday 15:30.
  commodity: {
    hourly: [
      0.45, 0.5, 0.5, 0.45, 0.4, 0.4, 0.45, 0.7, 0.85, 0.8, 0.75, 0.75, 0.9, 1.3, 1.4, 1.3, 1.1,
      0.9, 0.75, 0.6, 0.5, 0.4, 0.35, 0.4,
    ],
    spikes: [
      { at: hm(13, 30), amplitude: 1.0, decay: 4 },
      { at: hm(14, 30), amplitude: 0.6, decay: 10 },
      { at: hm(15, 30), amplitude: 2.0, decay: 5, days: [3] },
    ],
  },
  // Grains and softs: the day session carries the volume.
  agri: {
    hourly: [
      0.35, 0.4, 0.4, 0.35, 0.3, 0.3, 0.3, 0.35, 0.5, 0.65, 0.7, 0.7, 0.8, 0.9, 1.5, 1.3, 1.1, 1.0,
      1.1, 1.2, 0.5, 0.3, 0.3, 0.3,
    ],
    spikes: [
      { at: hm(14, 30), amplitude: 1.2, decay: 10 },
      { at: hm(16), amplitude: 1.5, decay: 6, days: [4] },
    ],
  },
};

/** Variance share of a closed minute relative to an open one at the same hour. */
export const closedVarianceFactor = 0.06;
const businessDays = [1, 2, 3, 4, 5];

/** Volatility multiplier for one minute of the week, ignoring whether the market is open. */
function volatilityMultiplier(profile: Profile, weekMinute: number): number {
  const weekday = Math.floor(weekMinute / minutesPerDay);
  const minute = weekMinute % minutesPerDay;
  const position = (minute - 30) / 60;
  const hour = Math.floor(position);
  const fraction = position - hour;
  const from = profile.hourly[(hour + 24) % 24];
  const to = profile.hourly[(hour + 25) % 24];
  let multiplier = from + (to - from) * fraction;
  for (const spike of profile.spikes) {
    const elapsed = minute - spike.at;
    if (elapsed < 0 || elapsed > spike.decay * 6) continue;
    if (!(spike.days ?? businessDays).includes(weekday)) continue;
    multiplier += spike.amplitude * Math.exp(-elapsed / spike.decay);
  }
  return multiplier;
}

export interface WeeklyWeights {
  /** Variance weight per minute of the week. */
  readonly variance: Float64Array;
  /** Its square root, precomputed for the hot loop. */
  readonly deviation: Float64Array;
  /** Sum of variance weights over the week. */
  readonly weekTotal: number;
  /** Sum of variance weights over each weekday (0 = Sunday). */
  readonly dayTotals: readonly number[];
}

const weightsCache = new Map<string, WeeklyWeights>();

export function weeklyWeights(
  profileName: ProfileName,
  hoursKey: string,
  hours: CompiledHours,
): WeeklyWeights {
  const key = `${profileName}|${hoursKey}`;
  const cached = weightsCache.get(key);
  if (cached) return cached;
  const profile = profiles[profileName];
  const variance = new Float64Array(minutesPerWeek);
  const deviation = new Float64Array(minutesPerWeek);
  const dayTotals = [0, 0, 0, 0, 0, 0, 0];
  let weekTotal = 0;
  for (let m = 0; m < minutesPerWeek; m++) {
    const multiplier = volatilityMultiplier(profile, m);
    const share = hours.mask[m] === 1 ? 1 : closedVarianceFactor;
    const weight = multiplier * multiplier * share;
    variance[m] = weight;
    deviation[m] = Math.sqrt(weight);
    weekTotal += weight;
    dayTotals[Math.floor(m / minutesPerDay)] += weight;
  }
  const weights = { variance, deviation, weekTotal, dayTotals };
  weightsCache.set(key, weights);
  return weights;
}
