// HTTP benchmark of the sandbox, on loopback: every server runs in its own child process (so the
// load generator, autocannon in this process, never shares their event loop), and every figure
// is printed next to a baseline measured in the same run:
//   GET /account          vs a bare node:http server answering a body of the same size
//   POST /orders          vs the bare server answering a fixed order; durable vs fsync off
//   /market/historical    NDJSON download vs the bare server streaming as many pre-built lines
//   restart, 1M events    after SIGKILL (snapshot ~100k behind) and after a clean shutdown,
//                         vs an empty data folder
// BENCH_HTTP_SECONDS (measured seconds per load run) and BENCH_HTTP_EVENTS (journal size for
// the restart) shorten a run while working on this file; the defaults are the reported ones.
import { pathToFileURL } from 'node:url';
import type { BenchFigure } from './figures';
import { printFigure, printSummary } from './figures';
import type { Download } from './http-historical';
import { describeDownload, download, historicalUrl } from './http-historical';
import type { LoadResult, LoadSettings } from './http-load';
import { describeLoad, measureAlternating, measureLoad } from './http-load';
import { measureSyncLatency } from './http-disk';
import type { Child } from './http-processes';
import {
  killOnExit,
  releaseAll,
  removeFolder,
  spawnBareServer,
  spawnSandbox,
  tempFolder,
} from './http-processes';
import { buildJournal, measureRestarts } from './http-restart';
import type { Trader } from './http-traders';
import { openTraders, orderRequests } from './http-traders';

const part = 'http';
const measuredSeconds = Number(process.env.BENCH_HTTP_SECONDS ?? 8);
const load = (connections: number): LoadSettings => ({
  connections,
  warmupSeconds: Math.min(3, Math.max(1, Math.round(measuredSeconds / 3))),
  seconds: measuredSeconds,
});
const getConnections = 50;
const getRounds = 2;
const downloadRounds = 3;
/** Closed-loop load: at a fixed rate, latency grows with connections (Little's law). */
const orderConnections = [25, 50, 100];
const orderAccounts = 100;
const journalEvents = Number(process.env.BENCH_HTTP_EVENTS ?? 1_000_000);
// --now is 2024-03-06T12:00Z and history reaches back 5 years: 4.2 years of 1m candles.
const historyFrom = Date.UTC(2020, 0, 1);
const historyTo = Date.UTC(2024, 2, 1);
const warmupFrom = Date.UTC(2019, 5, 1);
const twoSeconds = 2_000;

type Report = (figure: Omit<BenchFigure, 'part'>) => void;

async function benchGet(bare: Child, sandbox: Child, token: string, report: Report): Promise<void> {
  console.log(
    `GET, ${getConnections} connections, ${load(getConnections).warmupSeconds} s warm-up, then ` +
      `${getRounds} alternating rounds of ${measuredSeconds / getRounds} s per server`,
  );
  // Alternating rounds: the machine's other load shifts during a run, and should hit both.
  const [baseline, account] = await measureAlternating(
    [
      { request: { url: `${bare.url}/account` }, serverPid: bare.child.pid },
      {
        request: { url: `${sandbox.url}/account`, headers: { authorization: `Bearer ${token}` } },
        serverPid: sandbox.child.pid,
      },
    ],
    load(getConnections),
    getRounds,
  );
  report({
    name: 'bare node:http GET (baseline)',
    value: baseline.perSecond,
    unit: 'req/s',
    note: describeLoad(baseline),
  });
  report({
    name: 'GET /account, one token',
    value: account.perSecond,
    unit: 'req/s',
    ratio: account.perSecond / baseline.perSecond,
    baseline: 'bare',
    target: { atLeast: 0.7, on: 'ratio' },
    note: describeLoad(account),
  });
  if (account.serverCpuMicros !== undefined && baseline.serverCpuMicros !== undefined) {
    // On a shared machine the rate swings with other work; CPU per request does not.
    report({
      name: 'GET /account server CPU per request',
      value: account.serverCpuMicros,
      unit: 'µs',
      ratio: account.serverCpuMicros / baseline.serverCpuMicros,
      baseline: 'bare',
      note: `bare ${baseline.serverCpuMicros.toFixed(0)} µs: on a core of its own the sandbox would serve ${((100 * baseline.serverCpuMicros) / account.serverCpuMicros).toFixed(0)}% of bare's rate`,
    });
  }
  report({
    name: 'GET /account p50',
    value: account.p50Ms,
    unit: 'ms',
    ratio: account.p50Ms / baseline.p50Ms,
    baseline: 'bare',
  });
  report({
    name: 'GET /account p99',
    value: account.p99Ms,
    unit: 'ms',
    ratio: account.p99Ms / baseline.p99Ms,
    baseline: 'bare',
  });
  report({
    name: 'GET /account non-2xx',
    value: account.non2xx + account.errors,
    unit: 'responses',
    target: { atMost: 0 },
  });
}

async function benchHistorical(
  bare: Child,
  sandbox: Child,
  token: string,
  report: Report,
): Promise<void> {
  const headers = { authorization: `Bearer ${token}`, accept: 'application/x-ndjson' };
  const years = ((historyTo - historyFrom) / (365.25 * 86_400_000)).toFixed(1);
  console.log(`/market/historical, EURUSD 1m candles over ${years} years as NDJSON`);
  const range = historicalUrl(sandbox.url, historyFrom, historyTo);
  // Warm the JIT on an earlier range first; then alternate with the bare server, median of 3.
  await download(historicalUrl(sandbox.url, warmupFrom, historyFrom - 1), headers, 60_000);
  const first = await download(range, headers, 60_000, sandbox.child.pid);
  const bareUrl = `${bare.url}/ndjson?lines=${first.lines}`;
  await download(bareUrl, {}, 60_000); // builds the bare server's lines, and warms it
  const downloads: Download[] = [first];
  const bareDownloads: Download[] = [];
  for (let round = 0; round < downloadRounds; round++) {
    bareDownloads.push(await download(bareUrl, {}, 60_000, bare.child.pid));
    if (round > 0) downloads.push(await download(range, headers, 60_000, sandbox.child.pid));
  }
  const baseline = median(bareDownloads);
  const sandboxed = median(downloads);
  report({
    name: 'bare streaming of pre-built NDJSON (baseline)',
    value: baseline.perSecond,
    unit: 'lines/s',
    note: describeDownload(baseline),
  });
  report({
    name: `historical NDJSON (median of ${downloadRounds})`,
    value: sandboxed.perSecond,
    unit: 'candles/s',
    ratio: sandboxed.perSecond / baseline.perSecond,
    baseline: 'bare',
    target: { atLeast: 1_000_000 },
    note: describeDownload(sandboxed),
  });
  report({
    name: 'historical NDJSON, first download',
    value: first.perSecond,
    unit: 'candles/s',
    ratio: first.perSecond / baseline.perSecond,
    baseline: 'bare',
    note: describeDownload(first),
  });
}

function median(downloads: readonly Download[]): Download {
  const sorted = [...downloads].sort((a, b) => a.perSecond - b.perSecond);
  return sorted[Math.floor(sorted.length / 2)];
}

/** One fresh sandbox per measurement, so each starts from the same journal and state size. */
async function ordersRun(
  durability: 'fsync' | 'none',
  connections: number,
  label: string,
): Promise<LoadResult> {
  const dataDir = tempFolder(`orders-${durability}`);
  const sandbox = await spawnSandbox({ dataDir, durability });
  try {
    const traders: Trader[] = await openTraders(sandbox.url, dataDir, orderAccounts);
    return await measureLoad(
      {
        request: { url: sandbox.url, requests: orderRequests(traders, label) },
        serverPid: sandbox.child.pid,
      },
      load(connections),
    );
  } finally {
    await sandbox.stop();
    removeFolder(dataDir);
  }
}

async function benchOrders(bare: Child, report: Report): Promise<void> {
  console.log(
    `POST /orders, EURUSD market orders over ${orderAccounts} accounts, unique Idempotency-Key each`,
  );
  const baseline = await measureLoad(
    {
      request: {
        url: `${bare.url}/orders`,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"symbol":"EURUSD","action":"buy","quantity":1000,"order_type":"market","time_in_force":"gtc"}',
      },
      serverPid: bare.child.pid,
    },
    load(orderConnections[1]),
  );
  report({
    name: 'bare node:http POST (baseline)',
    value: baseline.perSecond,
    unit: 'req/s',
    note: describeLoad(baseline),
  });
  const floor = await measureSyncLatency(tempFolder('disk'));
  report({
    name: 'disk: 16 KB write + fdatasync p99 (floor)',
    value: floor.p99Ms,
    unit: 'ms',
    note: `p50 ${floor.p50Ms.toFixed(2)} ms over ${floor.samples} syncs; a durable answer waits for one or two`,
  });
  const durable: LoadResult[] = [];
  for (const connections of orderConnections) {
    const result = await ordersRun('fsync', connections, `c${connections}`);
    durable.push(result);
    report({
      name: `POST /orders durable, ${connections} connections`,
      value: result.perSecond,
      unit: 'orders/s',
      ratio: result.perSecond / baseline.perSecond,
      baseline: 'bare',
      note: describeLoad(result),
    });
  }
  const meeting = durable.filter((result) => result.p99Ms <= 10 && result.non2xx === 0);
  const best = (meeting.length > 0 ? meeting : durable).reduce((a, b) =>
    b.perSecond > a.perSecond ? b : a,
  );
  const which = meeting.length > 0 ? 'best meeting p99' : 'none met p99 ≤ 10 ms; fastest';
  report({
    name: 'POST /orders durable (best)',
    value: best.perSecond,
    unit: 'orders/s',
    ratio: best.perSecond / baseline.perSecond,
    baseline: 'bare',
    target: { atLeast: 5_000 },
    note: `${which}: ${best.connections} connections`,
  });
  report({ name: 'POST /orders durable p50 (best)', value: best.p50Ms, unit: 'ms' });
  if (best.serverCpuMicros !== undefined && baseline.serverCpuMicros !== undefined) {
    // What one order costs the server, whatever else the machine is doing.
    report({
      name: 'POST /orders durable server CPU per order',
      value: best.serverCpuMicros,
      unit: 'µs',
      ratio: best.serverCpuMicros / baseline.serverCpuMicros,
      baseline: 'bare POST',
      note: `at most ${Math.floor(1e6 / best.serverCpuMicros).toLocaleString('en-US')} orders/s on one core of its own`,
    });
  }
  report({
    name: 'POST /orders durable p99 (best)',
    value: best.p99Ms,
    unit: 'ms',
    ratio: best.p99Ms / floor.p99Ms,
    baseline: 'disk sync p99',
    target: { atMost: 10 },
  });
  const failures = durable.reduce((sum, result) => sum + result.non2xx + result.errors, 0);
  report({
    name: 'POST /orders non-2xx, all durable runs',
    value: failures,
    unit: 'responses',
    target: { atMost: 0 },
  });
  const unsynced = await ordersRun('none', best.connections, `n${best.connections}`);
  report({
    name: `POST /orders fsync off, ${best.connections} connections`,
    value: unsynced.perSecond,
    unit: 'orders/s',
    ratio: unsynced.perSecond / best.perSecond,
    baseline: 'durable',
    note: describeLoad(unsynced),
  });
  if (unsynced.serverCpuMicros !== undefined && best.serverCpuMicros !== undefined) {
    report({
      name: 'POST /orders fsync off, server CPU per order',
      value: unsynced.serverCpuMicros,
      unit: 'µs',
      ratio: unsynced.serverCpuMicros / best.serverCpuMicros,
      baseline: 'durable',
    });
  }
}

async function benchRestart(report: Report): Promise<void> {
  const dataDir = tempFolder('restart');
  const emptyDir = tempFolder('empty');
  console.log(
    `restart: building a data folder of ${journalEvents.toLocaleString('en-US')} events in-process`,
  );
  const built = await buildJournal(dataDir, journalEvents, 1_000, 150_000);
  console.log(
    `  built ${built.events.toLocaleString('en-US')} events (${built.orders.toLocaleString('en-US')} orders ` +
      `with idempotency keys, ${built.accounts} accounts) in ${built.seconds.toFixed(1)} s, of which ` +
      `${built.snapshotSeconds.toFixed(1)} s two snapshots; ${built.megabytes.toFixed(0)} MB on disk`,
  );
  const times = await measureRestarts(dataDir, built, emptyDir, 120_000);
  const cpu = (seconds: number | undefined) =>
    seconds === undefined ? '' : `${seconds.toFixed(2)} CPU s to first 200`;
  const vsEmpty = (ms: number) => ({ ratio: ms / times.empty.ms, baseline: 'empty folder' });
  report({
    name: 'restart, empty data folder (baseline)',
    value: times.empty.ms,
    unit: 'ms',
    note: cpu(times.empty.cpuSeconds),
  });
  report({
    name: 'restart after SIGKILL, last snapshot behind',
    value: times.crash.ms,
    unit: 'ms',
    ...vsEmpty(times.crash.ms),
    target: { atMost: twoSeconds },
    note: `${built.events.toLocaleString('en-US')} events, ${times.crash.replayed.toLocaleString('en-US')} journal records (of up to 3 events) replayed after the snapshot; ${cpu(times.crash.cpuSeconds)}`,
  });
  report({
    name: 'clean shutdown (SIGTERM), closing snapshot',
    value: times.cleanCloseMs,
    unit: 'ms',
  });
  report({
    name: 'restart after clean shutdown',
    value: times.clean.ms,
    unit: 'ms',
    ...vsEmpty(times.clean.ms),
    target: { atMost: twoSeconds },
    note: `snapshot ${times.clean.snapshotMegabytes.toFixed(0)} MB, 0 replayed; ${cpu(times.clean.cpuSeconds)}`,
  });
}

export async function benchHttp(): Promise<BenchFigure[]> {
  const figures: BenchFigure[] = [];
  const report: Report = (figure) => {
    figures.push({ part, ...figure });
    printFigure({ part, ...figure });
  };
  const unhook = killOnExit();
  try {
    const bare = await spawnBareServer();
    const dataDir = tempFolder('account');
    const sandbox = await spawnSandbox({ dataDir });
    const [trader] = await openTraders(sandbox.url, dataDir, 1);
    await benchGet(bare, sandbox, trader.token, report);
    await benchHistorical(bare, sandbox, trader.token, report);
    await sandbox.stop();
    await benchOrders(bare, report);
    await bare.stop();
    await benchRestart(report);
  } finally {
    await releaseAll();
    unhook();
  }
  return figures;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  printSummary(await benchHttp());
}
