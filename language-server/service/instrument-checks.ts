// The rules that need the instrument and the market (api/order-rules.ts): the symbol exists,
// quantity at least the minimum and on the step, prices on the tick grid, and a market order's
// exits on the right side of the current price. The last is a warning: the price moves before
// the order is sent, and the check can only say where it stands now.
import type { Instrument } from '../../api/market';
import {
  decimalsOf,
  maxGridUnits,
  orderInstrumentIssues,
  roundToStep,
} from '../../api/order-rules';
import type { OrderRequest } from '../../api/orders';
import type { Finding, Fix } from './findings';
import { finding } from './findings';
import type { CheckContext } from './market-context';
import { nearestNames } from './nearest';
import { isPriceField, priceFields } from './order-fields';
import { addField, setValue } from './payload-edits';
import type { PayloadField } from './payload';
import type { ReadPayload } from './read-payload';
import { actionOf, positiveNumber } from './read-payload';

export function symbolOf(read: ReadPayload, context: CheckContext): Instrument | undefined {
  const symbol = read.literal.get('symbol');
  return typeof symbol === 'string' && !read.refused.has('symbol')
    ? context.instrument(symbol)
    : undefined;
}

export function checkInstrumentRules(read: ReadPayload, context: CheckContext): Finding[] {
  const symbol = read.literal.get('symbol');
  const symbolField = read.fields.get('symbol');
  if (typeof symbol !== 'string' || read.refused.has('symbol')) return [];
  const instrument = context.instrument(symbol);
  if (instrument === undefined) {
    return symbolField === undefined ? [] : [unknownSymbol(symbolField, symbol, context)];
  }
  const quantity = positiveNumber(read, 'quantity');
  const action = actionOf(read);
  const marketOrder =
    read.literal.get('order_type') === 'market' && !read.refused.has('order_type');
  const quote = action !== undefined && marketOrder ? context.quote(symbol) : undefined;
  const order: OrderRequest = {
    symbol,
    action: action ?? 'buy',
    quantity: quantity ?? instrument.min_quantity,
    order_type: quote !== undefined ? 'market' : 'limit',
    time_in_force: 'gtc',
  };
  for (const name of priceFields) {
    const price = positiveNumber(read, name);
    if (price !== undefined) order[name] = price;
  }
  const findings: Finding[] = [];
  for (const detail of orderInstrumentIssues(order, instrument, quote)) {
    const field = read.fields.get(detail.path);
    if (field === undefined) continue;
    if (detail.path === 'quantity' && quantity !== undefined) {
      findings.push(quantityFinding(field, quantity, detail.message, instrument));
    } else if (detail.reason === 'invalid_price' && isPriceField(detail.path)) {
      findings.push(priceFinding(field, order[detail.path] ?? 0, detail.message, instrument));
    } else if (detail.reason === 'invalid_protection' && quote !== undefined && action) {
      const price = order[detail.path as 'stop_loss' | 'take_profit'];
      if (price === undefined) continue;
      const entry = action === 'buy' ? quote.ask : quote.bid;
      const what = action === 'buy' ? 'the current ask' : 'the current bid';
      findings.push(
        protectionFinding(field, action, price, entry, what, 'warning', instrument.tick_size),
      );
    }
  }
  return findings;
}

export function unknownSymbol(field: PayloadField, symbol: string, context: CheckContext): Finding {
  const nearest = nearestNames(symbol, context.symbols, 3);
  const hint =
    nearest.length > 0
      ? `did you mean ${nearest.join(', ')}?`
      : `it is not one of the ${context.symbols.length} instruments of ${context.source}`;
  return finding(
    'unknown_symbol',
    field.valueRange,
    `unknown symbol "${symbol}": ${hint}`,
    nearest.map((each, index) => ({
      title: `Replace with ${each}`,
      edits: [setValue(field, each)],
      preferred: index === 0,
    })),
  );
}

function quantityFinding(
  field: PayloadField,
  quantity: number,
  apiMessage: string,
  instrument: Instrument,
): Finding {
  const { min_quantity: minimum, quantity_step: step } = instrument;
  const largest = roundToStep(maxGridUnits * step, step);
  const fixed =
    quantity < minimum
      ? minimum
      : quantity > largest
        ? largest
        : Math.max(minimum, roundToStep(quantity, step));
  const verb =
    quantity < minimum ? 'raise it to' : quantity > largest ? 'lower it to' : 'round it to';
  return finding(
    'invalid_quantity',
    field.valueRange,
    `quantity ${quantity} ${apiMessage}: ${verb} ${fixed}`,
    [{ title: `Set quantity to ${fixed}`, edits: [setValue(field, fixed)], preferred: true }],
  );
}

function priceFinding(
  field: PayloadField,
  price: number,
  apiMessage: string,
  instrument: Instrument,
): Finding {
  const tick = instrument.tick_size;
  const largest = roundToStep(maxGridUnits * tick, tick);
  const fixed = price > largest ? largest : Math.max(tick, roundToStep(price, tick));
  return finding(
    'invalid_price',
    field.valueRange,
    `${field.name} ${price} ${apiMessage}: round it to ${fixed}`,
    [
      {
        title: `Round ${field.name} to ${fixed}`,
        edits: [setValue(field, fixed)],
        preferred: true,
      },
    ],
  );
}

export function protectionFinding(
  field: PayloadField,
  action: 'buy' | 'sell',
  price: number,
  entry: number,
  what: string,
  severity: 'error' | 'warning',
  tick?: number,
): Finding {
  const side = (field.name === 'stop_loss') === (action === 'buy') ? 'below' : 'above';
  const fix = protectionFix(field, side, price, entry, tick);
  return finding(
    'invalid_protection',
    field.valueRange,
    `${field.name} ${price} must lie ${side} ${what} ${entry} for a ${action}: move it ${side} ${entry}`,
    fix === undefined ? [] : [fix],
    severity,
  );
}

/** Moves an exit to the mirror of where it is, across the price it must be on one side of. */
function protectionFix(
  field: PayloadField,
  side: 'below' | 'above',
  price: number,
  entry: number,
  tick?: number,
): Fix | undefined {
  const grid = tick ?? 10 ** -Math.max(decimalsOf(price), decimalsOf(entry));
  const distance = Math.max(Math.abs(price - entry), grid);
  const moved = roundToStep(side === 'below' ? entry - distance : entry + distance, grid);
  const right = side === 'below' ? moved < entry : moved > entry;
  if (!(moved > 0) || !right) return undefined;
  return {
    title: `Move ${field.name} to ${moved} (${side} ${entry})`,
    edits: [setValue(field, moved)],
    preferred: true,
  };
}

/** Adds limit_price at the current price: the ask for a buy, the bid for a sell. */
export function limitPriceFix(read: ReadPayload, context: CheckContext): Fix | undefined {
  const instrument = symbolOf(read, context);
  const quote = instrument === undefined ? undefined : context.quote(instrument.symbol);
  if (quote === undefined) return undefined;
  const sell = actionOf(read) === 'sell';
  const price = sell ? quote.bid : quote.ask;
  const edit = addField(read.payload, 'limit_price', price);
  if (edit === undefined) return undefined;
  return {
    title: `Add limit_price at the current ${sell ? 'bid' : 'ask'} ${price}`,
    edits: [edit],
    preferred: true,
  };
}
