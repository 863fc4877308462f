// Snapshots of the real sandbox state through the store: binary round trip, lazy reads finished
// on close, a damaged snapshot falling back to the older one, and the all-JSON layout of
// snapshots written before binary sections.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { test } from 'node:test';
import { CreateKeyRequest } from '../../../api/admin';
import { OrderRequest } from '../../../api/orders';
import { serializeEngineState } from '../../../sandbox/engine/snapshot';
import { clockStartingAt, parseInstant } from '../../../sandbox/service/clock';
import { idempotencyToColumns } from '../../../sandbox/service/idempotency';
import { createMarketView } from '../../../sandbox/market/market-view';
import { Sandbox } from '../../../sandbox/service/sandbox';
import type { SandboxEvent, SandboxState } from '../../../sandbox/service/state';
import {
  applySandboxEvent,
  createSandboxState,
  deserializeSandboxState,
  serializeSandboxState,
} from '../../../sandbox/service/state';
import { JournalCorruptionError, listSegmentFiles } from '../../../sandbox/store/journal-recovery';
import { HEADER_BYTES } from '../../../sandbox/store/snapshot-header';
import { listSnapshots } from '../../../sandbox/store/snapshot';
import { openStore, type Store } from '../../../sandbox/store/store';
import { writeVersion1Snapshot } from './snapshot-files';
import { tempDir } from './temp-dir';

const open = (dir: string, snapshotOnClose = true) =>
  openStore<SandboxState, SandboxEvent>({
    dir,
    initialState: createSandboxState,
    apply: applySandboxEvent,
    serialize: serializeSandboxState,
    deserialize: deserializeSandboxState,
    durability: 'none',
    snapshotEvery: 0,
    snapshotOnClose,
  });

/** Accounts, and keyed market orders that fill (three events each), alternating sides. */
async function trade(store: Store<SandboxState, SandboxEvent>, orders: number, from = 0) {
  const clock = clockStartingAt(parseInstant('2024-03-06T12:00:00Z'));
  const sandbox = new Sandbox(store, createMarketView(), clock);
  const accounts: string[] = [];
  for (const existing of store.state.engine.account_list) accounts.push(existing.account_id);
  while (accounts.length < 3) {
    const key = await sandbox.createKey(
      CreateKeyRequest.parse({ scope: 'trade', account: 'new' }),
      clock.now(),
    );
    accounts.push(key.account_id);
  }
  for (let index = from; index < from + orders; index++) {
    const body = {
      symbol: index % 4 === 0 ? 'GBPUSD' : 'EURUSD',
      action: index % 2 === 0 ? 'buy' : 'sell',
      quantity: 1000,
      order_type: 'market',
      time_in_force: 'gtc',
      ...(index % 3 === 0 && { client_order_id: `client-${index}` }),
    };
    const answer = await sandbox.placeOrder(
      accounts[index % accounts.length],
      OrderRequest.parse(body),
      { key: `key-${index}`, body },
      `req_${index}`,
      clock.now(),
    );
    assert.equal(answer.status, 201, answer.body);
  }
}

/** Everything a snapshot must carry, in comparable form. */
function picture(state: SandboxState) {
  return {
    engine: serializeEngineState(state.engine),
    keys: state.keys.all(),
    idempotency: [...state.idempotency],
    lastEventAt: state.lastEventAt,
  };
}

void test('the sandbox state round-trips through a binary snapshot, read lazily', async (t) => {
  const dir = tempDir(t);
  const store = await open(dir);
  await trade(store, 150);
  const expected = picture(store.state);
  await store.close();
  assert.equal(listSnapshots(dir).length, 1);

  const reopened = await open(dir);
  assert.equal(reopened.recovery.replayedEvents, 0);
  assert.deepEqual(picture(reopened.state), expected);
  await trade(reopened, 20, 150);
  const later = picture(reopened.state);
  await reopened.close();
  const third = await open(dir, false);
  // Closed without reading anything: closing reads in the rest before the file goes.
  await third.close();
  assert.deepEqual(picture(third.state), later);
});

void test('a damaged newest snapshot falls back to the older one and the journal after it', async (t) => {
  const dir = tempDir(t);
  const store = await open(dir, false);
  await trade(store, 60);
  await store.snapshot();
  await trade(store, 60, 60);
  await store.snapshot();
  await trade(store, 30, 120);
  const expected = picture(store.state);
  await store.close();
  const [newest, older] = listSnapshots(dir);
  const data = fs.readFileSync(newest.path);
  data[HEADER_BYTES + 72] ^= 0x01; // inside the first section
  fs.writeFileSync(newest.path, data);

  const reopened = await open(dir, false);
  assert.equal(reopened.recovery.snapshotLsn, older.lsn);
  assert.match(reopened.recovery.skippedSnapshots[0]?.reason ?? '', /checksum does not match/);
  assert.deepEqual(picture(reopened.state), expected);
  await reopened.close();
});

void test('journal segments a snapshot covers are not read on open, but checked before a fallback replays them', async (t) => {
  const dir = tempDir(t);
  const store = await open(dir, false);
  await trade(store, 40);
  await store.snapshot();
  await trade(store, 40, 40);
  await store.snapshot();
  await trade(store, 10, 80);
  const expected = picture(store.state);
  await store.close();
  const [covered] = listSegmentFiles(dir);
  const [newest, older] = listSnapshots(dir);
  assert.ok(covered.firstLsn <= older.lsn + 1);
  const segment = fs.readFileSync(covered.path);
  segment[segment.length - 3] ^= 0x01;
  fs.writeFileSync(covered.path, segment);

  // The damaged segment lies wholly before the newest snapshot: nothing needs it.
  const reopened = await open(dir, false);
  assert.equal(reopened.recovery.snapshotLsn, newest.lsn);
  assert.deepEqual(picture(reopened.state), expected);
  await reopened.close();

  // Without the newest snapshot, the restart must replay that segment, and refuses it.
  fs.truncateSync(newest.path, 50);
  await assert.rejects(open(dir, false), (error) => {
    assert.ok(error instanceof JournalCorruptionError);
    assert.equal(error.file, covered.path);
    return true;
  });
});

void test('an all-JSON snapshot of an earlier sandbox is still read, and replaced by a binary one', async (t) => {
  const dir = tempDir(t);
  const store = await open(dir, false);
  await trade(store, 45);
  const expected = picture(store.state);
  const lsn = store.stats.lastLsn;
  const oldLayout = {
    engine: serializeEngineState(store.state.engine),
    keys: store.state.keys.usableKeys(),
    idempotency: idempotencyToColumns(store.state.idempotency),
    last_event_at: store.state.lastEventAt,
  };
  await store.close();
  writeVersion1Snapshot(dir, lsn, oldLayout);

  const reopened = await open(dir);
  assert.equal(reopened.recovery.snapshotLsn, lsn);
  assert.deepEqual(picture(reopened.state), expected);
  await trade(reopened, 5, 45);
  const later = picture(reopened.state);
  await reopened.close();
  const third = await open(dir);
  assert.ok(third.recovery.snapshotLsn > lsn);
  assert.deepEqual(picture(third.state), later);
  await third.close();
});

void test('a revocation survives a restart from the journal and from a snapshot', async (t) => {
  const dir = tempDir(t);
  const clock = clockStartingAt(parseInstant('2024-03-06T12:00:00Z'));
  const store = await open(dir, false);
  const sandbox = new Sandbox(store, createMarketView(), clock);
  await sandbox.ensureDefaultAccount(clock.now());
  const kept = await sandbox.createKey(CreateKeyRequest.parse({ scope: 'read' }), clock.now());
  const gone = await sandbox.createKey(CreateKeyRequest.parse({ scope: 'trade' }), clock.now());
  const first = await sandbox.revokeKey(gone.key_id, clock.now());
  assert.equal(typeof first.revoked_at, 'number');
  // Idempotent: the same answer, and no second event in the journal.
  const lsn = store.stats.lastLsn;
  assert.deepEqual(await sandbox.revokeKey(gone.key_id, clock.now() + 5_000), first);
  assert.equal(store.stats.lastLsn, lsn);
  await assert.rejects(sandbox.revokeKey('tbk_nobody', clock.now()), /no key tbk_nobody/);
  const expected = sandbox.listKeys();
  assert.deepEqual(
    expected.map((key) => [key.key_id, key.revoked_at]),
    [
      [kept.key_id, null],
      [gone.key_id, first.revoked_at],
    ],
  );
  assert.ok(!JSON.stringify(expected).includes('secret'), 'a listing shows a secret or its hash');
  await store.close();

  const replayed = await open(dir);
  assert.equal(replayed.recovery.snapshotLsn, 0, 'from the journal alone');
  assert.equal(replayed.state.keys.get(gone.key_id), undefined);
  assert.deepEqual(new Sandbox(replayed, createMarketView(), clock).listKeys(), expected);
  await replayed.close();
  const fromSnapshot = await open(dir);
  assert.ok(fromSnapshot.recovery.snapshotLsn > 0);
  assert.equal(fromSnapshot.recovery.replayedEvents, 0);
  assert.equal(fromSnapshot.state.keys.get(gone.key_id), undefined);
  assert.deepEqual(new Sandbox(fromSnapshot, createMarketView(), clock).listKeys(), expected);
  await fromSnapshot.close();
});

// Snapshots of sandboxes from before revocation have no revoked_keys: the all-JSON test above
// reads one of them.
void test('snapshots list revoked keys apart, so a sandbox from before revocation keeps them out', async (t) => {
  const dir = tempDir(t);
  const clock = clockStartingAt(parseInstant('2024-03-06T12:00:00Z'));
  const store = await open(dir, false);
  const sandbox = new Sandbox(store, createMarketView(), clock);
  await sandbox.ensureDefaultAccount(clock.now());
  await sandbox.createKey(CreateKeyRequest.parse({ scope: 'read' }), clock.now());
  const gone = await sandbox.createKey(CreateKeyRequest.parse({ scope: 'trade' }), clock.now());
  await sandbox.revokeKey(gone.key_id, clock.now());
  const meta = serializeSandboxState(store.state).meta as {
    keys: { key_id: string }[];
    revoked_keys: { key_id: string }[];
  };
  // An earlier sandbox reads `keys` only: the revoked key is simply absent for it.
  assert.ok(!meta.keys.some((key) => key.key_id === gone.key_id));
  assert.deepEqual(
    meta.revoked_keys.map((key) => key.key_id),
    [gone.key_id],
  );
  await store.close();
});

void test('a snapshot that is not a sandbox state is refused in words', () => {
  assert.throws(
    () => deserializeSandboxState({ layout: 'sections', engine: {}, keys: [] }),
    /incompatible version of the sandbox .*move the folder aside/s,
  );
  assert.throws(() => deserializeSandboxState({ engine: { format: 'x' } }), /incompatible version/);
});
