// SIGKILL in the middle of an order load, at three points: after each restart on the same data
// folder, every acknowledged order is there as it was answered (or further along, for a resting
// order that filled since), a retry of every unanswered request places it exactly once, and each
// account's balance is what its fills add up to.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import {
  assertAcknowledgedPresent,
  assertBalancesMatchFills,
  assertReplaysAsAnswered,
  loadUntilKilled,
  retryUnanswered,
  tradeAccounts,
} from './fixtures/crash-load';
import type { AckedOrder } from './fixtures/crash-load';
import { startSandboxProcess, stopAllSandboxes, weekdayNoon } from './harness';

after(() => stopAllSandboxes());

// Orders come faster than the default 100 a second per account.
const args = ['--order-rate-limit', '100000'];

test('SIGKILL during order load, three times: every acknowledged order survives', async () => {
  const startedAt = Date.now();
  // The market clock carries on from where it was, as it would for a real restart.
  const resumeAt = () => new Date(Date.parse(weekdayNoon) + Date.now() - startedAt).toISOString();
  let sandbox = await startSandboxProcess({ args });
  const { dataDir } = sandbox;
  const accounts = await tradeAccounts(sandbox, 4);
  const acked: AckedOrder[] = [];
  for (const [round, killAfter] of [30, 70, 5].entries()) {
    const outcome = await loadUntilKilled(sandbox, accounts, {
      tag: `round${round}`,
      killAfter,
      workers: 12,
    });
    assert.ok(outcome.acked.length >= killAfter);
    assert.ok(outcome.inFlightAtKill > 0, 'the kill came with no request in flight');
    // A 422 (say, no liquidity left on the tick) is an answer; a 5xx, 400 or 409 is a bug.
    assert.deepEqual(
      outcome.refused.filter((r) => r.status !== 422),
      [],
    );
    acked.push(...outcome.acked);

    sandbox = await startSandboxProcess({ dataDir, now: resumeAt(), args });
    await assertAcknowledgedPresent(sandbox.url, acked);
    // Every fifth acknowledged request, retried: the answer it had, even for orders filled since.
    await assertReplaysAsAnswered(
      sandbox.url,
      acked.filter((_, index) => index % 5 === round),
    );
    acked.push(...(await retryUnanswered(sandbox.url, outcome.unanswered)));
    for (const account of accounts) await assertBalancesMatchFills(sandbox.url, account);
  }
  await assertAcknowledgedPresent(sandbox.url, acked);
  assert.equal(await sandbox.stop('SIGTERM'), 0);
});
