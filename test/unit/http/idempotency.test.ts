import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  applyIdempotencyEvent,
  expireIdempotency,
  findIdempotent,
  idempotencyWindowMs,
  requestHash,
} from '../../../sandbox/service/idempotency';
import type { IdempotencyState } from '../../../sandbox/service/idempotency';

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
  const state: IdempotencyState = new Map();
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
