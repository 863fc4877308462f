// The Node SDK's fault soak, short form (the long one is `npm run bench -- sdk-node-soak`): a
// strategy trading every 300 ms through every fault phase must end with nothing lost,
// doubled or misreported, and its position the account's.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { startSandboxProcess, stopAllSandboxes } from './harness';
import { runSoak, soakPhases } from './fixtures/sdk-node-soak';
import { cleanUpScripts } from './sdk-node-support';

after(async () => {
  await cleanUpScripts();
  await stopAllSandboxes();
});

/** Four phases of at most 15 s: a run that hangs fails the test, not the CI job. */
const hangLimit = { timeout: 300_000 };

test(
  'under 503s, 429s, latency, lost answers, resets and stream drops, every order is told as it is',
  hangLimit,
  async () => {
    const sandbox = await startSandboxProcess();
    const counts = await runSoak({
      sandbox,
      phases: soakPhases,
      intentsPerPhase: 16,
      phaseCapMs: 15_000,
    });
    const report = JSON.stringify(counts);
    assert.ok(counts.intents >= 4 * 16, `the strategy kept trading: ${report}`);
    assert.equal(counts.duplicates, 0, report);
    assert.equal(counts.lost, 0, report);
    assert.equal(counts.reportedWrongly, 0, report);
    assert.equal(counts.positionScript, counts.positionAccount, report);
    assert.equal(counts.placed, counts.toldPlaced + counts.unknownPlaced, report);
    // The faults did happen: retries, lookups after lost answers, the breaker, stream drops.
    assert.ok(counts.retries > 0, report);
    assert.ok(counts.lookups > 0, report);
    assert.ok(counts.breakerOpened > 0, report);
    assert.ok(counts.streamDrops > 0, report);
  },
);
