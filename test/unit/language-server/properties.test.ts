// Property tests: random edits of valid files never make a service throw, never report one
// problem twice, and never flood; and the checks refuse exactly the orders the API refuses.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { instrumentBySymbol, instruments } from '../../../sandbox/market/instruments';
import { orderInstrumentIssues } from '../../../api/order-rules';
import { OrderRequest } from '../../../api/orders';
import { completionsAt, hoverAt, lensesOf } from '../../../language-server/service/assist';
import { applyEdits, quickFixes } from '../../../language-server/service/code-actions';
import { diagnose } from '../../../language-server/service/diagnose';
import type { Finding } from '../../../language-server/service/findings';
import { jsonOrderPayloads } from '../../../language-server/service/json-payloads';
import { marketContext, offlineContext } from '../../../language-server/service/market-context';
import { checkPayloads } from '../../../language-server/service/validate';
import { context, documentOf, marketNow, pretty, validOrder } from './support';

const orderFile = pretty([
  validOrder,
  {
    ...validOrder,
    symbol: 'US500',
    quantity: 1.5,
    limit_price: 5100.5,
    stop_loss: 5000,
    take_profit: 5200,
  },
  { symbol: 'XAUUSD', action: 'sell', quantity: 1, order_type: 'market', time_in_force: 'ioc' },
]);
const configFile = pretty({
  name: 'SMA',
  symbols: ['EURUSD', 'GBPUSD'],
  interval: '1m',
  params: { fast: 50, slow: 200, quantity: 10000 },
  risk: { max_position: 20000, max_orders_per_minute: 10 },
  backtest: { from: '2024-01-02', to: '2024-03-01', balance: 100000 },
});

/** Pieces a person types, or deletes, half-way through an order. */
const token = fc.constantFrom(
  '{',
  '}',
  '[',
  ']',
  '"',
  ':',
  ',',
  ' ',
  '\n',
  '-',
  '.',
  '0',
  '1e309',
  'null',
  'true',
  '"limit_price"',
  '"symbol"',
  '"EURUSD"',
  '"market"',
  '"limit"',
  '"buy"',
  '1.123456',
  '/*',
  '*/',
  '//',
  '\\',
  '\u00e9',
  '\ud83d',
);

interface Edit {
  at: number;
  remove: number;
  insert: string;
}
const edit: fc.Arbitrary<Edit> = fc.record({
  at: fc.nat(),
  remove: fc.nat({ max: 12 }),
  insert: fc.array(token, { maxLength: 4 }).map((parts) => parts.join('')),
});

function edited(text: string, edits: Edit[]): string {
  let result = text;
  for (const { at, remove, insert } of edits) {
    const start = at % (result.length + 1);
    result = result.slice(0, start) + insert + result.slice(start + remove);
  }
  return result;
}

/** The same problem twice: the same code at the same place. */
function repeated(findings: readonly Finding[]): string[] {
  const seen = new Set<string>();
  const twice: string[] = [];
  for (const each of findings) {
    const key = `${each.code}@${each.range.start.line}:${each.range.start.character}`;
    if (seen.has(key)) twice.push(key);
    seen.add(key);
  }
  return twice;
}

function exerciseEverything(text: string, name: string, probe: number): void {
  const document = documentOf(text, name);
  const findings = diagnose(document, context);
  assert.deepEqual(repeated(findings), [], text);
  assert.ok(findings.filter((each) => each.code === 'json_syntax').length <= 5);
  const end = document.positionAt(text.length);
  for (const each of findings) {
    assert.ok(each.range.end.line <= end.line, `a finding past the end: ${JSON.stringify(each)}`);
    for (const fix of quickFixes(document, [each], each.range)) {
      const fixed = applyEdits(document, fix.edits);
      diagnose(documentOf(fixed, name), context);
    }
  }
  const position = document.positionAt(probe % (text.length + 1));
  completionsAt(document, position, context);
  hoverAt(document, position, context);
  lensesOf(document);
}

test('random edits of a valid order file: no throw, no problem reported twice, no flood', () => {
  fc.assert(
    fc.property(fc.array(edit, { minLength: 1, maxLength: 6 }), fc.nat(), (edits, probe) => {
      exerciseEverything(edited(orderFile, edits), 'orders.order.json', probe);
    }),
    { numRuns: 400 },
  );
});

test('an order file re-checked after edits gives what a first check of it gives', () => {
  // `context` remembers every order it checked; a fresh context remembers none.
  const big = pretty(
    Array.from({ length: 30 }, (_, index) => ({ ...validOrder, quantity: 1000 + index * 0.5 })),
  );
  fc.assert(
    fc.property(fc.array(edit, { minLength: 1, maxLength: 4 }), (edits) => {
      const text = edited(big, edits);
      const warm = diagnose(documentOf(text), context);
      const fresh = diagnose(documentOf(text), offlineContext(marketNow));
      assert.deepEqual(warm, fresh);
    }),
    { numRuns: 150 },
  );
});

test('random edits of a valid strategy config: no throw, no problem reported twice', () => {
  fc.assert(
    fc.property(fc.array(edit, { minLength: 1, maxLength: 6 }), fc.nat(), (edits, probe) => {
      exerciseEverything(edited(configFile, edits), 'strategy.json', probe);
    }),
    { numRuns: 300 },
  );
});

test('every prefix of a valid order file (typing it from the start) is handled', () => {
  for (let length = 0; length <= orderFile.length; length += 3) {
    exerciseEverything(orderFile.slice(0, length), 'orders.order.json', length);
  }
});

// Without quotes, the checks see what the API sees before a market order fills.
const noQuotes = marketContext({ instruments, now: context.now, source: 'the universe' });

function apiRefuses(body: Record<string, unknown>): boolean {
  const parsed = OrderRequest.safeParse(body);
  if (!parsed.success) return true;
  const instrument = instrumentBySymbol(parsed.data.symbol);
  return instrument === undefined || orderInstrumentIssues(parsed.data, instrument).length > 0;
}

const nearValidOrder = fc
  .record(
    {
      symbol: fc.constantFrom('EURUSD', 'US500', 'XAUUSD', 'EURUSX', 'eurusd', 7),
      action: fc.constantFrom('buy', 'sell', 'hold'),
      quantity: fc.constantFrom(0.1, 1, 1.25, 500, 1000, 10000, 10000.5, -1, '1000'),
      order_type: fc.constantFrom('market', 'limit', 'stop'),
      limit_price: fc.constantFrom(1.1, 1.100004, 5100, 5100.05, 2000, 0, null),
      stop_loss: fc.constantFrom(1.09, 1.2, 5000, 5200.1, 1900),
      take_profit: fc.constantFrom(1.12, 1.0, 5200, 2100),
      time_in_force: fc.constantFrom('gtc', 'day', 'ioc', 'gtd'),
      client_order_id: fc.constantFrom('a-1', 'has space', ''),
      note: fc.constant('extra'),
    },
    { requiredKeys: ['symbol'] },
  )
  .map((body) => body as Record<string, unknown>);

test('the checks refuse exactly the orders the API refuses', () => {
  fc.assert(
    fc.property(nearValidOrder, (body) => {
      const document = documentOf(JSON.stringify(body));
      const errors = checkPayloads(jsonOrderPayloads(document), noQuotes).filter(
        (each) => each.severity === 'error',
      );
      assert.equal(
        errors.length > 0,
        apiRefuses(body),
        `${JSON.stringify(body)}: ${JSON.stringify(errors.map((each) => each.message))}`,
      );
    }),
    { numRuns: 1000 },
  );
});
