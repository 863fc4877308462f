// The checks of an order payload, wherever it was written: the rules of api/orders.ts (the
// shape, limit_price for limit orders only, exits on the right side of a limit price) and of
// api/order-rules.ts (see instrument-checks.ts), so the editor refuses what the API would
// refuse, in the API's words, and says how to fix it. Works on `Payload`s only, so JSON files and
// literals inline in code get the same checks. Never throws on a half-typed payload, and reports
// each problem once.
import type { z } from 'zod';
import { parseOrderRequest } from '../../api/orders';
import type { Finding, Fix } from './findings';
import { finding, openingOf, orderedFindings } from './findings';
import {
  checkInstrumentRules,
  limitPriceFix,
  protectionFinding,
  unknownSymbol,
} from './instrument-checks';
import type { CheckContext } from './market-context';
import { nearestNames } from './nearest';
import { orderField, orderFieldNames, orderFields } from './order-fields';
import { addField, removeField, renameKey, setValue } from './payload-edits';
import type { Payload, PayloadField } from './payload';
import type { ReadPayload } from './read-payload';
import { actionOf, readPayload } from './read-payload';

export type { CheckContext, MarketQuote } from './market-context';
export type { Finding, Fix, FixEdit, Severity } from './findings';

/** Every problem of every payload, in document order. */
export function checkPayloads(payloads: readonly Payload[], context: CheckContext): Finding[] {
  return orderedFindings(payloads.flatMap((payload) => checkPayload(payload, context)));
}

export function checkPayload(payload: Payload, context: CheckContext): Finding[] {
  const findings: Finding[] = [];
  const read = readPayload(payload, findings);
  // The API's own parse, with its fast way through for a well-formed order.
  const issues = parseOrderRequest(Object.fromEntries(read.literal)).error?.issues ?? [];
  const missing: string[] = [];
  // A misspelt field (limitPrice) is one problem: its finding renames it, and the field it
  // was meant to be is not reported missing as well.
  const meant = new Set<string>();
  for (const issue of issues) {
    if (issue.code !== 'unrecognized_keys') continue;
    for (const key of issue.keys) {
      const field = read.fields.get(key);
      if (field === undefined) continue;
      const unknown = unknownField(payload, field);
      findings.push(unknown.finding);
      if (unknown.nearest !== undefined && !read.fields.has(unknown.nearest)) {
        meant.add(unknown.nearest);
      }
    }
  }
  for (const issue of issues) {
    const name = typeof issue.path[0] === 'string' ? issue.path[0] : undefined;
    if (issue.code === 'unrecognized_keys' || (name !== undefined && meant.has(name))) continue;
    if (issue.code === 'custom') {
      const found = crossFieldFinding(read, name, context);
      if (found !== undefined) findings.push(found);
    } else if (name !== undefined && !read.dynamic.has(name)) {
      read.refused.add(name);
      const field = read.fields.get(name);
      if (field === undefined) {
        if (!read.literal.has(name)) missing.push(name);
      } else if (name === 'symbol' && field.value.kind === 'string') {
        findings.push(unknownSymbol(field, field.value.value, context));
      } else {
        findings.push(invalidValue(payload, field, issue));
      }
    }
  }
  if (missing.length > 0 && !payload.open) findings.push(missingFields(read, missing, context));
  findings.push(...checkInstrumentRules(read, context));
  // One finding per problem: a field refused twice (by both side rules, say) keeps the first.
  const seen = new Set<string>();
  return findings.filter((each) => {
    const { start } = each.range;
    const key = `${each.code}|${start.line}:${start.character}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function unknownField(
  payload: Payload,
  field: PayloadField,
): { finding: Finding; nearest: string | undefined } {
  const [nearest] = nearestNames(field.name, orderFieldNames, 1);
  const fixes: Fix[] = [];
  if (nearest !== undefined && !payload.fields.some((each) => each.name === nearest)) {
    fixes.push({
      title: `Rename to ${nearest}`,
      edits: [renameKey(payload, field, nearest)],
      preferred: true,
    });
  }
  fixes.push({ title: `Remove ${field.written}`, edits: [removeField(payload, field)] });
  const hint =
    nearest !== undefined
      ? `did you mean ${nearest}?`
      : `remove it (an order has ${orderFieldNames.join(', ')})`;
  return {
    finding: finding(
      'unknown_field',
      field.keyRange,
      `${field.written} is not a field of an order: ${hint}`,
      fixes,
    ),
    nearest,
  };
}

function invalidValue(payload: Payload, field: PayloadField, issue: z.core.$ZodIssue): Finding {
  const spec = orderField(field.name);
  const fixes: Fix[] = [];
  let message = `${field.name} ${issue.message}`;
  if (spec !== undefined && spec.choices.length > 0) {
    const written = field.value.kind === 'string' ? field.value.value : '';
    const near = nearestNames(written, spec.choices, 1);
    const choices = [...new Set([...near, ...spec.choices])];
    message = `${field.name} must be ${spec.choices.map((each) => `"${each}"`).join(' or ')}${near.length > 0 ? `: did you mean "${near[0]}"?` : ''}`;
    fixes.push(
      ...choices.map((choice, index) => ({
        title: `Set ${field.name} to "${choice}"`,
        edits: [setValue(field, choice)],
        preferred: index === 0 && near.length > 0,
      })),
    );
  } else if (
    (spec?.kind === 'quantity' || spec?.kind === 'price') &&
    field.value.kind === 'string' &&
    Number(field.value.value) > 0
  ) {
    const number = Number(field.value.value);
    message = `${field.name} must be a number, not a string: write ${number} without quotes`;
    fixes.push({
      title: `Write ${number} as a number`,
      edits: [setValue(field, number)],
      preferred: true,
    });
  } else if (field.value.kind === 'null' && spec !== undefined && !spec.required) {
    message = `${field.name} must be a number, not null: give a price or remove it`;
    fixes.push({ title: `Remove ${field.name}`, edits: [removeField(payload, field)] });
  }
  return finding('invalid_value', field.valueRange, message, fixes);
}

const missingHints: Record<string, string> = {
  symbol: 'symbol (e.g. "EURUSD")',
  action: 'action ("buy" or "sell")',
  quantity: "quantity (units, at least the instrument's min_quantity)",
  order_type: 'order_type ("market" or "limit")',
  time_in_force: 'time_in_force ("gtc", "day" or "ioc")',
};

/** One finding for everything required that is missing, with a fix to add each. */
function missingFields(read: ReadPayload, names: string[], context: CheckContext): Finding {
  const symbol = read.literal.get('symbol');
  const instrument = typeof symbol === 'string' ? context.instrument(symbol) : undefined;
  const defaults: [string, string | number][] = [];
  for (const name of names) {
    if (name === 'action') defaults.push(['action', 'buy'], ['action', 'sell']);
    if (name === 'order_type') defaults.push(['order_type', 'market']);
    if (name === 'time_in_force') defaults.push(['time_in_force', 'gtc']);
    if (name === 'quantity' && instrument !== undefined) {
      defaults.push(['quantity', instrument.min_quantity]);
    }
  }
  const fixes: Fix[] = [];
  for (const [name, value] of defaults) {
    const edit = addField(read.payload, name, value);
    if (edit !== undefined) {
      fixes.push({ title: `Add ${name}: ${JSON.stringify(value)}`, edits: [edit] });
    }
  }
  const required = orderFields.filter((field) => field.required).length;
  const what = names.length === required ? 'every required field' : names.join(', ');
  const listed = names.map((name) => missingHints[name] ?? name).join(', ');
  return finding(
    'missing_field',
    openingOf(read.payload.range),
    `the order lacks ${what}: add ${listed}`,
    fixes,
  );
}

/** The rules across fields: limit_price for limit orders only, and the sides of the exits. */
function crossFieldFinding(
  read: ReadPayload,
  name: string | undefined,
  context: CheckContext,
): Finding | undefined {
  const { payload, fields, literal, dynamic } = read;
  if (name === 'limit_price') {
    const orderType = literal.get('order_type');
    const limitPrice = fields.get('limit_price');
    if (orderType === 'limit' && !dynamic.has('limit_price') && !payload.open) {
      return limitPriceRequired(read, context);
    }
    if (orderType === 'market' && limitPrice !== undefined) {
      read.refused.add('limit_price');
      return limitPriceForbidden(read, limitPrice);
    }
    return undefined;
  }
  if (name !== 'stop_loss' && name !== 'take_profit') return undefined;
  const field = fields.get(name);
  const action = actionOf(read);
  const price = literal.get(name);
  if (field === undefined || action === undefined || typeof price !== 'number') return undefined;
  const limitPrice = literal.get('limit_price');
  const takeProfit = literal.get('take_profit');
  const entry =
    literal.get('order_type') === 'limit' && typeof limitPrice === 'number'
      ? { price: limitPrice, what: 'the limit_price' }
      : typeof takeProfit === 'number'
        ? { price: takeProfit, what: 'take_profit' }
        : undefined;
  if (entry === undefined) return undefined;
  read.refused.add(name);
  const symbol = literal.get('symbol');
  const tick = typeof symbol === 'string' ? context.instrument(symbol)?.tick_size : undefined;
  return protectionFinding(field, action, price, entry.price, entry.what, 'error', tick);
}

function limitPriceRequired(read: ReadPayload, context: CheckContext): Finding {
  const orderTypeField = read.fields.get('order_type');
  const fixes: Fix[] = [];
  const add = limitPriceFix(read, context);
  if (add !== undefined) fixes.push(add);
  if (orderTypeField !== undefined) {
    fixes.push({ title: 'Make it a market order', edits: [setValue(orderTypeField, 'market')] });
  }
  return finding(
    'limit_price_required',
    orderTypeField?.valueRange ?? openingOf(read.payload.range),
    'limit_price is required for a limit order: add a limit_price, or make it a market order (order_type "market")',
    fixes,
  );
}

function limitPriceForbidden(read: ReadPayload, limitPrice: PayloadField): Finding {
  const orderTypeField = read.fields.get('order_type');
  const fixes: Fix[] = [
    {
      title: 'Remove limit_price',
      edits: [removeField(read.payload, limitPrice)],
      preferred: true,
    },
  ];
  if (orderTypeField !== undefined) {
    fixes.push({ title: 'Make it a limit order', edits: [setValue(orderTypeField, 'limit')] });
  }
  return finding(
    'limit_price_forbidden',
    { start: limitPrice.keyRange.start, end: limitPrice.valueRange.end },
    'limit_price is not allowed on a market order: remove it, or make it a limit order (order_type "limit")',
    fixes,
  );
}
