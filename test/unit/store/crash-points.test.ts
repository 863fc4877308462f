// Crash-point testing: the store is driven through appends, segment rolls, several snapshot
// cycles (with their pruning) and a closing snapshot over a disk that stops after its Nth call,
// for every N the run makes; after each crash the folder is reopened with the real disk and must
// hold every acknowledged event, and nothing but a gapless run of events.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { type TestContext, test } from 'node:test';
import { listSetAsideSnapshots, listSnapshots } from '../../../sandbox/store/snapshot';
import { type CrashMode, CrashingIo } from './crashing-io';
import { isRun, openTape } from './tape';
import { tempDir } from './temp-dir';

const EVENTS = 150;
/** Appends in flight together, so that group commit puts several in one write. */
const CONCURRENT = 3;

interface Outcome {
  /** Calls the disk took. */
  calls: number;
  /** Ids whose append resolved: acknowledged, so they must survive. */
  acknowledged: number;
  snapshots: number;
}

async function drive(dir: string, io: CrashingIo): Promise<Outcome> {
  let acknowledged = 0;
  const store = await openTape(dir, {
    io,
    durability: 'fsync',
    snapshotEvery: 12,
    maxSegmentBytes: 600,
    onBackgroundError: () => undefined,
  });
  try {
    for (let from = 0; from < EVENTS; from += CONCURRENT) {
      const ids = Array.from({ length: Math.min(CONCURRENT, EVENTS - from) }, (_, i) => from + i);
      await Promise.all(ids.map((id) => store.append([{ id }])));
      acknowledged = from + ids.length;
      // Besides the background ones, at set points: while one runs, no other starts.
      if (from % 36 === 0) await store.snapshot();
    }
  } catch {
    // The crash: whatever was acknowledged before it is what must survive.
  }
  const snapshots = store.stats.snapshotsWritten;
  await store.close().catch(() => undefined);
  return { calls: io.calls, acknowledged, snapshots };
}

async function checkEveryCrashPoint(t: TestContext, mode: CrashMode) {
  const clean = await drive(tempDir(t), new CrashingIo(Infinity, mode, tempDir(t)));
  assert.ok(clean.snapshots >= 5, `only ${clean.snapshots} snapshots`);
  assert.equal(clean.acknowledged, EVENTS);
  let crashes = 0;
  for (let crashAt = 0; crashAt <= clean.calls; crashAt++) {
    const dir = tempDir(t);
    const io = new CrashingIo(crashAt, mode, tempDir(t));
    const outcome = await drive(dir, io);
    if (io.crashed) crashes++;
    io.settle();
    const reopened = await openTape(dir).catch((error: unknown) => {
      throw new Error(`crash after call ${crashAt} (${mode}): the folder does not open`, {
        cause: error,
      });
    });
    const { ids } = reopened.state;
    const where = `crash after call ${crashAt} of ${clean.calls} (${mode})`;
    assert.ok(
      ids.length >= outcome.acknowledged && isRun(ids, ids.length),
      `${where}: ${outcome.acknowledged} acknowledged, ${ids.length} back`,
    );
    assert.deepEqual(listSetAsideSnapshots(dir), [], `${where}: a snapshot was set aside`);
    await reopened.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  assert.ok(crashes >= clean.calls, `only ${crashes} of ${clean.calls + 1} runs crashed`);
}

void test('every acknowledged event survives a crash at any call, writes torn', async (t) => {
  await checkEveryCrashPoint(t, 'torn');
});

void test('every acknowledged event survives a crash at any call that loses what was not synced', async (t) => {
  await checkEveryCrashPoint(t, 'unsynced');
});

void test('the crash layer loses unsynced data: a store that skipped its fsyncs loses events', async (t) => {
  // The check above is only worth something if the layer really drops what was not synced.
  const dir = tempDir(t);
  const io = new CrashingIo(Infinity, 'unsynced', tempDir(t));
  const store = await openTape(dir, {
    io,
    durability: 'none',
    snapshotEvery: 0,
    snapshotOnClose: false,
  });
  for (let id = 0; id < 20; id++) await store.append([{ id }]);
  await store.close();
  io.settle();
  assert.equal(listSnapshots(dir).length, 0);
  const reopened = await openTape(dir);
  t.after(() => reopened.close());
  assert.deepEqual(reopened.state.ids, []);
});
