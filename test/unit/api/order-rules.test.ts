// Property tests of the order rules that need the instrument (`orderInstrumentIssues`): over
// generated instruments, an off-step or too-small quantity and every off-tick price is named.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { ErrorDetail } from '../../../api/errors';
import type { Instrument } from '../../../api/market';
import { Instrument as InstrumentSchema } from '../../../api/market';
import {
  gridUnits,
  isMultipleOf,
  orderInstrumentIssues,
  roundToStep,
} from '../../../api/order-rules';
import type { OrderRequest } from '../../../api/orders';

const runs = { numRuns: 300 };
const tickSizes = [0.00001, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.01, 0.1, 0.5, 1, 5];
const quantitySteps = [0.01, 0.1, 1, 10, 100, 1000];

const instrument: fc.Arbitrary<Instrument> = fc
  .record({
    symbol: fc.stringMatching(/^[A-Z0-9]{2,16}$/),
    tick_size: fc.constantFrom(...tickSizes),
    quantity_step: fc.constantFrom(...quantitySteps),
    minSteps: fc.integer({ min: 1, max: 100 }),
  })
  .map(({ minSteps, ...grid }) => ({
    ...grid,
    kind: 'forex' as const,
    description: 'generated',
    quote_currency: 'USD',
    base: 'XXX',
    min_quantity: roundToStep(grid.quantity_step * minSteps, grid.quantity_step),
    margin_rate: 0.05,
    commission_rate: 0.0001,
    trading_hours: {
      timezone: 'UTC' as const,
      sessions: [{ open: 'Sun 22:00', close: 'Fri 22:00' }],
      description: 'generated',
    },
  }));

/** A whole number of steps, at least the minimum. */
function validQuantity(inst: Instrument, extraSteps: number): number {
  const minSteps = Math.round(inst.min_quantity / inst.quantity_step);
  return roundToStep((minSteps + extraSteps) * inst.quantity_step, inst.quantity_step);
}

function onTick(inst: Instrument, ticks: number): number {
  return roundToStep(ticks * inst.tick_size, inst.tick_size);
}

function limitOrder(inst: Instrument, quantity: number, prices: Partial<OrderRequest>) {
  return {
    symbol: inst.symbol,
    action: 'buy',
    quantity,
    order_type: 'limit',
    time_in_force: 'gtc',
    limit_price: onTick(inst, 1000),
    ...prices,
  } as OrderRequest;
}

const pathsOf = (details: readonly ErrorDetail[]) => details.map((detail) => detail.path).sort();

test('generated instruments are valid Instruments of the contract', () => {
  fc.assert(
    fc.property(instrument, (inst) => assert.ok(InstrumentSchema.safeParse(inst).success)),
    { numRuns: 50 },
  );
});

test('a quantity on the step and at least the minimum, with prices on the tick, has no issues', () => {
  fc.assert(
    fc.property(
      instrument,
      fc.nat({ max: 100_000 }),
      fc.integer({ min: 1, max: 1_000_000 }),
      (inst, extraSteps, ticks) => {
        const order = limitOrder(inst, validQuantity(inst, extraSteps), {
          limit_price: onTick(inst, ticks),
        });
        assert.ok(isMultipleOf(order.quantity, inst.quantity_step));
        assert.deepEqual(orderInstrumentIssues(order, inst), []);
      },
    ),
    runs,
  );
});

test('a quantity off the step is named, with reason invalid_quantity', () => {
  fc.assert(
    fc.property(
      instrument,
      fc.nat({ max: 100_000 }),
      fc.double({ min: 0.05, max: 0.95, noNaN: true }),
      (inst, extraSteps, offset) => {
        const quantity = validQuantity(inst, extraSteps) + offset * inst.quantity_step;
        const details = orderInstrumentIssues(limitOrder(inst, quantity, {}), inst);
        assert.deepEqual(pathsOf(details), ['quantity']);
        assert.equal(details[0]?.reason, 'invalid_quantity');
        assert.match(details[0]?.message ?? '', /multiple of/);
      },
    ),
    runs,
  );
});

test('a quantity below the minimum is named as such, whether on the step or not', () => {
  fc.assert(
    fc.property(instrument, fc.double({ min: 0.001, max: 0.999, noNaN: true }), (inst, share) => {
      const details = orderInstrumentIssues(limitOrder(inst, inst.min_quantity * share, {}), inst);
      assert.deepEqual(pathsOf(details), ['quantity']);
      assert.equal(details[0]?.reason, 'invalid_quantity');
      assert.match(details[0]?.message ?? '', new RegExp(`at least ${inst.min_quantity}`));
    }),
    runs,
  );
});

const priceFields = ['limit_price', 'stop_loss', 'take_profit'] as const;

test('every price off the tick grid is named, and only those', () => {
  const price = fc.record({
    ticks: fc.integer({ min: 1, max: 1_000_000 }),
    offTick: fc.option(fc.double({ min: 0.05, max: 0.95, noNaN: true }), { nil: undefined }),
    present: fc.boolean(),
  });
  fc.assert(
    fc.property(instrument, price, price, price, (inst, ...prices) => {
      const fields: Partial<OrderRequest> = {};
      const offTick: string[] = [];
      priceFields.forEach((field, index) => {
        const { ticks, offTick: offset, present } = prices[index];
        if (!present && field !== 'limit_price') return;
        fields[field] = onTick(inst, ticks) + (offset ?? 0) * inst.tick_size;
        if (offset !== undefined) offTick.push(field);
      });
      const details = orderInstrumentIssues(limitOrder(inst, validQuantity(inst, 0), fields), inst);
      assert.deepEqual(pathsOf(details), offTick.sort());
      for (const detail of details) {
        assert.equal(detail.reason, 'invalid_price');
        assert.match(detail.message, /tick size/);
      }
    }),
    runs,
  );
});

test("a market order's exits are checked against the side of the quote it would fill at", () => {
  fc.assert(
    fc.property(
      instrument,
      fc.constantFrom('buy' as const, 'sell' as const),
      fc.integer({ min: 100, max: 100_000 }),
      fc.integer({ min: 1, max: 50 }),
      fc.integer({ min: 1, max: 200_000 }),
      fc.integer({ min: 1, max: 200_000 }),
      (inst, action, bidTicks, spreadTicks, stopTicks, takeTicks) => {
        const quote = { bid: onTick(inst, bidTicks), ask: onTick(inst, bidTicks + spreadTicks) };
        const entryTicks = action === 'buy' ? bidTicks + spreadTicks : bidTicks;
        const order: OrderRequest = {
          symbol: inst.symbol,
          action,
          quantity: validQuantity(inst, 0),
          order_type: 'market',
          time_in_force: 'ioc',
          stop_loss: onTick(inst, stopTicks),
          take_profit: onTick(inst, takeTicks),
        };
        const below = (a: number, b: number) => (action === 'buy' ? a < b : a > b);
        const expected = [
          ...(below(stopTicks, entryTicks) ? [] : ['stop_loss']),
          ...(below(entryTicks, takeTicks) ? [] : ['take_profit']),
        ];
        const details = orderInstrumentIssues(order, inst, quote);
        assert.deepEqual(pathsOf(details), expected);
        for (const detail of details) assert.equal(detail.reason, 'invalid_protection');
      },
    ),
    runs,
  );
});

void test('numbers off the grid by less than a relative tolerance, below a tick or past the bounds are refused', () => {
  const forex = fc.sample(instrument, { numRuns: 1, seed: 7 })[0];
  const eurusd = { ...forex, tick_size: 0.00001, quantity_step: 1, min_quantity: 1 };
  const base = limitOrder(eurusd, 1000, {});
  // As a client's JSON arrives: more digits than a double holds, or near its largest value.
  const json = (text: string) => JSON.parse(text) as number;
  const refused: [string, Partial<OrderRequest>, string][] = [
    ['a limit of 1e-15', { limit_price: 1e-15 }, 'limit_price'],
    ['a limit of 5e-324', { limit_price: 5e-324 }, 'limit_price'],
    ['a stop of 1e-300', { action: 'sell', stop_loss: 1e-300 }, 'stop_loss'],
    ['a limit of 1000.0000000001', { limit_price: 1000.0000000001 }, 'limit_price'],
    ['a limit of 1.7e308', { limit_price: json('1.7e308') }, 'limit_price'],
    ['a quantity of 1000000000.5', { quantity: 1000000000.5 }, 'quantity'],
    ['a quantity of 9007199254740993', { quantity: json('9007199254740993') }, 'quantity'],
    ['a quantity of 1.7e308', { quantity: json('1.7e308') }, 'quantity'],
  ];
  for (const [label, change, path] of refused) {
    const issues = orderInstrumentIssues({ ...base, ...change }, eurusd);
    assert.deepEqual(
      issues.map((issue) => issue.path),
      [path],
      `${label}: ${JSON.stringify(issues)}`,
    );
  }
  assert.match(
    orderInstrumentIssues({ ...base, quantity: json('9007199254740993') }, eurusd)[0].message,
    /must be at most 1000000000000 for/,
  );
  assert.match(
    orderInstrumentIssues({ ...base, limit_price: 1e-15 }, eurusd)[0].message,
    /at least the tick size 0.00001/,
  );
});

void test('every grid point from one step to the bound is accepted exactly as JSON gives it', () => {
  fc.assert(
    fc.property(
      instrument,
      fc.integer({ min: 1, max: 1e12 }),
      fc.integer({ min: 1, max: 1e12 }),
      (inst, steps, ticks) => {
        const quantity = Number(roundToStep(steps * inst.quantity_step, inst.quantity_step));
        const price = Number(String(onTick(inst, ticks)));
        assert.equal(gridUnits(quantity, inst.quantity_step), steps);
        assert.equal(gridUnits(price, inst.tick_size), ticks);
        assert.equal(gridUnits(price + inst.tick_size / 3, inst.tick_size), null);
      },
    ),
    runs,
  );
});
