import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { type StoreIo, nodeStoreIo } from '../../../sandbox/store/durable-fs';
import { type Journal, openJournal } from '../../../sandbox/store/journal';
import { LOCK_FILE_NAME } from '../../../sandbox/store/lock';
import { orderEvent, tempDir } from './temp-dir';

function readAll(journal: Journal, fromLsn = 1): { lsn: number; value: unknown }[] {
  const records: { lsn: number; value: unknown }[] = [];
  journal.replay(fromLsn, (value, lsn) => records.push({ lsn, value }));
  return records;
}

/** Real file I/O that counts the calls. */
function countingIo(): StoreIo & { writes: number; syncs: number } {
  const io = {
    ...nodeStoreIo,
    writes: 0,
    syncs: 0,
    write: (fd: number, buffer: Uint8Array, offset: number, length: number, position: number) => {
      io.writes++;
      return nodeStoreIo.write(fd, buffer, offset, length, position);
    },
    fdatasync: (fd: number) => {
      io.syncs++;
      return nodeStoreIo.fdatasync(fd);
    },
  };
  return io;
}

void test('records round-trip through close and reopen with LSNs from 1', async (t) => {
  const dir = tempDir(t);
  const journal = openJournal({ dir });
  assert.equal(journal.lastLsn, 0);
  assert.equal(await journal.append({ a: 1 }), 1);
  assert.equal(await journal.appendMany([{ b: 'två' }, [1, 2, 3], 'text', 42, null]), 6);
  await journal.close();

  const reopened = openJournal({ dir });
  t.after(() => reopened.close());
  assert.equal(reopened.recovery.records, 6);
  assert.equal(reopened.recovery.droppedTailBytes, 0);
  assert.deepEqual(readAll(reopened), [
    { lsn: 1, value: { a: 1 } },
    { lsn: 2, value: { b: 'två' } },
    { lsn: 3, value: [1, 2, 3] },
    { lsn: 4, value: 'text' },
    { lsn: 5, value: 42 },
    { lsn: 6, value: null },
  ]);
  assert.deepEqual(
    readAll(reopened, 5).map((record) => record.lsn),
    [5, 6],
  );
  assert.equal(await reopened.append({ c: 3 }), 7);
});

void test('concurrent appends get LSNs in call order and replay in that order', async (t) => {
  const dir = tempDir(t);
  const journal = openJournal({ dir });
  t.after(() => journal.close());
  const acknowledged = await Promise.all(
    Array.from({ length: 1000 }, (_, index) => journal.append(orderEvent(index))),
  );
  assert.deepEqual(
    acknowledged,
    Array.from({ length: 1000 }, (_, index) => index + 1),
  );
  // Appenders that each await their previous append interleave across batches.
  const workers = Array.from({ length: 20 }, async (_, worker) => {
    const lsns: number[] = [];
    for (let step = 0; step < 25; step++) lsns.push(await journal.append({ worker, step }));
    return lsns;
  });
  const perWorker = await Promise.all(workers);
  for (const lsns of perWorker) {
    assert.deepEqual(
      lsns,
      [...lsns].sort((a, b) => a - b),
    );
  }
  const records = readAll(journal);
  assert.equal(records.length, 1500);
  assert.deepEqual(
    records.map((record) => record.lsn),
    Array.from({ length: 1500 }, (_, index) => index + 1),
  );
  for (let index = 0; index < 1000; index++) {
    assert.deepEqual(records[index].value, orderEvent(index));
  }
  for (const [worker, lsns] of perWorker.entries()) {
    lsns.forEach((lsn, step) => assert.deepEqual(records[lsn - 1].value, { worker, step }));
  }
});

void test('group commit: 1000 concurrent appends share a handful of fdatasync calls', async (t) => {
  const dir = tempDir(t);
  const io = countingIo();
  const journal = openJournal({ dir, io });
  t.after(() => journal.close());
  await Promise.all(Array.from({ length: 1000 }, (_, index) => journal.append(orderEvent(index))));
  assert.ok(io.syncs >= 1 && io.syncs <= 10, `expected at most 10 syncs, saw ${io.syncs}`);
  assert.equal(journal.stats.syncs, io.syncs);
  assert.equal(journal.stats.appended, 1000);
  assert.equal(journal.durableLsn, 1000);

  // Appends made while a sync is in flight go out together in the next batch.
  const before = io.syncs;
  const first = journal.append({ wave: 1 });
  await new Promise((resolve) => setImmediate(resolve));
  const wave = Array.from({ length: 500 }, (_, index) => journal.append({ wave: 2, index }));
  await Promise.all([first, ...wave]);
  assert.ok(io.syncs - before <= 3, `expected at most 3 more syncs, saw ${io.syncs - before}`);
});

void test("durability 'none' writes without fdatasync", async (t) => {
  const dir = tempDir(t);
  const io = countingIo();
  const journal = openJournal({ dir, durability: 'none', io });
  await journal.appendMany([1, 2, 3]);
  assert.equal(io.syncs, 0);
  assert.ok(io.writes >= 1);
  await journal.close();
  const reopened = openJournal({ dir, durability: 'none' });
  t.after(() => reopened.close());
  assert.deepEqual(
    readAll(reopened).map((record) => record.value),
    [1, 2, 3],
  );
});

void test('values with no JSON form are refused without using up an LSN', async (t) => {
  const dir = tempDir(t);
  const journal = openJournal({ dir });
  t.after(() => journal.close());
  await assert.rejects(journal.append(undefined), /Only JSON values/);
  await assert.rejects(journal.appendMany([1, () => 2]), /Only JSON values/);
  await assert.rejects(journal.append({ big: 10n }), TypeError);
  assert.equal(await journal.append('ok'), 1);
  assert.equal(await journal.appendMany([]), 1);
});

void test('close writes pending appends; appends after close are refused', async (t) => {
  const dir = tempDir(t);
  const journal = openJournal({ dir });
  const pending = Array.from({ length: 50 }, (_, index) => journal.append({ index }));
  const closed = journal.close();
  await assert.rejects(journal.append({ late: true }), /closed/);
  await closed;
  assert.deepEqual(
    await Promise.all(pending),
    Array.from({ length: 50 }, (_, index) => index + 1),
  );
  await journal.close(); // a second close is harmless
  await assert.rejects(journal.append({ late: true }), /closed/);
  assert.throws(() => journal.replay(1, () => undefined), /closed/);

  const reopened = openJournal({ dir });
  t.after(() => reopened.close());
  assert.equal(reopened.lastLsn, 50);
});

void test('a failed fdatasync rejects the waiting appends and every later one', async (t) => {
  const dir = tempDir(t);
  let failNext = false;
  const io: StoreIo = {
    ...nodeStoreIo,
    fdatasync: (fd) =>
      failNext
        ? Promise.reject(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }))
        : nodeStoreIo.fdatasync(fd),
  };
  const journal = openJournal({ dir, io });
  assert.equal(await journal.append({ safe: 1 }), 1);
  failNext = true;
  const doomed = [journal.append({ lost: 1 }), journal.append({ lost: 2 })];
  for (const append of doomed) {
    await assert.rejects(append, /could not save to disk \(EIO: i\/o error, fdatasync\)/);
  }
  failNext = false;
  await assert.rejects(journal.append({ after: 1 }), /stopped accepting events/);
  await assert.rejects(journal.flush(), /stopped accepting events/);
  await journal.close();

  const reopened = openJournal({ dir });
  t.after(() => reopened.close());
  assert.deepEqual(readAll(reopened)[0], { lsn: 1, value: { safe: 1 } });
});

void test('a second open of the same folder is refused until the first closes', async (t) => {
  const dir = tempDir(t);
  const journal = openJournal({ dir });
  assert.throws(() => openJournal({ dir }), /already open in this process/);
  await journal.close();
  const again = openJournal({ dir });
  await again.close();
});

void test('a lock left by a process that no longer exists is taken over', (t) => {
  const dir = tempDir(t);
  fs.writeFileSync(join(dir, LOCK_FILE_NAME), '2147483646\n');
  const journal = openJournal({ dir });
  t.after(() => journal.close());
  assert.equal(fs.readFileSync(join(dir, LOCK_FILE_NAME), 'utf8').trim(), String(process.pid));
});

void test('a lock held by a live process refuses to open', (t) => {
  const dir = tempDir(t);
  // Our parent process is alive and is not us.
  fs.writeFileSync(join(dir, LOCK_FILE_NAME), `${process.ppid}\n`);
  assert.throws(() => openJournal({ dir }), /in use by another process/);
});

void test('records larger than the read chunk round-trip and are checked on open', async (t) => {
  const dir = tempDir(t);
  const journal = openJournal({ dir, durability: 'none' });
  const large = { blob: 'ü'.repeat(3 * 1024 * 1024) }; // 6 MiB of UTF-8, more than one 4 MiB chunk
  await journal.appendMany([{ small: 1 }, large, { small: 2 }]);
  await journal.close();
  const reopened = openJournal({ dir });
  t.after(() => reopened.close());
  assert.equal(reopened.recovery.records, 3);
  const records = readAll(reopened);
  assert.deepEqual(
    records.map((record) => record.value),
    [{ small: 1 }, large, { small: 2 }],
  );
});
