import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LockstepGate } from '../../../sdk/node/src/lockstep';

test('bar 1 waits for advanced 1', () => {
  const gate = new LockstepGate();
  assert.equal(gate.mayDeliver(1), false);
  gate.onAdvanced(1, true);
  assert.equal(gate.mayDeliver(1), true);
});

test('after a quiet bar where the strategy did nothing, the next bar may go ahead of its advanced', () => {
  const gate = new LockstepGate(16);
  gate.onAdvanced(1, true);
  gate.delivering(1);
  assert.equal(gate.mayDeliver(2), true);
  assert.deepEqual(gate.ack(), { op: 'ack', seq: 1, window: 16 });
});

test('a bar after a busy bar (open orders or exits) waits for its own advanced', () => {
  const gate = new LockstepGate();
  gate.onAdvanced(1, false);
  gate.delivering(1);
  assert.equal(gate.mayDeliver(2), false);
  gate.onAdvanced(2, false);
  assert.equal(gate.mayDeliver(2), true);
});

test('a bar after one where the strategy acted waits for its own advanced', () => {
  const gate = new LockstepGate();
  gate.onAdvanced(1, true);
  gate.delivering(1);
  void gate.acting();
  assert.equal(gate.mayDeliver(2), false);
  gate.onAdvanced(2, true);
  assert.equal(gate.mayDeliver(2), true);
});

test('two bars ahead never go without the advanced of the one before', () => {
  const gate = new LockstepGate();
  gate.onAdvanced(1, true);
  gate.delivering(1);
  gate.delivering(2);
  assert.equal(gate.mayDeliver(3), false, 'quiet at bar 2 is not known yet');
  gate.onAdvanced(2, true);
  assert.equal(gate.mayDeliver(3), true);
});

test("an order at a bar delivered early waits for that bar's advanced", async () => {
  const gate = new LockstepGate();
  gate.onAdvanced(1, true);
  gate.delivering(1);
  gate.delivering(2);
  let allowed = false;
  const waiting = gate.acting().then(() => (allowed = true));
  await Promise.resolve();
  assert.equal(allowed, false);
  gate.onAdvanced(2, false);
  await waiting;
  assert.equal(allowed, true);
});

test('acting at a bar already advanced goes at once', async () => {
  const gate = new LockstepGate();
  gate.onAdvanced(1, true);
  gate.delivering(1);
  await gate.acting();
});
