import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  listSnapshots,
  loadLatestSnapshot,
  pruneSnapshots,
  type SkippedSnapshot,
  snapshotFileName,
  writeSnapshot,
} from '../../../sandbox/store/snapshot';
import { tempDir } from './temp-dir';

const state = (lsn: number) => ({
  lsn,
  accounts: { acc_1: { cash: 100_000 - lsn, name: 'Zoë' } },
  orders: Array.from({ length: 50 }, (_, index) => ({ id: `o${index}`, qty: index })),
});

void test('a snapshot round-trips; an empty or missing folder has none', async (t) => {
  const dir = tempDir(t);
  assert.equal(await loadLatestSnapshot(dir), null);
  assert.equal(await loadLatestSnapshot(join(dir, 'missing')), null);
  const written = await writeSnapshot(dir, 42, state(42));
  assert.equal(written.path, join(dir, 'snapshot-0000000000000042.tbsnap'));
  const loaded = await loadLatestSnapshot(dir);
  assert.deepEqual(
    {
      lsn: loaded?.lsn,
      state: loaded?.state,
      path: loaded?.path,
      sections: loaded?.sections.count,
    },
    { lsn: 42, state: state(42), path: written.path, sections: 0 },
  );
});

void test('pruning deletes only snapshots older than the one kept, and temp files left by a crash', async (t) => {
  const dir = tempDir(t);
  fs.writeFileSync(join(dir, `${snapshotFileName(5)}.tmp-999999`), 'half written');
  for (const lsn of [10, 20, 30, 40]) await writeSnapshot(dir, lsn, state(lsn));
  assert.equal(listSnapshots(dir).length, 4, 'writing alone deletes nothing');
  assert.deepEqual(await pruneSnapshots(dir, 30), [20, 10]);
  assert.deepEqual(fs.readdirSync(dir).sort(), [snapshotFileName(30), snapshotFileName(40)]);
  assert.equal((await loadLatestSnapshot(dir))?.lsn, 40);
});

void test('a damaged newest snapshot is skipped and reported in favour of the older one', async (t) => {
  const damage: [string, (path: string) => void][] = [
    ['flipped byte', (path) => flipByte(path, -10)],
    ['truncated', (path) => fs.truncateSync(path, fs.statSync(path).size - 7)],
    ['emptied', (path) => fs.writeFileSync(path, '')],
    ['bad header', (path) => flipByte(path, 3)],
    ['extra bytes', (path) => fs.appendFileSync(path, ' ')],
  ];
  for (const [name, harm] of damage) {
    const dir = tempDir(t);
    await writeSnapshot(dir, 10, state(10));
    const newest = await writeSnapshot(dir, 20, state(20));
    harm(newest.path);
    const skipped: SkippedSnapshot[] = [];
    const loaded = await loadLatestSnapshot(dir, { onSkipped: (report) => skipped.push(report) });
    assert.equal(loaded?.lsn, 10, name);
    assert.deepEqual(loaded.state, state(10), name);
    assert.equal(skipped.length, 1, name);
    assert.equal(skipped[0].lsn, 20);
    assert.equal(skipped[0].path, newest.path);
    assert.ok(skipped[0].reason.length > 0);
  }
});

void test('when every snapshot is damaged there is none to load', async (t) => {
  const dir = tempDir(t);
  for (const lsn of [1, 2]) {
    const written = await writeSnapshot(dir, lsn, state(lsn));
    flipByte(written.path, -2);
  }
  const skipped: SkippedSnapshot[] = [];
  assert.equal(
    await loadLatestSnapshot(dir, { onSkipped: (report) => skipped.push(report) }),
    null,
  );
  assert.deepEqual(
    skipped.map((report) => report.lsn),
    [2, 1],
  );
});

void test('a snapshot renamed to another LSN is not trusted', async (t) => {
  const dir = tempDir(t);
  const written = await writeSnapshot(dir, 7, state(7));
  fs.renameSync(written.path, join(dir, snapshotFileName(8)));
  const skipped: SkippedSnapshot[] = [];
  assert.equal(
    await loadLatestSnapshot(dir, { onSkipped: (report) => skipped.push(report) }),
    null,
  );
  assert.match(skipped[0].reason, /header says LSN 7 but its name says 8/);
  assert.deepEqual(
    listSnapshots(dir).map((file) => file.lsn),
    [8],
  );
});

void test('state that is not JSON is refused', async (t) => {
  const dir = tempDir(t);
  await assert.rejects(writeSnapshot(dir, 1, undefined), /must be a JSON value/);
  await assert.rejects(writeSnapshot(dir, 1, { n: 1n }), TypeError);
});

function flipByte(path: string, index: number): void {
  const data = fs.readFileSync(path);
  const at = index < 0 ? data.length + index : index;
  data[at] ^= 0x20;
  fs.writeFileSync(path, data);
}

void test('multi-byte text survives the chunk boundaries of writing and reading', async (t) => {
  const dir = tempDir(t);
  const prefix = '{"text":"'.length;
  // An emoji (a surrogate pair) straddling the 1 Mi-char encode chunk, then
  // enough 2-byte letters that the 4 MiB read chunks split some of them.
  const text = `${'a'.repeat(1024 * 1024 - prefix - 1)}😀${'é'.repeat(2_500_000)}€𝄞`;
  await writeSnapshot(dir, 3, { text });
  const loaded = await loadLatestSnapshot(dir);
  assert.equal((loaded?.state as { text: string }).text === text, true);
});
