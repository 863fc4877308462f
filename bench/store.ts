// Benchmarks for sandbox/store. Each figure is printed next to a baseline
// measured in the same run on the same disk:
//   group commit  vs  raw write+fdatasync rate (one record per sync)
//   replay        vs  bare JSON.parse of the same texts already in memory
//   snapshots     vs  bare JSON.stringify / JSON.parse of the same state
// Run: npx tsx bench/store.ts
import * as fs from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { nodeStoreIo } from '../sandbox/store/durable-fs';
import { openJournal } from '../sandbox/store/journal';
import { loadLatestSnapshot, writeSnapshotJson } from '../sandbox/store/snapshot';
import { verifySnapshotFile } from '../sandbox/store/snapshot-file';
import { openStore } from '../sandbox/store/store';

const APPEND_SECONDS = 2;
const REPLAY_RECORDS = 1_000_000;
const SNAPSHOT_TARGET_BYTES = 50 * 1024 * 1024;

/** A ~150-byte order event, as the sandbox will journal them. */
function orderEvent(index: number) {
  return {
    type: 'order.accepted',
    orderId: `ord_${index.toString(36).padStart(10, '0')}`,
    account: 'acc_paper_1',
    symbol: 'EURUSD',
    side: index % 2 === 0 ? 'buy' : 'sell',
    quantity: (index % 100) + 1,
    limitPrice: 1.08 + (index % 7) / 1000,
    ts: 1_732_400_000_000 + index,
  };
}

/** Wall-clock and CPU time (user + system) of this process, in ms. */
interface Timing {
  readonly wallMs: number;
  readonly cpuMs: number;
}

// CPU time is reported beside wall time because other work on a shared machine
// stretches wall time; CPU time is closer to what the code itself costs.
async function timed<T>(work: () => T | Promise<T>): Promise<{ result: T; timing: Timing }> {
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const result = await work();
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  return { result, timing: { wallMs, cpuMs: (cpu.user + cpu.system) / 1000 } };
}

function show(timing: Timing): string {
  return `${timing.wallMs.toFixed(0)} ms (cpu ${timing.cpuMs.toFixed(0)} ms)`;
}

function rate(count: number, ms: number): string {
  return `${Math.round((count * 1000) / ms).toLocaleString('en-US')}/s`;
}

function percentile(sorted: number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? 0;
}

function freshDir(root: string, name: string): string {
  const dir = join(root, name);
  fs.rmSync(dir, { recursive: true, force: true });
  return dir;
}

/** One 150-byte write plus fdatasync at a time: what an append costs without group commit. */
async function rawSyncRate(root: string): Promise<number> {
  const path = join(root, 'raw-sync.bin');
  const fd = fs.openSync(path, 'w');
  const record = Buffer.from(JSON.stringify(orderEvent(0)));
  let position = 0;
  let syncs = 0;
  const started = performance.now();
  while (performance.now() - started < APPEND_SECONDS * 1000) {
    await nodeStoreIo.write(fd, record, 0, record.length, position);
    await nodeStoreIo.fdatasync(fd);
    position += record.length;
    syncs++;
  }
  const perSecond = (syncs * 1000) / (performance.now() - started);
  fs.closeSync(fd);
  return perSecond;
}

async function groupCommit(root: string, appenders: number, rawPerSecond: number): Promise<void> {
  const journal = openJournal({ dir: freshDir(root, `group-${appenders}`) });
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  const deadline = started + APPEND_SECONDS * 1000;
  const appender = async () => {
    while (performance.now() < deadline) {
      const sent = performance.now();
      await journal.append(orderEvent(next++));
      latencies.push(performance.now() - sent);
    }
  };
  await Promise.all(Array.from({ length: appenders }, appender));
  const elapsed = performance.now() - started;
  const { syncs, appended } = journal.stats;
  await journal.close();
  latencies.sort((a, b) => a - b);
  console.log(
    `  ${String(appenders).padStart(3)} appenders: ${rate(appended, elapsed).padStart(9)} records, ` +
      `${rate(syncs, elapsed).padStart(7)} syncs, ${(appended / syncs).toFixed(1).padStart(5)} records/sync, ` +
      `p50 ${percentile(latencies, 0.5).toFixed(2)} ms, p99 ${percentile(latencies, 0.99).toFixed(2)} ms, ` +
      `${((appended * 1000) / elapsed / rawPerSecond).toFixed(1)}x the raw sync rate`,
  );
}

async function replay(root: string): Promise<void> {
  const dir = freshDir(root, 'replay');
  const writer = openJournal({ dir, durability: 'none' });
  const texts: string[] = [];
  for (let index = 0; index < REPLAY_RECORDS; index += 10_000) {
    const batch = Array.from({ length: 10_000 }, (_, offset) => orderEvent(index + offset));
    for (const event of batch) texts.push(JSON.stringify(event));
    await writer.appendMany(batch);
  }
  const bytes = writer.stats.bytesWritten;
  await writer.close();
  const meanBytes = texts.reduce((sum, text) => sum + text.length, 0) / texts.length;
  console.log(
    `replay: ${REPLAY_RECORDS.toLocaleString('en-US')} records of ~${Math.round(meanBytes)} bytes ` +
      `(${(bytes / 1048576).toFixed(0)} MiB on disk)`,
  );

  // Baseline: JSON.parse alone, over a warm set of 10,000 of the same texts
  // parsed 100 times (holding all 1,000,000 strings would measure the GC instead).
  const sample = texts.slice(0, 10_000);
  texts.length = 0;
  const baseline = await timed(() => {
    let sum = 0;
    for (let round = 0; round < REPLAY_RECORDS / sample.length; round++) {
      for (const text of sample) sum += (JSON.parse(text) as { quantity: number }).quantity;
    }
    return sum;
  });

  const opened = await timed(() => openJournal({ dir, durability: 'none' }));
  const journal = opened.result;
  const runs: Timing[] = [];
  for (let run = 0; run < 3; run++) {
    const replayed = await timed(() => {
      let sum = 0;
      journal.replay(1, (value) => (sum += (value as { quantity: number }).quantity));
      return sum;
    });
    runs.push(replayed.timing);
    // Quantities cycle every 100 records, so the sample's sum times 100 is the full set's.
    if (replayed.result !== baseline.result) throw new Error('replay read other records');
  }
  await journal.close();
  const best = runs.reduce((a, b) => (b.cpuMs < a.cpuMs ? b : a));
  console.log(`  open, checking every CRC:   ${show(opened.timing)}`);
  console.log(`  replay, read + parse:       ${runs.map(show).join(', ')}`);
  console.log(
    `  baseline bare JSON.parse:   ${show(baseline.timing)}; best replay costs ` +
      `${(best.cpuMs / baseline.timing.cpuMs).toFixed(2)}x its CPU ` +
      `(${rate(REPLAY_RECORDS, best.cpuMs)} records per CPU second)`,
  );

  // What a sandbox restart with no snapshot costs: open + check + replay + apply.
  const restarted = await timed(() =>
    openStore<Record<string, number>, { symbol: string; quantity: number }>({
      dir,
      durability: 'none',
      initialState: () => ({}),
      apply: (state, event) =>
        void (state[event.symbol] = (state[event.symbol] ?? 0) + event.quantity),
      snapshotOnClose: false,
    }),
  );
  console.log(
    `  store restart, no snapshot: ${show(restarted.timing)} for ` +
      `${restarted.result.recovery.replayedEvents.toLocaleString('en-US')} events ` +
      `(target: serving within 2 s)`,
  );
  await restarted.result.close();
}

function largeState(): { orders: Record<string, unknown>; cash: number } {
  const orders: Record<string, unknown> = {};
  let approxBytes = 0;
  for (let index = 0; approxBytes < SNAPSHOT_TARGET_BYTES; index++) {
    const order = { ...orderEvent(index), status: 'working', fills: [{ qty: 1, price: 1.0812 }] };
    orders[order.orderId] = order;
    approxBytes += 230;
  }
  return { orders, cash: 1_000_000 };
}

async function snapshots(root: string): Promise<void> {
  const dir = freshDir(root, 'snapshot');
  let state: ReturnType<typeof largeState> | null = largeState();
  const serialized = await timed(() => JSON.stringify(state));
  const json = serialized.result;
  const written = await timed(() => writeSnapshotJson(dir, 1, json));
  // Load and the bare-parse baseline each run with only the JSON text alive, so
  // neither pays for collecting the other's garbage.
  state = null;
  const loaded = await timed(async () => (await loadLatestSnapshot(dir))?.lsn);
  const bareParse = await timed(() => JSON.parse(json) !== null);
  if (loaded.result !== 1) throw new Error('the snapshot did not load back');
  console.log(`snapshot of ${(written.result.bytes / 1048576).toFixed(0)} MiB of JSON state:`);
  console.log(`  serialize (blocks appends): ${show(serialized.timing)} = bare JSON.stringify`);
  // The read-back check is part of the write: measured alone here to give its share.
  const checked = await timed(() => verifySnapshotFile(written.result.path, 1));
  console.log(
    `  write + fsync + check + rename: ${show(written.timing)}, in ~1 MiB steps; the read-back ` +
      `check alone ${show(checked.timing)} (${((100 * checked.timing.wallMs) / written.timing.wallMs).toFixed(0)}% of the write)`,
  );
  console.log(
    `  load (read, check, parse):  ${show(loaded.timing)} vs bare JSON.parse ` +
      `${show(bareParse.timing)} (${(loaded.timing.cpuMs / bareParse.timing.cpuMs).toFixed(2)}x CPU)`,
  );
}

export async function benchStore(): Promise<void> {
  const root = fs.mkdtempSync(join(tmpdir(), 'tbm-bench-store-'));
  try {
    console.log(`sandbox/store benchmarks (Node ${process.version}, data in ${root})`);
    // Other work on this machine skews every figure; the load average says how much.
    const load = loadavg().map((value) => value.toFixed(2));
    console.log(`load average ${load.join(' ')} on ${availableParallelism()} cores`);
    const rawPerSecond = await rawSyncRate(root);
    console.log(
      `baseline: raw write+fdatasync of one record at a time: ${Math.round(rawPerSecond)} syncs/s ` +
        `(${(1000 / rawPerSecond).toFixed(2)} ms each)`,
    );
    console.log('group commit, fsync durability, each appender awaiting one append at a time:');
    for (const appenders of [1, 10, 100]) await groupCommit(root, appenders, rawPerSecond);
    await replay(root);
    await snapshots(root);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  benchStore().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
