// autocannon in this process against servers in others: a warm-up run per server whose numbers
// are thrown away, then measured rounds that alternate between the servers compared (so a
// change in the machine's other load hits both alike), with latencies recorded per response at
// microsecond resolution (autocannon's own histogram rounds to whole milliseconds).
import autocannon from 'autocannon';
import { cpuSecondsOf } from './http-processes';

export interface LoadSettings {
  connections: number;
  warmupSeconds: number;
  /** Measured seconds per server, split evenly over the rounds. */
  seconds: number;
}

/** One server under test: what autocannon sends it, and its pid for CPU accounting. */
export interface LoadTarget {
  request: Omit<autocannon.Options, 'connections' | 'duration' | 'amount'>;
  serverPid: number | undefined;
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

/** The sums over a server's measured rounds. */
class Totals {
  readonly latencies = new LatencyRecorder();
  seconds = 0;
  responses = 0;
  non2xx = 0;
  errors = 0;
  serverCpu: number | undefined = 0;
  clientCpuMicros = 0;
  readonly statuses = new Map<string, number>();

  result(connections: number): LoadResult {
    const latency = this.latencies.summary();
    const otherStatuses = [...this.statuses]
      .filter(([code]) => !code.startsWith('2'))
      .map(([code, count]) => `${code}×${count}`)
      .join(', ');
    return {
      connections,
      seconds: this.seconds,
      responses: this.responses,
      perSecond: this.responses / this.seconds,
      p50Ms: latency.p50,
      p99Ms: latency.p99,
      maxMs: latency.max,
      non2xx: this.non2xx,
      errors: this.errors,
      otherStatuses,
      ...(this.serverCpu !== undefined && {
        serverCpuMicros: (this.serverCpu * 1e6) / this.responses,
        serverCores: this.serverCpu / this.seconds,
      }),
      clientCpuMicros: this.clientCpuMicros / this.responses,
    };
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

async function measureRound(
  target: LoadTarget,
  options: autocannon.Options,
  totals: Totals,
): Promise<void> {
  const serverBefore = cpuSecondsOf(target.serverPid);
  const clientBefore = process.cpuUsage();
  const result = await runOnce(options, totals.latencies);
  const client = process.cpuUsage(clientBefore);
  const serverAfter = cpuSecondsOf(target.serverPid);
  totals.seconds += result.duration;
  totals.responses += result['2xx'] + result.non2xx;
  totals.non2xx += result.non2xx;
  totals.errors += result.errors;
  totals.clientCpuMicros += client.user + client.system;
  totals.serverCpu =
    totals.serverCpu === undefined || serverBefore === undefined || serverAfter === undefined
      ? undefined
      : totals.serverCpu + serverAfter - serverBefore;
  for (const [code, { count }] of Object.entries(result.statusCodeStats ?? {})) {
    totals.statuses.set(code, (totals.statuses.get(code) ?? 0) + (count ?? 0));
  }
}

/**
 * Warms each target up, then measures them in `rounds` alternating rounds (A B A B ...) of
 * `seconds / rounds` each. Results come back in the order of `targets`.
 */
export async function measureAlternating(
  targets: readonly LoadTarget[],
  settings: LoadSettings,
  rounds: number,
): Promise<LoadResult[]> {
  const options = (target: LoadTarget, duration: number): autocannon.Options => ({
    timeout: 10,
    ...target.request,
    connections: settings.connections,
    duration,
  });
  for (const target of targets) await runOnce(options(target, settings.warmupSeconds));
  const totals = targets.map(() => new Totals());
  const roundSeconds = Math.max(1, Math.round(settings.seconds / rounds));
  for (let round = 0; round < rounds; round++) {
    for (const [index, target] of targets.entries()) {
      await measureRound(target, options(target, roundSeconds), totals[index]);
    }
  }
  return totals.map((total) => total.result(settings.connections));
}

/** Warm-up, then one measured run. */
export async function measureLoad(target: LoadTarget, settings: LoadSettings): Promise<LoadResult> {
  const [result] = await measureAlternating([target], settings, 1);
  return result;
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
