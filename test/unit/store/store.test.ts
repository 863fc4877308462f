import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { test } from 'node:test';
import { nodeStoreIo } from '../../../sandbox/store/durable-fs';
import { listSegmentFiles } from '../../../sandbox/store/journal-recovery';
import { listSnapshots } from '../../../sandbox/store/snapshot';
import { openStore, type Store, type StoreOptions } from '../../../sandbox/store/store';
import { tempDir } from './temp-dir';

interface Ledger {
  cash: number;
  orders: Record<string, number>;
  lastLsn: number;
}

type LedgerEvent =
  | { type: 'deposit'; amount: number }
  | { type: 'order'; id: string; quantity: number }
  | { type: 'cancel'; id: string }
  | { type: 'explode' };

function applyLedger(state: Ledger, event: LedgerEvent, lsn: number): void {
  // Replay must hand records over in order, with no gaps; the events of one append share its LSN.
  if (lsn !== state.lastLsn + 1 && lsn !== state.lastLsn) {
    throw new Error(`event ${lsn} after ${state.lastLsn}`);
  }
  switch (event.type) {
    case 'deposit':
      state.cash += event.amount;
      break;
    case 'order':
      state.orders[event.id] = event.quantity;
      state.cash -= event.quantity;
      break;
    case 'cancel':
      state.cash += state.orders[event.id] ?? 0;
      delete state.orders[event.id];
      break;
    case 'explode':
      throw new Error('this event cannot be applied');
    default: {
      const unknownEvent: never = event;
      throw new Error(`unknown event ${JSON.stringify(unknownEvent)}`);
    }
  }
  state.lastLsn = lsn;
}

const emptyLedger = (): Ledger => ({ cash: 0, orders: {}, lastLsn: 0 });

function sampleEvent(index: number): LedgerEvent {
  if (index % 10 === 0) return { type: 'deposit', amount: 1000 + index };
  if (index % 7 === 0) return { type: 'cancel', id: `o${index - 3}` };
  return { type: 'order', id: `o${index}`, quantity: (index % 13) + 1 };
}

/** The state a full replay of events 0 .. count-1 gives, computed without any store. */
function expectedLedger(count: number): Ledger {
  const state = emptyLedger();
  for (let index = 0; index < count; index++) applyLedger(state, sampleEvent(index), index + 1);
  return state;
}

function options(dir: string, extra: Partial<StoreOptions<Ledger, LedgerEvent>> = {}) {
  return {
    dir,
    initialState: emptyLedger,
    apply: applyLedger,
    durability: 'none',
    ...extra,
  } as const;
}

async function appendSamples(store: Store<Ledger, LedgerEvent>, from: number, to: number) {
  for (let index = from; index < to; index++) await store.append([sampleEvent(index)]);
}

void test('a new store starts from initialState, applies events at once, and reopens to the same state', async (t) => {
  const dir = tempDir(t);
  const store = await openStore(options(dir, { durability: 'fsync' }));
  assert.deepEqual(store.state, emptyLedger());
  assert.equal(store.recovery.snapshotLsn, 0);
  const durable = store.append([sampleEvent(0), sampleEvent(1)]);
  assert.equal(store.state.cash, 1000 - 2); // visible before the write completes
  assert.equal(await durable, 1); // one append, one record
  await appendSamples(store, 2, 30);
  const expected = { ...expectedLedger(30), lastLsn: 29 };
  assert.deepEqual(store.state, expected);
  await store.close();

  const reopened = await openStore(options(dir));
  t.after(() => reopened.close());
  assert.deepEqual(reopened.state, expected);
  assert.equal(reopened.recovery.snapshotLsn, 29); // snapshot taken on close
  assert.equal(reopened.recovery.replayedEvents, 0);
});

void test('snapshot plus journal tail gives the same state as replaying every event', async (t) => {
  const dir = tempDir(t);
  const store = await openStore(options(dir, { snapshotEvery: 100, snapshotOnClose: false }));
  await appendSamples(store, 0, 500);
  // Concurrent batches too: their LSN order is their call order.
  const batches = Array.from({ length: 50 }, (_, batch) =>
    store.append(Array.from({ length: 11 }, (_, offset) => sampleEvent(500 + batch * 11 + offset))),
  );
  await Promise.all(batches);
  // 500 single-event records, then 50 records of 11 events each.
  const expected = { ...expectedLedger(1050), lastLsn: 550 };
  assert.deepEqual(store.state, expected);
  await store.close();
  assert.ok(store.stats.snapshotsWritten >= 3, `${store.stats.snapshotsWritten} snapshots`);

  const reopened = await openStore(options(dir));
  t.after(() => reopened.close());
  const { snapshotLsn, replayedEvents } = reopened.recovery;
  assert.ok(snapshotLsn >= 400, `snapshot at ${snapshotLsn}`);
  assert.equal(replayedEvents, 550 - snapshotLsn);
  assert.deepEqual(reopened.state, expected);
});

void test('a damaged newest snapshot falls back to the older one and the journal still covers it', async (t) => {
  const dir = tempDir(t);
  const store = await openStore(options(dir, { snapshotEvery: 0, snapshotOnClose: false }));
  for (const upTo of [100, 200, 300]) {
    await appendSamples(store, upTo - 100, upTo);
    await store.snapshot();
  }
  await appendSamples(store, 300, 350);
  await store.close();
  const [newest, older] = listSnapshots(dir);
  assert.deepEqual([newest.lsn, older.lsn], [300, 200]);
  const data = fs.readFileSync(newest.path);
  data[data.length - 5] ^= 0x08;
  fs.writeFileSync(newest.path, data);

  const reopened = await openStore(options(dir, { snapshotOnClose: false }));
  assert.equal(reopened.recovery.snapshotLsn, 200);
  assert.equal(reopened.recovery.replayedEvents, 150);
  assert.equal(reopened.recovery.skippedSnapshots.length, 1);
  assert.match(reopened.recovery.skippedSnapshots[0].reason, /checksum/);
  assert.ok(fs.existsSync(`${newest.path}.damaged`));
  assert.deepEqual(reopened.state, expectedLedger(350));
  await reopened.close();
});

void test('segments a kept snapshot no longer needs are deleted after each snapshot', async (t) => {
  const dir = tempDir(t);
  const store = await openStore(options(dir, { snapshotEvery: 0, snapshotOnClose: false }));
  const firstLsns = () => listSegmentFiles(dir).map((file) => file.firstLsn);
  await appendSamples(store, 0, 10);
  await store.snapshot();
  assert.deepEqual(firstLsns(), [1, 11]); // nothing deleted: only one snapshot yet
  await appendSamples(store, 10, 20);
  await store.snapshot();
  assert.deepEqual(firstLsns(), [11, 21]);
  await appendSamples(store, 20, 30);
  await store.snapshot();
  assert.deepEqual(firstLsns(), [21, 31]);
  assert.deepEqual(
    listSnapshots(dir).map((file) => file.lsn),
    [30, 20],
  );
  assert.equal(store.stats.journal.firstLsn, 21);
  await store.snapshot(); // nothing new: no new snapshot
  assert.equal(store.stats.snapshotsWritten, 3);
  await store.close();

  const reopened = await openStore(options(dir));
  t.after(() => reopened.close());
  assert.deepEqual(reopened.state, expectedLedger(30));
});

void test('background snapshots happen every snapshotEvery events without being awaited', async (t) => {
  const dir = tempDir(t);
  const errors: Error[] = [];
  const store = await openStore(
    options(dir, { snapshotEvery: 40, onBackgroundError: (error) => errors.push(error) }),
  );
  t.after(() => store.close());
  await appendSamples(store, 0, 200);
  await store.snapshot(); // waits for any background snapshot still running
  assert.deepEqual(errors, []);
  assert.ok(store.stats.snapshotsWritten >= 3, `${store.stats.snapshotsWritten} snapshots`);
  assert.equal(store.stats.snapshotLsn, 200);
  assert.equal(store.stats.lastSnapshotError, null);
  assert.ok((store.stats.lastSnapshot?.bytes ?? 0) > 0);
});

void test('an event that apply() rejects is not saved, and the store stops accepting events', async (t) => {
  const dir = tempDir(t);
  const store = await openStore(options(dir, { snapshotOnClose: false }));
  await appendSamples(store, 0, 5);
  await assert.rejects(
    store.append([sampleEvent(5), { type: 'explode' }]),
    /Applying event 2 of record 6 failed \(this event cannot be applied\)/,
  );
  await assert.rejects(store.append([sampleEvent(6)]), /accepts no more events/);
  await store.close();

  const reopened = await openStore(options(dir));
  t.after(() => reopened.close());
  assert.deepEqual(reopened.state, expectedLedger(5));
});

void test('a replay that apply() rejects fails the open clearly and releases the folder', async (t) => {
  const dir = tempDir(t);
  const store = await openStore(options(dir, { snapshotOnClose: false }));
  await appendSamples(store, 0, 5);
  await store.close();
  const strict: StoreOptions<Ledger, LedgerEvent>['apply'] = (state, event, lsn) => {
    if (lsn === 3) throw new Error('unsupported');
    applyLedger(state, event, lsn);
  };
  await assert.rejects(
    openStore(options(dir, { apply: strict })),
    /Replaying journaled event 3 failed: unsupported/,
  );
  const reopened = await openStore(options(dir));
  t.after(() => reopened.close());
  assert.deepEqual(reopened.state, expectedLedger(5));
});

void test('a journal that no longer reaches back to the snapshot refuses to open', async (t) => {
  const dir = tempDir(t);
  const store = await openStore(options(dir, { snapshotEvery: 0, snapshotOnClose: false }));
  for (const upTo of [10, 20, 30]) {
    await appendSamples(store, upTo - 10, upTo);
    await store.snapshot();
  }
  await store.close();
  for (const file of listSnapshots(dir)) fs.unlinkSync(file.path);
  await assert.rejects(openStore(options(dir)), /events 1 to 20 are missing/);
});

void test('close waits for pending appends; append and snapshot after close are refused', async (t) => {
  const dir = tempDir(t);
  const store = await openStore(options(dir, { durability: 'fsync' }));
  const pending = Array.from({ length: 20 }, (_, index) => store.append([sampleEvent(index)]));
  await store.close();
  assert.equal((await Promise.all(pending)).at(-1), 20);
  await assert.rejects(store.append([sampleEvent(20)]), /closed/);
  await assert.rejects(store.snapshot(), /closed/);
  await store.close();

  const reopened = await openStore(options(dir));
  t.after(() => reopened.close());
  assert.deepEqual(reopened.state, expectedLedger(20));
});

void test('serialize and deserialize let the state hold a Map', async (t) => {
  const dir = tempDir(t);
  const open = () =>
    openStore<Map<string, number>, { id: string; quantity: number }>({
      dir,
      durability: 'none',
      initialState: () => new Map(),
      apply: (state, event) => void state.set(event.id, event.quantity),
      serialize: (state) => [...state],
      deserialize: (data) => new Map(data as [string, number][]),
    });
  const store = await open();
  await store.append([
    { id: 'a', quantity: 1 },
    { id: 'b', quantity: 2 },
  ]);
  await store.close();
  const reopened = await open();
  t.after(() => reopened.close());
  assert.equal(reopened.recovery.snapshotLsn, 1);
  assert.deepEqual(
    [...reopened.state],
    [
      ['a', 1],
      ['b', 2],
    ],
  );
});

void test('a disk failure rejects the append and every later one; a reopen has what was saved', async (t) => {
  const dir = tempDir(t);
  let failSyncs = false;
  const store = await openStore(
    options(dir, {
      durability: 'fsync',
      snapshotOnClose: true,
      io: {
        ...nodeStoreIo,
        fdatasync: (fd) =>
          failSyncs
            ? Promise.reject(new Error('ENOSPC: no space left on device'))
            : nodeStoreIo.fdatasync(fd),
      },
    }),
  );
  await appendSamples(store, 0, 10);
  failSyncs = true;
  await assert.rejects(store.append([sampleEvent(10)]), /could not save to disk \(ENOSPC/);
  const stateAfterFailure = structuredClone(store.state);
  await assert.rejects(store.append([sampleEvent(11)]), /stopped accepting events/);
  assert.deepEqual(store.state, stateAfterFailure, 'a refused append does not touch the state');
  await store.close(); // no snapshot of a state the disk does not have
  assert.deepEqual(listSnapshots(dir), []);

  const reopened = await openStore(options(dir));
  t.after(() => reopened.close());
  // Event 11 was written before its sync failed, so it may or may not be there.
  assert.ok([10, 11].includes(reopened.state.lastLsn));
  assert.deepEqual(reopened.state, expectedLedger(reopened.state.lastLsn));
});

void test('an event too large for one record is refused before it touches the state', async (t) => {
  const dir = tempDir(t);
  const store = await openStore(options(dir));
  t.after(() => store.close());
  await appendSamples(store, 0, 3);
  const huge = { type: 'order', id: 'x'.repeat(17 * 1024 * 1024), quantity: 1 } as const;
  await assert.rejects(store.append([huge]), /larger than the journal's 16 MiB limit/);
  assert.deepEqual(store.state, expectedLedger(3));
  assert.equal(await store.append([sampleEvent(3)]), 4);
});
