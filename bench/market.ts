// Market data throughput: EURUSD 1-minute candles over five years, generated and written as
// NDJSON, against JSON.stringify of the same candles pre-built (what a naive HTTP layer pays
// just to print them). Run with `npx tsx bench/market.ts`; bundled runs are faster.
import { pathToFileURL } from 'node:url';
import type { Interval } from '../api/common';
import { intervalMs } from '../api/common';
import { candlesBetween, clearMarketCaches, ticksBetween } from '../sandbox/market/feed';
import { instrumentBySymbol, modelOf } from '../sandbox/market/instruments';
import { candleNdjsonChunks, formatCandleLine, tickNdjsonChunks } from '../sandbox/market/ndjson';
import { scanCandles } from '../sandbox/market/scan';
import type { BenchFigure, Target } from './figures';

const eurusd = instrumentBySymbol('EURUSD')!;
const from = Date.UTC(2019, 0, 1);
const to = Date.UTC(2024, 0, 1);
const everything = { now: Number.MAX_SAFE_INTEGER, limit: Number.MAX_SAFE_INTEGER };

interface Measure {
  readonly label: string;
  readonly items: number;
  /** Wall-clock seconds. */
  readonly seconds: number;
  /** CPU seconds of this process (all threads, so GC helpers count too). */
  readonly cpuSeconds: number;
  readonly bytes: number;
}

/** Times `run`, which returns the bytes it produced; `items` is known beforehand. */
function time(label: string, items: number, run: () => number): Measure {
  const cpuStart = process.cpuUsage();
  const start = process.hrtime.bigint();
  const bytes = run();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = process.cpuUsage(cpuStart);
  return { label, items, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, bytes };
}

function perSecond(value: number): string {
  return value >= 1e6 ? `${(value / 1e6).toFixed(2)} M/s` : `${(value / 1e3).toFixed(1)} k/s`;
}

const figures: BenchFigure[] = [];

/** Prints a measure and records it for the runner's summary table. */
function print(measure: Measure, baseline?: Measure, unit = 'candles/s', target?: Target): void {
  const figure: BenchFigure = {
    part: 'market',
    name: measure.label,
    value: measure.items / measure.seconds,
    unit,
    note: `${perSecond(measure.items / measure.cpuSeconds)} per CPU second`,
  };
  if (baseline) {
    figure.ratio = figure.value / (baseline.items / baseline.seconds);
    figure.baseline = 'JSON.stringify';
  }
  if (target) figure.target = target;
  figures.push(figure);
  const rate = measure.items / measure.seconds;
  const ratio = baseline ? `  ${(rate / (baseline.items / baseline.seconds)).toFixed(2)}x` : '';
  const megabytes = measure.bytes
    ? `  ${(measure.bytes / measure.seconds / 1e6).toFixed(0)} MB/s`
    : '';
  console.log(
    `${measure.label.padEnd(46)} ${perSecond(rate).padStart(10)} ` +
      `(${perSecond(measure.items / measure.cpuSeconds)} per cpu-s, ` +
      `${measure.items.toLocaleString('en-US')})${megabytes}${ratio}`,
  );
}

function drain(chunks: Iterable<Uint8Array>): number {
  let bytes = 0;
  for (const chunk of chunks) bytes += chunk.length;
  return bytes;
}

function warmUp(): void {
  // Compile the hot paths on a short range so the timed runs measure generation, not the JIT.
  const range = { fromMs: Date.UTC(2018, 0, 1), toMs: Date.UTC(2018, 1, 1) };
  for (const interval of ['1m', '1h', '1d'] as Interval[]) {
    candlesBetween(eurusd, interval, range.fromMs, range.toMs);
    drain(candleNdjsonChunks(eurusd, interval, range));
  }
  drain(tickNdjsonChunks(eurusd, { fromMs: range.fromMs, toMs: range.fromMs + 86_400_000 }));
}

/** Prints the figures as it goes and returns them for `bench/run.ts`'s summary. */
export async function benchMarket(): Promise<BenchFigure[]> {
  figures.length = 0;
  console.log(
    'Market data: EURUSD, 2019-2024 (1m candles) and one week (ticks); caches cleared before' +
      ' each cold run. Rates are per wall-clock second; ratios against the baseline.',
  );
  warmUp();
  const prebuilt = candlesBetween(eurusd, '1m', from, to);
  const count = (interval: Interval): number => candlesBetween(eurusd, interval, from, to).length;
  const counts = { '1m': prebuilt.length, '1h': count('1h'), '1d': count('1d') };

  const baseline = time('baseline: JSON.stringify(candle) + "\\n"', prebuilt.length, () => {
    let bytes = 0;
    for (const candle of prebuilt) bytes += (JSON.stringify(candle) + '\n').length;
    return bytes;
  });
  print(baseline);
  print(
    time('template string per pre-built candle', prebuilt.length, () => {
      let bytes = 0;
      for (const candle of prebuilt) bytes += formatCandleLine(candle).length;
      return bytes;
    }),
    baseline,
  );

  const model = modelOf(eurusd);
  clearMarketCaches();
  print(
    time('generate 1m candles (cold, no output)', prebuilt.length, () => {
      scanCandles(model, intervalMs['1m'], { from, to, ...everything, streaming: true }, () => {});
      return 0;
    }),
    baseline,
  );
  const month = { from: Date.UTC(2023, 5, 5), to: Date.UTC(2023, 6, 3), ...everything };
  scanCandles(model, intervalMs['1m'], month, () => {});
  const monthCount = candlesBetween(eurusd, '1m', month.from, month.to).length;
  print(
    time('read 1m candles of cached days', monthCount, () => {
      scanCandles(model, intervalMs['1m'], month, () => {});
      return 0;
    }),
    baseline,
  );
  clearMarketCaches();
  print(
    time('generate 1m candles as Candle objects (cold)', prebuilt.length, () => {
      candlesBetween(eurusd, '1m', from, to);
      return 0;
    }),
    baseline,
  );
  for (const interval of ['1m', '1h', '1d'] as const) {
    clearMarketCaches();
    print(
      time(`generate + NDJSON ${interval} candles (cold)`, counts[interval], () =>
        drain(candleNdjsonChunks(eurusd, interval, { fromMs: from, toMs: to })),
      ),
      baseline,
      'candles/s',
      // The brief: well above a million 1-minute candles a second, generated and printed.
      interval === '1m' ? { atLeast: 1_000_000 } : undefined,
    );
  }
  const minutesPerCandle = { '1h': counts['1m'] / counts['1h'], '1d': counts['1m'] / counts['1d'] };
  console.log(
    `  (1h and 1d aggregate exactly from 1m: ${minutesPerCandle['1h'].toFixed(0)} and ` +
      `${minutesPerCandle['1d'].toFixed(0)} minutes generated per candle)`,
  );

  const weekFrom = Date.UTC(2024, 2, 4);
  const weekTo = Date.UTC(2024, 2, 9);
  clearMarketCaches();
  const tickCount = ticksBetween(eurusd, weekFrom, weekTo).length;
  clearMarketCaches();
  print(
    time('ticks as Tick objects (cold)', tickCount, () => {
      ticksBetween(eurusd, weekFrom, weekTo);
      return 0;
    }),
    undefined,
    'ticks/s',
  );
  clearMarketCaches();
  print(
    time('ticks as NDJSON (cold)', tickCount, () =>
      drain(tickNdjsonChunks(eurusd, { fromMs: weekFrom, toMs: weekTo })),
    ),
    undefined,
    'ticks/s',
  );
  await Promise.resolve();
  return [...figures];
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await benchMarket();
}
