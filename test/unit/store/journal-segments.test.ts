import assert from 'node:assert/strict';
import { basename } from 'node:path';
import { test } from 'node:test';
import { type Journal, openJournal } from '../../../sandbox/store/journal';
import { listSegmentFiles } from '../../../sandbox/store/journal-recovery';
import { orderEvent, tempDir } from './temp-dir';

function lsnsFrom(journal: Journal, fromLsn: number): number[] {
  const lsns: number[] = [];
  journal.replay(fromLsn, (_value, lsn) => lsns.push(lsn));
  return lsns;
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, index) => from + index);
}

void test('segments roll past the size limit, are named by first LSN, and replay as one log', async (t) => {
  const dir = tempDir(t);
  const journal = openJournal({ dir, durability: 'none', maxSegmentBytes: 1000 });
  for (let index = 0; index < 60; index++) await journal.append(orderEvent(index));
  const files = listSegmentFiles(dir);
  assert.ok(files.length >= 5, `expected several segments, got ${files.length}`);
  assert.equal(basename(files[0].path), 'journal-0000000000000001.tbj');
  assert.equal(journal.stats.segments, files.length);
  assert.deepEqual(lsnsFrom(journal, 1), range(1, 60));
  assert.deepEqual(lsnsFrom(journal, 37), range(37, 60));
  assert.deepEqual(lsnsFrom(journal, 61), []);
  await journal.close();

  const reopened = openJournal({ dir, durability: 'none', maxSegmentBytes: 1000 });
  t.after(() => reopened.close());
  assert.equal(reopened.recovery.segments, files.length);
  const seen: unknown[] = [];
  reopened.replay(1, (value) => seen.push(value));
  assert.deepEqual(
    seen,
    range(0, 59).map((index) => orderEvent(index)),
  );
});

void test('roll() starts a new segment at the next LSN, and is a no-op on an empty one', async (t) => {
  const dir = tempDir(t);
  const journal = openJournal({ dir });
  t.after(() => journal.close());
  await journal.roll();
  assert.equal(listSegmentFiles(dir).length, 1);
  await journal.appendMany([1, 2, 3]);
  const appending = journal.append(4);
  await journal.roll();
  await appending;
  await journal.append(5);
  assert.deepEqual(
    listSegmentFiles(dir).map((file) => file.firstLsn),
    [1, 5],
  );
  assert.deepEqual(lsnsFrom(journal, 1), range(1, 5));
});

void test('deleteSegmentsBefore removes only whole segments below the LSN, never the active one', async (t) => {
  const dir = tempDir(t);
  const journal = openJournal({ dir });
  for (const batch of [
    [1, 2, 3],
    [4, 5],
    [6, 7, 8],
  ]) {
    await journal.appendMany(batch);
    await journal.roll();
  }
  await journal.append(9);
  assert.deepEqual(
    listSegmentFiles(dir).map((file) => file.firstLsn),
    [1, 4, 6, 9],
  );
  assert.equal(await journal.deleteSegmentsBefore(5), 1); // segment 4-5 still holds 5
  assert.equal(journal.firstLsn, 4);
  assert.equal(await journal.deleteSegmentsBefore(6), 1);
  assert.deepEqual(lsnsFrom(journal, 1), range(6, 9));
  assert.equal(await journal.deleteSegmentsBefore(1000), 1);
  assert.deepEqual(
    listSegmentFiles(dir).map((file) => file.firstLsn),
    [9],
  );
  assert.equal(journal.firstLsn, 9);
  assert.equal(await journal.append(10), 10);
  await journal.close();

  const reopened = openJournal({ dir });
  t.after(() => reopened.close());
  assert.equal(reopened.firstLsn, 9);
  assert.deepEqual(lsnsFrom(reopened, 1), [9, 10]);
});

void test('startLsn numbers a brand-new journal and is ignored once one exists', async (t) => {
  const dir = tempDir(t);
  const journal = openJournal({ dir, startLsn: 501 });
  assert.equal(journal.lastLsn, 500);
  assert.equal(await journal.append('first'), 501);
  await journal.close();
  const reopened = openJournal({ dir, startLsn: 9 });
  t.after(() => reopened.close());
  assert.equal(await reopened.append('second'), 502);
});
