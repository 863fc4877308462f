// Issue 19 at scale: a sandbox grown over HTTP to 150,000 orders (63,000 resting, a JSON index of
// tens of MB), SIGKILLed under load at 110,000 orders (three snapshots by then), restarted,
// loaded on, stopped cleanly and restarted, keeps every acknowledged order and sets no snapshot
// aside. 30 to 60 s on two cores; bench/snapshot-scale.ts runs the same scenario with timings.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { StartScaleSandbox } from './fixtures/scale-scenario';
import { problems, runScaleScenario } from './fixtures/scale-scenario';
import { startSandboxProcess, stopAllSandboxes } from './harness';

const dataDir = mkdtempSync(join(tmpdir(), 'tbm-test-scale-'));

after(async () => {
  await stopAllSandboxes();
  rmSync(dataDir, { recursive: true, force: true });
});

// 150,000 orders in about a minute: far past the default 100 new orders a second per account.
const args = ['--order-rate-limit', '100000000', '--key-rate-limit', '100000000'];

const start: StartScaleSandbox = async (folder, now) => {
  const started = performance.now();
  const sandbox = await startSandboxProcess({ dataDir: folder, now, args });
  return { sandbox, ms: performance.now() - started };
};

test(
  '150,000 orders, a SIGKILL after three snapshots and a clean stop: nothing lost, nothing set aside',
  { timeout: 300_000 },
  async () => {
    const result = await runScaleScenario({
      dataDir,
      start,
      orders: 150_000,
      accounts: 16,
      concurrency: 64,
      killAfterSnapshots: 3,
      // The third snapshot comes at ~99,000 records: the restart replays some 10,000.
      killAfterOrders: 110_000,
      log: () => undefined,
    });
    assert.deepEqual(problems(result, { orders: 150_000, open: 60_000 }), []);
    assert.ok(result.snapshotsBeforeKill >= 3);
    // The regime that cut the old headers: an LSN past 10,000 and an index past 10 MB.
    const newest = result.snapshots.at(-1);
    assert.ok(newest !== undefined && newest.lsn > 10_000 && newest.indexBytes > 10e6);
  },
);
