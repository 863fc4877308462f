import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { openJournal } from '../../../sandbox/store/journal';
import { JournalCorruptionError, listSegmentFiles } from '../../../sandbox/store/journal-recovery';
import { orderEvent, tempDir } from './temp-dir';

const RECORDS = 5;

/** Writes RECORDS events and returns the segment path and each record's start offset. */
async function writeSample(
  dir: string,
  count = RECORDS,
): Promise<{ path: string; starts: number[] }> {
  const journal = openJournal({ dir, durability: 'none' });
  const starts: number[] = [];
  let offset = 0;
  for (let index = 0; index < count; index++) {
    starts.push(offset);
    offset += 8 + Buffer.byteLength(JSON.stringify(orderEvent(index)));
  }
  await journal.appendMany(Array.from({ length: count }, (_, index) => orderEvent(index)));
  await journal.close();
  const [segment] = listSegmentFiles(dir);
  assert.equal(fs.statSync(segment.path).size, offset);
  return { path: segment.path, starts };
}

async function values(dir: string): Promise<unknown[]> {
  const journal = openJournal({ dir, durability: 'none' });
  const seen: unknown[] = [];
  journal.replay(1, (value) => seen.push(value));
  await journal.close();
  return seen;
}

/** Opens, checks what was dropped, appends one more record and checks it lands after the good ones. */
async function expectTornTailDropped(dir: string, keptRecords: number, droppedBytes: number) {
  const journal = openJournal({ dir, durability: 'none' });
  assert.equal(journal.recovery.droppedTailBytes, droppedBytes);
  assert.equal(journal.lastLsn, keptRecords);
  assert.equal(await journal.append({ after: 'recovery' }), keptRecords + 1);
  await journal.close();
  const expected = [
    ...Array.from({ length: keptRecords }, (_, index) => orderEvent(index)),
    { after: 'recovery' },
  ];
  assert.deepEqual(await values(dir), expected);
}

void test('a final record cut at every byte offset is dropped and appends continue', async (t) => {
  const dir = tempDir(t);
  const { path, starts } = await writeSample(dir);
  const original = fs.readFileSync(path);
  const lastStart = starts[RECORDS - 1];
  for (let cut = lastStart + 1; cut < original.length; cut++) {
    fs.writeFileSync(path, original.subarray(0, cut));
    await expectTornTailDropped(dir, RECORDS - 1, cut - lastStart);
  }
  // Cut exactly at a record boundary: nothing is torn.
  fs.writeFileSync(path, original.subarray(0, lastStart));
  await expectTornTailDropped(dir, RECORDS - 1, 0);
});

void test('a final record with a flipped payload byte (checksum mismatch) is dropped', async (t) => {
  const dir = tempDir(t);
  const { path, starts } = await writeSample(dir);
  const data = fs.readFileSync(path);
  data[data.length - 3] ^= 0x01;
  fs.writeFileSync(path, data);
  await expectTornTailDropped(dir, RECORDS - 1, data.length - starts[RECORDS - 1]);
});

void test('garbage and zero-filled tails after the last good record are dropped', async (t) => {
  for (const tail of [
    Buffer.alloc(4096),
    Buffer.alloc(3),
    Buffer.from('garbage that is not a frame at all, {"x":1}'),
    Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 1, 2, 3]),
  ]) {
    const dir = tempDir(t);
    const { path } = await writeSample(dir);
    fs.appendFileSync(path, tail);
    await expectTornTailDropped(dir, RECORDS, tail.length);
  }
});

void test('damage followed by intact records refuses to open, naming the file and offset', async (t) => {
  const dir = tempDir(t);
  const { path, starts } = await writeSample(dir, 10);
  const data = fs.readFileSync(path);
  data[starts[3] + 20] ^= 0x40; // inside record 4's payload
  fs.writeFileSync(path, data);
  assert.throws(
    () => openJournal({ dir }),
    (error: unknown) => {
      assert.ok(error instanceof JournalCorruptionError);
      assert.equal(error.file, path);
      assert.equal(error.offset, starts[3]);
      assert.match(error.message, new RegExp(`damaged at byte offset ${starts[3]}`));
      assert.match(error.message, /checksum does not match/);
      assert.match(error.message, new RegExp(`Intact records follow at byte ${starts[4]}`));
      assert.match(error.message, /repair: 'truncate'/);
      return true;
    },
  );
  // The refused open left the file as it was and released the folder.
  assert.deepEqual(fs.readFileSync(path), data);

  const repaired = openJournal({ dir, repair: 'truncate' });
  assert.equal(repaired.lastLsn, 3);
  assert.equal(repaired.recovery.repaired?.offset, starts[3]);
  assert.equal(repaired.recovery.repaired?.discardedBytes, data.length - starts[3]);
  await repaired.close();
  assert.deepEqual(await values(dir), [orderEvent(0), orderEvent(1), orderEvent(2)]);
});

void test('a zeroed stretch in the middle is corruption, not a torn tail', async (t) => {
  const dir = tempDir(t);
  const { path, starts } = await writeSample(dir, 10);
  const data = fs.readFileSync(path);
  data.fill(0, starts[2], starts[3]);
  fs.writeFileSync(path, data);
  assert.throws(() => openJournal({ dir }), new RegExp(`byte offset ${starts[2]}`));
});

void test('damage in an older segment refuses to open even with nothing after it in that file', async (t) => {
  const dir = tempDir(t);
  const journal = openJournal({ dir, durability: 'none', maxSegmentBytes: 400 });
  for (let index = 0; index < 20; index++) await journal.append(orderEvent(index));
  await journal.close();
  const segments = listSegmentFiles(dir);
  assert.ok(segments.length >= 3);
  const first = segments[0].path;
  fs.truncateSync(first, fs.statSync(first).size - 5);
  assert.throws(() => openJournal({ dir }), /Newer segment files follow it/);
});

void test('a missing segment in the middle refuses to open', async (t) => {
  const dir = tempDir(t);
  const journal = openJournal({ dir, durability: 'none', maxSegmentBytes: 400 });
  for (let index = 0; index < 20; index++) await journal.append(orderEvent(index));
  await journal.close();
  const segments = listSegmentFiles(dir);
  fs.unlinkSync(segments[1].path);
  assert.throws(() => openJournal({ dir }), /A segment file between them is missing/);
});

void test('a folder with only an empty segment (crash right after creating it) opens', async (t) => {
  const dir = tempDir(t);
  fs.writeFileSync(join(dir, 'journal-0000000000000007.tbj'), '');
  const journal = openJournal({ dir });
  t.after(() => journal.close());
  assert.equal(journal.firstLsn, 7);
  assert.equal(await journal.append('x'), 7);
});
