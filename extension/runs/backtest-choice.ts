// What a backtest started from the editor covers: the strategy config's range, the last one
// chosen for the script, or symbols, an interval and a range picked from presets. Apart from VS
// Code, so the rules are tested on their own; the quick picks are in backtest-picks.ts.
import type { Interval } from '../../api/common';
import { historyStart } from '../../api/market';
import type { BacktestRange } from '../../api/script-environment';
import type { StrategyConfig } from '../../api/strategy-config';
import type { RangeRequest } from '../../runner/backtest-range';
import { RangeProblem, resolveBacktestRange } from '../../runner/backtest-range';

const dayMs = 86_400_000;

/** What the user chose, as the runner takes it; remembered per script. */
export interface BacktestChoice {
  symbols: string[];
  interval: Interval;
  from: number;
  to: number;
}

export interface RangePreset {
  label: string;
  from: number;
  to: number;
}

/** The day `t` falls in, from its UTC midnight. */
const dayOf = (t: number) => t - (t % dayMs);

/**
 * Ranges to pick from, all inside the data there is at `now` (the sandbox's market clock): the
 * config's own range first when it has one, then spans that end at the last full day.
 */
export function rangePresets(now: number, config: StrategyConfig | null): RangePreset[] {
  const end = dayOf(now);
  const earliest = dayOf(historyStart(now)) + dayMs;
  const presets: RangePreset[] = [];
  if (config?.backtest !== undefined)
    presets.push({ label: 'As strategy.json says', ...config.backtest });
  for (const [label, days] of [
    ['The last week', 7],
    ['The last month', 30],
    ['The last 3 months', 91],
    ['The last year', 365],
  ] as const)
    presets.push({ label, from: end - days * dayMs, to: end });
  presets.push({ label: 'All the history there is (5 years)', from: earliest, to: end });
  return presets;
}

/** `2024-01-02` for a midnight, else `2024-01-02 14:30` (UTC). */
export function shortTime(t: number): string {
  const text = new Date(t).toISOString();
  return t % dayMs === 0 ? text.slice(0, 10) : `${text.slice(0, 10)} ${text.slice(11, 16)}`;
}

export function describeSpan(from: number, to: number): string {
  const days = (to - from) / dayMs;
  const length = days >= 2 ? `${Math.round(days)} days` : `${Math.round(days * 24)} hours`;
  return `${shortTime(from)} → ${shortTime(to)} UTC (${length})`;
}

/** One line for a choice: `EURUSD, GBPUSD · 1m · 2024-01-02 → 2024-03-01 UTC (59 days)`. */
export function describeChoice(choice: BacktestChoice | BacktestRange): string {
  return `${choice.symbols.join(', ')} · ${choice.interval} · ${describeSpan(choice.from, choice.to)}`;
}

/**
 * A range typed by hand: two instants (dates, ISO times with a zone, or epoch ms) separated by
 * an arrow, two dots, "to" or spaces. The problem in words when it is not one.
 */
export function parseRange(text: string, now: number): { from: number; to: number } | string {
  const parts = text
    .trim()
    .split(/\s*(?:→|->|\.\.|\bto\b|\s)\s*/)
    .filter((part) => part !== '');
  if (parts.length !== 2)
    return 'give a start and an end, e.g. 2024-01-02 → 2024-03-01 (dates are UTC midnights)';
  try {
    const range = resolveBacktestRange({ symbols: ['X'], from: parts[0], to: parts[1] }, null);
    if (range.to > now) return `the end is after the data there is (${shortTime(dayOf(now))})`;
    if (range.from < historyStart(now))
      return `the start is before the data there is: history reaches back to ${shortTime(historyStart(now))}`;
    return { from: range.from, to: range.to };
  } catch (error) {
    return error instanceof RangeProblem ? error.message : String(error);
  }
}

/** The runner's request for a choice. */
export function rangeRequest(choice: BacktestChoice): RangeRequest {
  return { symbols: choice.symbols, interval: choice.interval, from: choice.from, to: choice.to };
}
