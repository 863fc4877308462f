import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { nodeStoreIo, type StoreIo } from '../../../sandbox/store/durable-fs';
import { listSegmentFiles } from '../../../sandbox/store/journal-recovery';
import {
  listSetAsideSnapshots,
  listSnapshots,
  writeSnapshot,
} from '../../../sandbox/store/snapshot';
import { readSnapshotFile } from '../../../sandbox/store/snapshot-file';
import { writeVersion2Snapshot } from './snapshot-files';
import { appendIds, emptyTape, isRun, openTape } from './tape';
import { tempDir } from './temp-dir';

// LSNs with 16 digits, as a long-lived sandbox reaches, make the old version 2 header too long
// for its 128 bytes even for a small state.
const FAR_LSN = 1_000_000_000_000_000;

/** A folder as earlier sandboxes left it: cut-header snapshots set aside, the journal pruned. */
async function folderTheOldSandboxRefused(dir: string): Promise<number[]> {
  // A sandbox that has come this far: its state at FAR_LSN - 1 is a snapshot (of nothing yet).
  await writeSnapshot(dir, FAR_LSN - 1, emptyTape());
  const store = await openTape(dir, {
    snapshotEvery: 0,
    snapshotOnClose: false,
    maxSegmentBytes: 4096,
  });
  await appendIds(store, 0, 300);
  await store.snapshot();
  await appendIds(store, 300, 600);
  await store.snapshot();
  await appendIds(store, 600, 700);
  await store.close();
  const snapshots = listSnapshots(dir);
  for (const file of snapshots) {
    const { meta } = await readSnapshotFile(file.path, file.lsn);
    fs.rmSync(file.path);
    const line = writeVersion2Snapshot(`${file.path}.damaged`, file.lsn, JSON.stringify(meta));
    assert.ok(line.length > 128, 'the old header must have been cut');
  }
  assert.ok(listSegmentFiles(dir)[0].firstLsn > FAR_LSN + 1, 'the journal was pruned');
  return snapshots.map((file) => file.lsn);
}

void test('a folder whose cut-header snapshots were set aside opens again with all its data', async (t) => {
  const dir = tempDir(t);
  const setAside = await folderTheOldSandboxRefused(dir);

  // Without them the journal alone cannot rebuild the account: the refusal users met.
  const hidden = tempDir(t);
  for (const file of listSetAsideSnapshots(dir)) {
    fs.renameSync(file.path, join(hidden, `${file.lsn}`));
  }
  await assert.rejects(openTape(dir), /is incomplete: the newest usable snapshot ends at event 0/);
  for (const lsn of setAside) {
    fs.renameSync(join(hidden, `${lsn}`), join(dir, `snapshot-${lsn}.tbsnap.damaged`));
  }

  const store = await openTape(dir);
  assert.deepEqual(store.recovery.restoredSnapshots, setAside);
  assert.equal(store.recovery.completedHeader, true);
  assert.deepEqual(store.recovery.skippedSnapshots, []);
  assert.ok(isRun(store.state.ids, 700));
  await appendIds(store, 700, 750);
  await store.close();

  const reopened = await openTape(dir);
  t.after(() => reopened.close());
  assert.ok(isRun(reopened.state.ids, 750));
  assert.equal(reopened.recovery.completedHeader, false, 'the closing snapshot is version 3');
  assert.deepEqual(listSetAsideSnapshots(dir), []);
});

/** Real file calls, but every write to a snapshot's temp file flips a bit while `on`. */
function corruptingIo(): StoreIo & { on: boolean } {
  const temporary = new Set<number>();
  const io = {
    ...nodeStoreIo,
    on: false,
    open: async (path: string, flags: string) => {
      const fd = await nodeStoreIo.open(path, flags);
      if (path.includes('.tmp-')) temporary.add(fd);
      else temporary.delete(fd);
      return fd;
    },
    write: (fd: number, buffer: Uint8Array, offset: number, length: number, position: number) => {
      if (!io.on || !temporary.has(fd) || length === 0) {
        return nodeStoreIo.write(fd, buffer, offset, length, position);
      }
      const copy = Buffer.from(buffer.subarray(offset, offset + length));
      copy[copy.length >> 1] ^= 0x04;
      return nodeStoreIo.write(fd, copy, 0, length, position);
    },
  };
  return io;
}

void test('a snapshot that does not read back is deleted and reported; nothing it would replace goes', async (t) => {
  const dir = tempDir(t);
  const io = corruptingIo();
  const errors: string[] = [];
  const store = await openTape(dir, {
    io,
    snapshotEvery: 0,
    maxSegmentBytes: 2048,
    onBackgroundError: (error) => errors.push(error.message),
  });
  await appendIds(store, 0, 200);
  await store.snapshot();
  await appendIds(store, 200, 400);
  await store.snapshot();
  const kept = listSnapshots(dir).map((file) => file.lsn);
  const segments = listSegmentFiles(dir).map((file) => file.firstLsn);

  await appendIds(store, 400, 600);
  io.on = true;
  await assert.rejects(store.snapshot(), /did not read back \(.*\), so it was deleted/);
  assert.match(store.stats.lastSnapshotError ?? '', /did not read back/);
  assert.deepEqual(
    listSnapshots(dir).map((file) => file.lsn),
    kept,
  );
  const after = listSegmentFiles(dir).map((file) => file.firstLsn);
  assert.deepEqual(after.slice(0, segments.length), segments, 'no segment was deleted');
  assert.deepEqual(
    fs.readdirSync(dir).filter((name) => name.includes('.tmp-')),
    [],
    'the bad file is gone',
  );

  io.on = false;
  await appendIds(store, 600, 650);
  await store.close();
  const reopened = await openTape(dir);
  t.after(() => reopened.close());
  assert.ok(isRun(reopened.state.ids, 650));
  assert.deepEqual(reopened.recovery.skippedSnapshots, []);
  assert.equal(reopened.recovery.replayedEvents, 0);
});

void test('after a failed background snapshot the next waits as many events again', async (t) => {
  const dir = tempDir(t);
  let attempts = 0;
  const failing: StoreIo = {
    ...nodeStoreIo,
    open: (path, flags) => {
      if (!path.includes('.tmp-')) return nodeStoreIo.open(path, flags);
      attempts++;
      return Promise.reject(new Error('ENOSPC: no space left on device'));
    },
  };
  const errors: string[] = [];
  const store = await openTape(dir, {
    io: failing,
    snapshotEvery: 50,
    snapshotOnClose: false,
    onBackgroundError: (error) => errors.push(error.message),
  });
  t.after(() => store.close());
  await appendIds(store, 0, 500);
  await store.append([{ id: 500 }]);
  // One attempt per 50 events, not one per append once the first failed.
  assert.ok(attempts >= 5 && attempts <= 10, `${attempts} attempts for 500 events`);
  assert.ok(listSegmentFiles(dir).length <= 11, `${listSegmentFiles(dir).length} segments`);
  assert.match(errors[0] ?? '', /Could not write the snapshot .*ENOSPC/);
  assert.ok(isRun(store.state.ids, 501));
});
