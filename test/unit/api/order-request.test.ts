// Property tests of the order contract: what the zod schema accepts, and that every refusal names
// the offending field in the shape the API answers with (`detailsFromZod`).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { detailsFromZod } from '../../../api/errors';
import type { ErrorDetail } from '../../../api/errors';
import {
  OrderRequest,
  parseOrderRequest,
  protectionIssues,
  wellFormedOrderRequest,
} from '../../../api/orders';

const runs = { numRuns: 300 };

/** Prices as they arrive in JSON: finite, positive, across many magnitudes. */
const price = fc.double({ min: 1e-6, max: 1e7, noNaN: true, noDefaultInfinity: true });
const fraction = fc.double({ min: 0.001, max: 0.9, noNaN: true });
const symbol = fc.stringMatching(/^[A-Z0-9]{2,16}$/);
const clientOrderId = fc.stringMatching(/^[\x21-\x7e]{1,64}$/);

/** A valid order: the right price fields for its type, exits on the right side of its entry. */
const validOrder = fc
  .record({
    symbol,
    action: fc.constantFrom('buy' as const, 'sell' as const),
    quantity: price,
    order_type: fc.constantFrom('market' as const, 'limit' as const),
    entry: price,
    stopDistance: fc.option(fraction, { nil: undefined }),
    takeDistance: fc.option(fraction, { nil: undefined }),
    time_in_force: fc.constantFrom('gtc' as const, 'day' as const, 'ioc' as const),
    client_order_id: fc.option(clientOrderId, { nil: undefined }),
  })
  .map(({ entry, stopDistance, takeDistance, ...order }) => {
    const sign = order.action === 'buy' ? 1 : -1;
    return {
      ...order,
      ...(order.order_type === 'limit' && { limit_price: entry }),
      ...(stopDistance !== undefined && { stop_loss: entry * (1 - sign * stopDistance) }),
      ...(takeDistance !== undefined && { take_profit: entry * (1 + sign * takeDistance) }),
      ...(order.client_order_id === undefined && { client_order_id: undefined }),
    };
  })
  .map((order) => JSON.parse(JSON.stringify(order)) as Record<string, unknown>);

function detailsOf(input: unknown): ErrorDetail[] {
  const parsed = OrderRequest.safeParse(input);
  assert.equal(parsed.success, false, `expected a refusal of ${JSON.stringify(input)}`);
  return parsed.success ? [] : detailsFromZod(parsed.error);
}

function assertNames(details: readonly ErrorDetail[], path: string): void {
  assert.ok(
    details.some((detail) => detail.path === path && detail.message.length > 0),
    `no detail names "${path}": ${JSON.stringify(details)}`,
  );
}

test('valid orders always parse, unchanged, and survive a JSON round trip', () => {
  fc.assert(
    fc.property(validOrder, (order) => {
      const parsed = OrderRequest.parse(order);
      assert.deepEqual(parsed, order);
      assert.deepEqual(OrderRequest.parse(JSON.parse(JSON.stringify(parsed))), parsed);
    }),
    runs,
  );
});

/** Values each field must refuse, whatever the rest of the order holds. */
const invalidValues: Record<string, fc.Arbitrary<unknown>> = {
  symbol: fc.oneof(
    fc.constantFrom('', 'e', 'eurusd', 'EUR/USD', 'EURUSD ', 'A'.repeat(17), 'ÉURUSD', 42, null),
    fc.string().filter((s) => !/^[A-Z0-9]{2,16}$/.test(s)),
  ),
  action: fc.oneof(
    fc.constantFrom('BUY', 'hold', '', 1, true, null, ['buy']),
    fc.string().filter((s) => s !== 'buy' && s !== 'sell'),
  ),
  quantity: fc.oneof(
    fc.constantFrom(0, -0, -1, '1000', null, true, [1], { n: 1 }),
    fc.double({ max: 0, noNaN: true }),
  ),
  order_type: fc.constantFrom('stop', 'Market', '', 0, null, {}),
  time_in_force: fc.constantFrom('GTC', 'fok', '', 1, null),
  limit_price: fc.oneof(
    fc.constantFrom(0, -1.5, '1.1', null, false),
    fc.double({ max: 0, noNaN: true }),
  ),
  stop_loss: fc.constantFrom(0, -2, 'low', null, []),
  take_profit: fc.constantFrom(0, -3, 'high', null, {}),
  client_order_id: fc.oneof(
    fc.constantFrom('', 'has space', 'x'.repeat(65), 'tab\there', 'é', 7, null),
    fc.string({ minLength: 1 }).filter((s) => !/^[\x21-\x7e]{1,64}$/.test(s)),
  ),
};

test('one field set to an invalid value always fails with a detail naming that field', () => {
  const mutation = fc
    .constantFrom(...Object.keys(invalidValues))
    .chain((field) => fc.tuple(fc.constant(field), invalidValues[field]));
  fc.assert(
    fc.property(validOrder, mutation, (order, [field, value]) => {
      assertNames(detailsOf({ ...order, [field]: value }), field);
    }),
    runs,
  );
});

test('a missing required field or an unknown one is named, prototype keys included', () => {
  const required = ['symbol', 'action', 'quantity', 'order_type', 'time_in_force'];
  const unknownKey = fc.oneof(
    fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'limitPrice', ''),
    fc.string().filter((key) => !(key in invalidValues)),
  );
  fc.assert(
    fc.property(validOrder, fc.constantFrom(...required), unknownKey, (order, missing, extra) => {
      const without = { ...order };
      delete without[missing];
      assertNames(detailsOf(without), missing);
      // JSON.parse makes "__proto__" an own key, as a request body would.
      const withExtra = JSON.parse(
        `${JSON.stringify(order).slice(0, -1)},${JSON.stringify(extra)}:1}`,
      ) as unknown;
      assertNames(detailsOf(withExtra), extra);
    }),
    runs,
  );
});

test('anything that is not an object is refused as a whole, and never throws', () => {
  fc.assert(
    fc.property(
      fc
        .oneof(fc.jsonValue(), fc.anything())
        .filter((v) => typeof v !== 'object' || v === null || Array.isArray(v)),
      (value) => assertNames(detailsOf(value), ''),
    ),
    runs,
  );
  fc.assert(
    fc.property(fc.object(), (value) => {
      const parsed = OrderRequest.safeParse(value);
      if (!parsed.success)
        for (const detail of detailsFromZod(parsed.error))
          assert.equal(typeof detail.path, 'string');
    }),
    runs,
  );
});

test('limit_price is required on a limit order and refused on a market order', () => {
  fc.assert(
    fc.property(validOrder, price, (order, limitPrice) => {
      if (order.order_type === 'limit') {
        const { limit_price: _dropped, ...withoutPrice } = order;
        assertNames(detailsOf(withoutPrice), 'limit_price');
      } else {
        assertNames(detailsOf({ ...order, limit_price: limitPrice }), 'limit_price');
      }
    }),
    runs,
  );
});

test('exits on the wrong side of a limit entry are named; on the right side they pass', () => {
  fc.assert(
    fc.property(
      fc.constantFrom('buy' as const, 'sell' as const),
      price,
      fc.option(price, { nil: undefined }),
      fc.option(price, { nil: undefined }),
      (action, entry, stopLoss, takeProfit) => {
        const order = {
          symbol: 'EURUSD',
          action,
          quantity: 1000,
          order_type: 'limit',
          limit_price: entry,
          time_in_force: 'gtc',
          ...(stopLoss !== undefined && { stop_loss: stopLoss }),
          ...(takeProfit !== undefined && { take_profit: takeProfit }),
        };
        const below = (a: number, b: number) => (action === 'buy' ? a < b : a > b);
        const stopWrong = stopLoss !== undefined && !below(stopLoss, entry);
        const takeWrong = takeProfit !== undefined && !below(entry, takeProfit);
        const parsed = OrderRequest.safeParse(order);
        assert.equal(parsed.success, !stopWrong && !takeWrong);
        if (parsed.success) return;
        const paths = detailsFromZod(parsed.error).map((detail) => detail.path);
        assert.deepEqual(paths.sort(), [
          ...(stopWrong ? ['stop_loss'] : []),
          ...(takeWrong ? ['take_profit'] : []),
        ]);
      },
    ),
    runs,
  );
});

test('on a market order, only the order of stop_loss and take_profit is checked', () => {
  fc.assert(
    fc.property(
      fc.constantFrom('buy' as const, 'sell' as const),
      price,
      price,
      (action, stopLoss, takeProfit) => {
        const order = {
          symbol: 'EURUSD',
          action,
          quantity: 1000,
          order_type: 'market',
          time_in_force: 'ioc',
          stop_loss: stopLoss,
          take_profit: takeProfit,
        };
        const inOrder = action === 'buy' ? stopLoss < takeProfit : stopLoss > takeProfit;
        const parsed = OrderRequest.safeParse(order);
        assert.equal(parsed.success, inOrder);
        if (!parsed.success) assertNames(detailsFromZod(parsed.error), 'stop_loss');
        assert.equal(
          protectionIssues(action, undefined, stopLoss, takeProfit).length === 0,
          inOrder,
        );
      },
    ),
    runs,
  );
});

test('cross-field rules still name the other offending fields in the same answer', () => {
  fc.assert(
    fc.property(validOrder, (order) => {
      const details = detailsOf({
        ...order,
        quantity: -1,
        order_type: 'limit',
        limit_price: undefined,
        symbol: 'x',
      });
      for (const path of ['quantity', 'limit_price', 'symbol']) assertNames(details, path);
    }),
    runs,
  );
});

test('well-formed orders take the quick path, and it gives exactly what zod gives', () => {
  fc.assert(
    fc.property(validOrder, (order) => {
      const quick = wellFormedOrderRequest(order);
      assert.notEqual(quick, undefined, `the quick path refused ${JSON.stringify(order)}`);
      // Same fields in the same order: the request's JSON is journaled and hashed downstream.
      assert.equal(JSON.stringify(quick), JSON.stringify(OrderRequest.parse(order)));
    }),
    runs,
  );
});

test('parseOrderRequest answers every input exactly as OrderRequest.safeParse does', () => {
  const field = fc.constantFrom(...Object.keys(invalidValues));
  const input = fc.oneof(
    validOrder,
    // one invalid field, one missing, one unknown, one set to undefined
    fc
      .tuple(
        validOrder,
        field.chain((name) => fc.tuple(fc.constant(name), invalidValues[name])),
      )
      .map(([order, [name, value]]) => ({ ...order, [name]: value })),
    fc.tuple(validOrder, field).map(([order, name]) => {
      const without = { ...order };
      delete without[name];
      return without;
    }),
    fc
      .tuple(validOrder, fc.constantFrom('__proto__', 'constructor', 'extra', ''))
      .map(
        ([order, key]) =>
          JSON.parse(`${JSON.stringify(order).slice(0, -1)},"${key}":1}`) as Record<
            string,
            unknown
          >,
      ),
    fc.tuple(validOrder, field).map(([order, name]) => ({ ...order, [name]: undefined })),
    // prices that are not finite numbers, and objects that are not plain
    fc
      .tuple(validOrder, fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.MAX_VALUE))
      .map(([order, quantity]) => ({ ...order, quantity })),
    validOrder.map((order): unknown =>
      Object.assign(Object.create({ inherited: 1 }) as object, order),
    ),
    validOrder.map((order): unknown => Object.assign(Object.create(null) as object, order)),

    fc.anything(),
  );
  fc.assert(
    fc.property(input, (value) => {
      const quick = parseOrderRequest(value);
      const zod = OrderRequest.safeParse(value);
      assert.equal(quick.success, zod.success, JSON.stringify(value));
      if (quick.success && zod.success) {
        assert.equal(JSON.stringify(quick.data), JSON.stringify(zod.data));
        assert.deepEqual(quick.data, zod.data);
      } else if (!quick.success && !zod.success) {
        assert.deepEqual(detailsFromZod(quick.error), detailsFromZod(zod.error));
      }
    }),
    { numRuns: 2000 },
  );
});

test('parseOrderRequest reads each field once, as zod does', () => {
  fc.assert(
    fc.property(validOrder, (order) => {
      // A getter that answers differently each time: one fresh object for each parser.
      const counting = () => {
        let reads = 0;
        return Object.defineProperty({ ...order }, 'quantity', {
          enumerable: true,
          get: () => 1000 * ++reads,
        });
      };
      const quick = parseOrderRequest(counting());
      const zod = OrderRequest.safeParse(counting());
      assert.equal(quick.success, true);
      assert.deepEqual(quick.data, zod.data);
      assert.equal(quick.data?.quantity, 1000);
    }),
    runs,
  );
});
