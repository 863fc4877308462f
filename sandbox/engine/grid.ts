import { decimalsOf } from '../../api/order-rules';

// roundToStep recomputes the decimals of a step on every call; the engine rounds on every fill
// and replays a million events at start-up, so the decimals of each step are remembered.
const decimalsByStep = new Map<number, number>();
const powersOfTen = Array.from({ length: 13 }, (_, decimals) => 10 ** decimals);

function powerFor(step: number): number {
  let decimals = decimalsByStep.get(step);
  if (decimals === undefined) {
    decimals = decimalsOf(step);
    decimalsByStep.set(step, decimals);
  }
  return powersOfTen[decimals] ?? 1e12;
}

/**
 * The same result as `roundToStep` from api/order-rules.ts, without building a string: an integer
 * divided by a power of ten is the double nearest to that decimal, so no float noise remains.
 */
export function snapToStep(value: number, step: number): number {
  const power = powerFor(step);
  return Math.round(Math.round(value / step) * step * power) / power + 0;
}

/** The largest multiple of `step` not above `value` (tolerating float error just below a multiple). */
export function floorToStep(value: number, step: number): number {
  if (value <= 0) return 0;
  return snapToStep(Math.floor(value / step + 1e-9) * step, step);
}

/** Money in the account currency is kept in cents so that balances add up exactly as displayed. */
export function roundMoney(value: number): number {
  return Math.round(value * 100) / 100 + 0;
}

/**
 * Averages of several fills fall between ticks; two decimals beyond the tick's keep them honest
 * (a 1.100075 average is not 1.10008) while stripping float noise.
 */
export function roundAveragePrice(value: number, tickSize: number): number {
  const power = powerFor(tickSize) * 100;
  return Math.round(value * power) / power + 0;
}
