// autocannon in this process against a server in another: a warm-up run whose numbers are
// thrown away, then the measured run, with latencies recorded per response at microsecond
// resolution (autocannon's own histogram rounds to whole milliseconds).
import autocannon from 'autocannon';
import { cpuSecondsOf } from './http-processes';

export interface LoadSettings {
  connections: number;
  warmupSeconds: number;
  seconds: number;
}

export interface LoadResult {
  connections: number;
  seconds: number;
  responses: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  non2xx: number;
  /** Connection errors and timeouts. */
  errors: number;
  /** Status codes other than 2xx, with their counts, e.g. "429×12". */
  otherStatuses: string;
  /** Server CPU per response (all its threads), when the server's pid was given. */
  serverCpuMicros?: number;
  /** The server's CPU use during the run, in cores (1 = one core busy all the time). */
  serverCores?: number;
  /** This process's CPU (the load generator) per response. */
  clientCpuMicros: number;
}

/** Response times in ms, kept in a fixed buffer so a long run cannot grow memory unbounded. */
class LatencyRecorder {
  private readonly values = new Float64Array(4_000_000);
  private count = 0;

  add(ms: number): void {
    if (this.count < this.values.length) this.values[this.count++] = ms;
  }

  /** p50, p99 and max from one sort. */
  summary(): { p50: number; p99: number; max: number } {
    if (this.count === 0) return { p50: Number.NaN, p99: Number.NaN, max: Number.NaN };
    const sorted = this.values.slice(0, this.count).sort();
    const at = (fraction: number) =>
      sorted[Math.min(this.count - 1, Math.floor(fraction * this.count))];
    return { p50: at(0.5), p99: at(0.99), max: sorted[this.count - 1] };
  }
}

function runOnce(
  options: autocannon.Options,
  recorder?: LatencyRecorder,
): Promise<autocannon.Result> {
  return new Promise((done, fail) => {
    const instance = autocannon(options, (error: unknown, result: autocannon.Result) => {
      if (error)
        fail(error instanceof Error ? error : new Error('autocannon failed', { cause: error }));
      else done(result);
    });
    if (recorder) {
      instance.on('response', (_client, _status, _bytes, responseTime) =>
        recorder.add(responseTime),
      );
    }
  });
}

function otherStatuses(result: autocannon.Result): string {
  const stats = result.statusCodeStats ?? {};
  return Object.entries(stats)
    .filter(([code]) => !code.startsWith('2'))
    .map(([code, { count }]) => `${code}×${count ?? 0}`)
    .join(', ');
}

/**
 * Warms up, then measures. `target` is everything autocannon needs besides the timing: url,
 * and either headers/method/body or `requests` with a `setupRequest`.
 */
export async function measureLoad(
  target: Omit<autocannon.Options, 'connections' | 'duration' | 'amount'>,
  settings: LoadSettings,
  serverPid?: number,
): Promise<LoadResult> {
  const base = { timeout: 10, connections: settings.connections, ...target };
  await runOnce({ ...base, duration: settings.warmupSeconds });
  const recorder = new LatencyRecorder();
  const serverCpuBefore = cpuSecondsOf(serverPid);
  const clientCpuBefore = process.cpuUsage();
  const result = await runOnce({ ...base, duration: settings.seconds }, recorder);
  const clientCpu = process.cpuUsage(clientCpuBefore);
  const serverCpuAfter = cpuSecondsOf(serverPid);
  const responses = result['2xx'] + result.non2xx;
  const latency = recorder.summary();
  const serverCpu =
    serverCpuBefore === undefined || serverCpuAfter === undefined
      ? undefined
      : serverCpuAfter - serverCpuBefore;
  return {
    ...(serverCpu !== undefined && {
      serverCpuMicros: (serverCpu * 1e6) / responses,
      serverCores: serverCpu / result.duration,
    }),
    clientCpuMicros: (clientCpu.user + clientCpu.system) / responses,
    connections: settings.connections,
    seconds: result.duration,
    responses,
    perSecond: responses / result.duration,
    p50Ms: latency.p50,
    p99Ms: latency.p99,
    maxMs: latency.max,
    non2xx: result.non2xx,
    errors: result.errors,
    otherStatuses: otherStatuses(result),
  };
}

export function describeLoad(load: LoadResult): string {
  return (
    `${load.connections} connections, ${load.seconds.toFixed(1)} s, ` +
    `${load.responses.toLocaleString('en-US')} responses, p50 ${load.p50Ms.toFixed(2)} ms, ` +
    `p99 ${load.p99Ms.toFixed(2)} ms, max ${load.maxMs.toFixed(1)} ms` +
    (load.non2xx > 0 ? `, non-2xx ${load.non2xx} (${load.otherStatuses})` : '') +
    (load.errors > 0 ? `, ${load.errors} connection errors` : '') +
    (load.serverCpuMicros !== undefined && load.serverCores !== undefined
      ? `; server ${load.serverCpuMicros.toFixed(0)} µs CPU/req, ${load.serverCores.toFixed(2)} cores`
      : '') +
    `; autocannon ${load.clientCpuMicros.toFixed(0)} µs CPU/req`
  );
}
