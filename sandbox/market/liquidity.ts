// Top-of-book depth for each tick: how much the engine may fill at the quoted bid and ask
// before an order walks the book (partial fills). Deterministic from the instrument and tick.
import type { Tick } from '../../api/market';
import { minuteOfWeek } from './hours';
import { expectedVarianceAt, referenceVariance } from './minute-bars';
import type { InstrumentModel } from './model';
import { gridValue } from './model';
import { hashKeys, normalFromUint32 } from './random';

export interface TopOfBook {
  /** Quantity available at the bid (what a market sell can take), in instrument units. */
  readonly bidSize: number;
  /** Quantity available at the ask (what a market buy can take). */
  readonly askSize: number;
}

/** Log-deviation of displayed size from tick to tick. */
const sizeDispersion = 0.6;

function seasonalDepth(model: InstrumentModel, t: number): number {
  const expected = expectedVarianceAt(model, minuteOfWeek(t));
  // Depth follows activity, but less than one for one: quiet hours are thinner, not empty.
  return Math.min(2, Math.max(0.3, (expected / referenceVariance(model)) ** 0.25));
}

function sideSize(model: InstrumentModel, t: number, side: number, scale: number): number {
  const z = normalFromUint32(hashKeys(model.seed, t, side));
  const raw = model.depthQuantity * scale * Math.exp(sizeDispersion * z);
  const grid = model.quantity;
  const minSteps = Math.ceil(model.instrument.min_quantity / grid.step - 1e-9);
  const steps = Math.max(minSteps, Math.floor(raw / grid.step));
  return gridValue(grid, steps);
}

/** Quantities shown at the best bid and ask with this tick; wide spreads show less. */
export function topOfBookFor(model: InstrumentModel, tick: Tick): TopOfBook {
  const price = model.price;
  const spreadTicks = Math.max(1, Math.round(((tick.ask - tick.bid) * price.scale) / price.units));
  const bidTicks = (tick.bid * price.scale) / price.units;
  const typicalTicks = Math.max(1, model.spreadBps * 1e-4 * bidTicks);
  const spreadFactor = Math.min(1.5, Math.sqrt(typicalTicks / spreadTicks));
  const scale = seasonalDepth(model, tick.t) * spreadFactor;
  return { bidSize: sideSize(model, tick.t, 1, scale), askSize: sideSize(model, tick.t, 2, scale) };
}
