// Snapshots at scale, end to end (issue 19): a real `tbm sandbox` (fsync, as shipped) grown over
// HTTP to 180,000 acknowledged orders, 42% of them limit orders resting far from the market (they
// live in the snapshot's JSON index, which is what grew past the old 128-byte header), SIGKILLed
// under load at 115,000 orders (three snapshots by then), restarted, loaded on, stopped cleanly
// and restarted: every acknowledged order must be listed and no snapshot set aside, on disk or
// in GET /health (the part throws otherwise).
// Restarts are timed from spawn to the first 200 from GET /health, against the first start on an
// empty data folder. Then the 1,000,000-event folder of bench/http-restart.ts, with its snapshot
// sizes. BENCH_SCALE_ORDERS and BENCH_SCALE_EVENTS (0 skips it) shorten a run.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { dataFiles } from '../sandbox/service/data-dir';
import { listSetAsideSnapshots, listSnapshots } from '../sandbox/store/snapshot';
import type { ScaleResult, StartScaleSandbox } from '../test/integration/fixtures/scale-scenario';
import { problems, runScaleScenario } from '../test/integration/fixtures/scale-scenario';
import type { BenchFigure } from './figures';
import { printFigure, printSummary } from './figures';
import { killOnExit, releaseAll, removeFolder, tempFolder, timeToHealth } from './http-processes';
import { buildJournal, measureRestarts } from './http-restart';

const part = 'snapshot-scale';
const orders = Number(process.env.BENCH_SCALE_ORDERS ?? 180_000);
const journalEvents = Number(process.env.BENCH_SCALE_EVENTS ?? 1_000_000);
const accounts = 16;
const concurrency = 64;
const killAfterSnapshots = 3;
/** The third snapshot comes at ~99,000 records: the crash restart replays ~16,000. */
const killAfterOrders = Math.round(orders * 0.64);
/** The bug needed at least ~60,000 open orders; 42% of the orders rest. */
const wantedOpen = 60_000;
const twoSeconds = 2_000;
const startTimeoutMs = 120_000;

type Report = (figure: Omit<BenchFigure, 'part'>) => void;

const megabytes = (bytes: number) => bytes / 1e6;

/** CPU seconds each start took to its first 200, in start order: steadier than wall time. */
const startCpuSeconds: (number | undefined)[] = [];

/** Spawns the sandbox (rate limits raised, fsync) and times it to its first 200 from /health. */
const startTimed: StartScaleSandbox = async (dataDir, now) => {
  const { ms, cpuSeconds, child } = await timeToHealth({ dataDir, now }, startTimeoutMs);
  startCpuSeconds.push(cpuSeconds);
  return {
    ms,
    sandbox: {
      url: child.url,
      stop: async (signal) => {
        await child.stop(signal);
        // Anything it said (a torn journal tail dropped, a failed snapshot) is worth reading.
        const said = child
          .stderr()
          .split('\n')
          .filter((line) => line.trim() !== '' && !line.includes('SIGTERM: shutting down'))
          .join('\n');
        if (said !== '') console.log(`  sandbox stderr after ${signal}: ${said}`);
        return child.child.exitCode ?? child.child.signalCode;
      },
    },
  };
};

const cpuNote = (index: number) => {
  const seconds = startCpuSeconds[index];
  return seconds === undefined ? '' : `${seconds.toFixed(2)} CPU s to first 200`;
};

function reportScale(result: ScaleResult, report: Report): void {
  const { check, snapshots, startMs, storage } = result;
  const replayed = storage.afterKill.last_event - storage.afterKill.snapshot_event;
  const newest = snapshots.at(-1);
  const vsEmpty = (ms: number) => ({ ratio: ms / startMs.empty, baseline: 'empty folder' });
  report({
    name: 'start, empty data folder (baseline)',
    value: startMs.empty,
    unit: 'ms',
    note: cpuNote(0),
  });
  report({
    name: 'orders acknowledged',
    value: result.ledger.orders.size,
    unit: 'orders',
    target: { atLeast: 150_000 },
    note: `${accounts} accounts, batches of 50, ${concurrency} in flight, fsync; ${result.retriedBatches} batches unanswered at the SIGKILL sent again`,
  });
  report({
    name: 'order load, acknowledged',
    value: result.ledger.orders.size / result.loadSeconds,
    unit: 'orders/s',
    note: `${result.loadSeconds.toFixed(1)} s of load over two processes`,
  });
  report({
    name: 'orders resting open at the end',
    value: check.open,
    unit: 'orders',
    target: { atLeast: wantedOpen },
    note: `${check.listed} listed: ${JSON.stringify(check.statuses)}`,
  });
  report({
    name: 'snapshots written',
    value: snapshots.length,
    unit: 'snapshots',
    note: `${result.snapshotsBeforeKill} before the SIGKILL; LSNs ${snapshots.map((s) => s.lsn).join(', ')}`,
  });
  if (newest !== undefined) {
    const sizes = snapshots.map((s) => megabytes(s.bytes).toFixed(1)).join(', ');
    report({
      name: 'newest snapshot file',
      value: megabytes(newest.bytes),
      unit: 'MB',
      note: `version ${newest.version} header, LSN ${newest.lsn}; every snapshot: ${sizes} MB`,
    });
    report({
      name: 'state: JSON index (open orders, keys, ...)',
      value: megabytes(newest.indexBytes),
      unit: 'MB',
      note: 'an index past 10 MB with an LSN past 10,000 is what cut the old headers',
    });
    report({
      name: 'state: binary sections (filled orders, fills)',
      value: megabytes(newest.sectionBytes),
      unit: 'MB',
    });
  }
  report({
    name: 'restart after SIGKILL under load',
    value: startMs.afterKill,
    unit: 'ms',
    ...vsEmpty(startMs.afterKill),
    target: { atMost: twoSeconds },
    note: `killed at ${result.ordersAtKill} orders; ~${replayed.toLocaleString('en-US')} journal records replayed after the snapshot at LSN ${storage.afterKill.snapshot_event}; ${cpuNote(1)}`,
  });
  report({
    name: 'clean shutdown (SIGTERM), closing snapshot',
    value: result.cleanCloseMs,
    unit: 'ms',
  });
  report({
    name: 'restart after clean shutdown',
    value: startMs.afterClean,
    unit: 'ms',
    ...vsEmpty(startMs.afterClean),
    target: { atMost: twoSeconds },
    note: cpuNote(2),
  });
  report({ name: 'data folder', value: megabytes(result.folderBytes), unit: 'MB' });
  report({
    name: 'acknowledged orders missing',
    value: check.missing.length,
    unit: 'orders',
    target: { atMost: 0 },
  });
  report({
    name: 'snapshots set aside as damaged',
    value: result.setAside.length,
    unit: 'files',
    target: { atMost: 0 },
  });
}

async function benchScale(report: Report): Promise<void> {
  const dataDir = tempFolder('snapshot-scale');
  startCpuSeconds.length = 0;
  console.log(
    `${orders.toLocaleString('en-US')} orders over HTTP into a real sandbox; SIGKILL after ` +
      `${killAfterSnapshots} snapshots and ${killAfterOrders.toLocaleString('en-US')} orders, ` +
      'then a clean stop; every restart timed to /health',
  );
  try {
    const result = await runScaleScenario({
      dataDir,
      start: startTimed,
      orders,
      accounts,
      concurrency,
      killAfterSnapshots,
      killAfterOrders,
      log: (line) => console.log(`  ${line}`),
    });
    reportScale(result, report);
    const found = problems(result, { orders: 150_000, open: wantedOpen });
    if (found.length > 0) throw new Error(`snapshots at scale: ${found.join('; ')}`);
  } finally {
    // Kills a sandbox a failure left running before its folder goes (releaseAll removes it).
    await releaseAll();
  }
}

/** The 1,000,000-event folder of bench/http-restart.ts, with the sizes of its snapshots. */
async function benchJournal(report: Report): Promise<void> {
  const dataDir = tempFolder('scale-journal');
  const emptyDir = tempFolder('scale-empty');
  const storeDir = join(dataDir, dataFiles.store);
  try {
    console.log(`${journalEvents.toLocaleString('en-US')} journaled events, built in-process`);
    const built = await buildJournal(dataDir, journalEvents, 1_000, 150_000);
    const builtSnapshots = listSnapshots(storeDir).map((file) => statSync(file.path).size);
    const times = await measureRestarts(dataDir, built, emptyDir, startTimeoutMs);
    const vsEmpty = (ms: number) => ({ ratio: ms / times.empty.ms, baseline: 'empty folder' });
    const events = `${built.events.toLocaleString('en-US')} events`;
    report({
      name: `1M events: start, empty folder (baseline)`,
      value: times.empty.ms,
      unit: 'ms',
    });
    report({
      name: '1M events: restart after SIGKILL',
      value: times.crash.ms,
      unit: 'ms',
      ...vsEmpty(times.crash.ms),
      target: { atMost: twoSeconds },
      note: `${events}; ${times.crash.replayed.toLocaleString('en-US')} records replayed`,
    });
    report({
      name: '1M events: restart after clean shutdown',
      value: times.clean.ms,
      unit: 'ms',
      ...vsEmpty(times.clean.ms),
      target: { atMost: twoSeconds },
    });
    report({
      name: '1M events: closing snapshot',
      value: times.clean.snapshotMegabytes,
      unit: 'MB',
      note: `the two built: ${builtSnapshots.map((bytes) => megabytes(bytes).toFixed(1)).join(', ')} MB`,
    });
    const setAside = listSetAsideSnapshots(storeDir);
    if (setAside.length > 0) {
      throw new Error(`1M events: snapshots set aside: ${setAside.map((s) => s.path).join(', ')}`);
    }
  } finally {
    removeFolder(dataDir);
    removeFolder(emptyDir);
  }
}

export async function benchSnapshotScale(): Promise<BenchFigure[]> {
  const figures: BenchFigure[] = [];
  const report: Report = (figure) => {
    figures.push({ part, ...figure });
    printFigure({ part, ...figure });
  };
  const unhook = killOnExit();
  try {
    await benchScale(report);
    if (journalEvents > 0) await benchJournal(report);
  } finally {
    await releaseAll();
    unhook();
  }
  return figures;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  printSummary(await benchSnapshotScale());
}
