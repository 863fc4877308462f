// Restart with ~1,000,000 journaled events: a data folder is built in this process (through the
// same Sandbox commands the HTTP handlers call), then `tbm sandbox` is spawned on it and timed
// from spawn to its first 200 from GET /health.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CreateKeyRequest } from '../api/admin';
import { OrderRequest } from '../api/orders';
import { clockStartingAt, parseInstant } from '../sandbox/service/clock';
import { dataFiles } from '../sandbox/service/data-dir';
import { createMarketView } from '../sandbox/market/market-view';
import { Sandbox } from '../sandbox/service/sandbox';
import type { SandboxEvent, SandboxState } from '../sandbox/service/state';
import {
  applySandboxEvent,
  createSandboxState,
  deserializeSandboxState,
  serializeSandboxState,
} from '../sandbox/service/state';
import { openStore } from '../sandbox/store/store';
import { listSnapshots } from '../sandbox/store/snapshot';
import { timeToHealth, weekdayNoon } from './http-processes';

export interface BuiltJournal {
  events: number;
  orders: number;
  accounts: number;
  /** LSN of the newest snapshot in the folder, ~100,000 events behind the end (see buildJournal). */
  snapshotLsn: number;
  /** Journal records (LSNs): one per command, so several events each. */
  records: number;
  /** Time the two snapshots took (serialising and writing), part of `seconds`. */
  snapshotSeconds: number;
  seconds: number;
  megabytes: number;
}

const ordersPerBatch = 1_000;
/** A real sandbox snapshots every 100,000 events, so a crash replays at most about this many. */
const storeSnapshotEvery = 100_000;

function folderMegabytes(folder: string): number {
  let bytes = 0;
  for (const name of readdirSync(folder)) bytes += statSync(join(folder, name)).size;
  return bytes / 1e6;
}

/**
 * Fills `dataDir` with at least `targetEvents` events: filled market orders with idempotency
 * keys (3 events each: accepted, filled, idempotency record) over `accountCount` accounts.
 * Journaled without fsync. Instead of the store's snapshot every 100,000 events, only the last
 * two are taken (by hand, at ~200,000 and ~100,000 events before the end: the store keeps two,
 * and the journal from the older one on), and the closing snapshot is skipped. The folder is
 * then what a sandbox killed at the worst moment of its snapshot cycle leaves behind.
 */
export async function buildJournal(
  dataDir: string,
  targetEvents: number,
  accountCount: number,
  timeLimitMs: number,
): Promise<BuiltJournal> {
  const started = performance.now();
  const store = await openStore<SandboxState, SandboxEvent>({
    dir: join(dataDir, dataFiles.store),
    initialState: createSandboxState,
    apply: applySandboxEvent,
    serialize: serializeSandboxState,
    deserialize: deserializeSandboxState,
    durability: 'none',
    snapshotEvery: 0,
    snapshotOnClose: false,
  });
  try {
    const clock = clockStartingAt(parseInstant(weekdayNoon));
    const sandbox = new Sandbox(store, createMarketView(), clock);
    // As `tbm sandbox` does on its first start: ids keyed before any order.
    await sandbox.ensureIdKey(clock.now());
    const accounts: string[] = [];
    for (let index = 0; index < accountCount; index++) {
      const request = CreateKeyRequest.parse({ scope: 'trade', account: 'new' });
      accounts.push((await sandbox.createKey(request, clock.now())).account_id);
    }
    const bodies = (['buy', 'sell'] as const).map((action) => ({
      symbol: 'EURUSD',
      action,
      quantity: 1000,
      order_type: 'market',
      time_in_force: 'gtc',
    }));
    const requests = bodies.map((body) => OrderRequest.parse(body));
    const snapshotsAt = [
      targetEvents - 2 * storeSnapshotEvery,
      targetEvents - storeSnapshotEvery,
    ].map((lsn) => lsn + ordersPerBatch);
    let snapshotSeconds = 0;
    let orders = 0;
    // Each filled keyed order is one journal record of 3 events; each account 2 (opened, key);
    // and the id key 1.
    let events = 2 * accountCount + 1;
    // Bounded by the event target (each order adds at least one event) and by the time limit.
    while (events < targetEvents && orders < targetEvents) {
      if (performance.now() - started > timeLimitMs) {
        throw new Error(
          `building the journal took over ${timeLimitMs / 1000} s (${store.stats.lastLsn} events); ` +
            'the machine is too busy for this benchmark',
        );
      }
      const batch: Promise<{ status: number; body: string }>[] = [];
      for (let index = 0; index < ordersPerBatch; index++, orders++) {
        const account = accounts[orders % accounts.length];
        const side = Math.floor(orders / accounts.length) % 2;
        const idempotency = { key: `build-${orders}`, body: bodies[side] };
        const request = requests[side];
        batch.push(
          sandbox.placeOrder(account, request, idempotency, `req_build_${orders}`, clock.now()),
        );
      }
      for (const answer of await Promise.all(batch)) {
        if (answer.status !== 201) throw new Error(`a build order was refused: ${answer.body}`);
        events += 3;
      }
      if (snapshotsAt.length > 0 && events >= snapshotsAt[0]) {
        snapshotsAt.shift();
        const snapshotStarted = performance.now();
        await store.snapshot();
        snapshotSeconds += (performance.now() - snapshotStarted) / 1000;
      }
    }
    const snapshotLsn = store.stats.snapshotLsn;
    const records = store.stats.lastLsn;
    await store.close();
    return {
      events,
      orders,
      accounts: accountCount,
      snapshotLsn,
      records,
      snapshotSeconds,
      seconds: (performance.now() - started) / 1000,
      megabytes: folderMegabytes(join(dataDir, dataFiles.store)),
    };
  } catch (error) {
    await store.close().catch(() => undefined);
    throw error;
  }
}

export interface RestartTimes {
  /** The folder as built: the newest snapshot ~100,000 events behind, as after a SIGKILL. */
  crash: { ms: number; cpuSeconds: number | undefined; replayed: number };
  /** SIGTERM after that start: the clean close writes the closing snapshot. */
  cleanCloseMs: number;
  /** After that clean close: the snapshot covers everything, nothing to replay. */
  clean: { ms: number; cpuSeconds: number | undefined; snapshotMegabytes: number };
  /** An empty data folder: process start, no state. */
  empty: { ms: number; cpuSeconds: number | undefined };
}

/** Starts `tbm sandbox` on the built folder in each state in turn; see RestartTimes. */
export async function measureRestarts(
  dataDir: string,
  built: BuiltJournal,
  emptyDir: string,
  timeoutMs: number,
): Promise<RestartTimes> {
  const storeDir = join(dataDir, dataFiles.store);
  const crashStart = await timeToHealth({ dataDir }, timeoutMs);
  const crash = {
    ms: crashStart.ms,
    cpuSeconds: crashStart.cpuSeconds,
    replayed: built.records - built.snapshotLsn,
  };
  const closeStarted = performance.now();
  await crashStart.child.stop('SIGTERM');
  const cleanCloseMs = performance.now() - closeStarted;

  // The first start journaled the default account: one event more than was built.
  const closing = listSnapshots(storeDir)[0];
  if (!closing || closing.lsn <= built.records) {
    throw new Error(
      `the clean close did not leave a snapshot of the whole journal (newest: ${closing?.lsn ?? 'none'}); ` +
        `stderr: ${crashStart.child.stderr()}`,
    );
  }
  const cleanStart = await timeToHealth({ dataDir }, timeoutMs);
  await cleanStart.child.stop('SIGKILL');
  const clean = {
    ms: cleanStart.ms,
    cpuSeconds: cleanStart.cpuSeconds,
    snapshotMegabytes: statSync(closing.path).size / 1e6,
  };

  const emptyStart = await timeToHealth({ dataDir: emptyDir }, timeoutMs);
  await emptyStart.child.stop('SIGKILL');
  return {
    crash,
    cleanCloseMs,
    clean,
    empty: { ms: emptyStart.ms, cpuSeconds: emptyStart.cpuSeconds },
  };
}
