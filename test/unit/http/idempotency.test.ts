import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  applyIdempotencyEvent,
  expireIdempotency,
  findIdempotent,
  idempotencyToColumns,
  idempotencyWindowMs,
  IdempotencyState,
  requestHash,
} from '../../../sandbox/service/idempotency';

test('the same JSON value hashes the same whatever its key order', () => {
  fc.assert(
    fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (object) => {
      const reversed = Object.fromEntries(Object.entries(object).reverse());
      assert.equal(requestHash(object), requestHash(reversed));
    }),
  );
  assert.notEqual(requestHash({ quantity: 1000 }), requestHash({ quantity: 1001 }));
  assert.notEqual(requestHash({ a: [1, 2] }), requestHash({ a: [2, 1] }));
});

test('records are found per account within 24 hours, then expire', () => {
  const state = new IdempotencyState();
  const record = {
    type: 'idempotency_recorded' as const,
    account_id: 'a',
    key: 'k',
    hash: 'h',
    status: 201,
    answer: '{}',
    t: 1000,
  };
  applyIdempotencyEvent(state, record);
  applyIdempotencyEvent(state, { ...record, key: 'later', t: 5000 });
  assert.equal(findIdempotent(state, 'a', 'k', 2000)?.status, 201);
  assert.equal(findIdempotent(state, 'b', 'k', 2000), undefined);
  assert.equal(findIdempotent(state, 'a', 'k', 1000 + idempotencyWindowMs), undefined);
  expireIdempotency(state, 1000 + idempotencyWindowMs);
  assert.deepEqual(
    [...state.keys()].map((slot) => slot.split('\u0000')[1]),
    ['later'],
  );
});

test('records loaded from a snapshot are indexed lazily, in time order, behind newer ones', () => {
  const original = new IdempotencyState();
  const event = (key: string, t: number, answer: string) =>
    ({
      type: 'idempotency_recorded',
      account_id: 'a',
      key,
      hash: `h-${key}`,
      status: 422,
      answer,
      t,
    }) as const;
  for (let n = 0; n < 5; n++) applyIdempotencyEvent(original, event(`k${n}`, 1000 + n, `old-${n}`));
  const loaded = IdempotencyState.fromColumns(idempotencyToColumns(original));
  // Replayed after the snapshot, before any indexing: a replacement and a new key.
  applyIdempotencyEvent(loaded, event('k1', 9000, 'new-1'));
  applyIdempotencyEvent(loaded, event('k9', 9001, 'new-9'));
  assert.equal(loaded.warm(2), false);
  assert.equal(findIdempotent(loaded, 'a', 'k1', 9500)?.answer, 'new-1');
  assert.equal(findIdempotent(loaded, 'a', 'k3', 9500)?.answer, 'old-3');
  assert.deepEqual(
    [...loaded.keys()].map((slot) => slot.split('\u0000')[1]),
    ['k0', 'k2', 'k3', 'k4', 'k1', 'k9'],
  );
  assert.deepEqual(
    idempotencyToColumns(IdempotencyState.fromColumns(idempotencyToColumns(loaded))),
    idempotencyToColumns(loaded),
  );
});
