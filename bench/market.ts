// Market data throughput: 1-minute candles over years, generated and written as NDJSON, against
// JSON.stringify of the same candles pre-built (the baseline a naive HTTP layer would pay).
import { pathToFileURL } from 'node:url';
import type { Candle } from '../api/market';
import type { Interval } from '../api/common';
import { intervalMs } from '../api/common';
import { candlesBetween, clearMarketCaches, ticksBetween } from '../sandbox/market/feed';
import { instrumentBySymbol, modelOf } from '../sandbox/market/instruments';
import { candleNdjsonChunks, formatCandleLine, tickNdjsonChunks } from '../sandbox/market/ndjson';
import { scanCandles } from '../sandbox/market/scan';

const eurusd = instrumentBySymbol('EURUSD')!;
const from = Date.UTC(2019, 0, 1);
const to = Date.UTC(2024, 0, 1);

interface Measure {
  readonly label: string;
  readonly items: number;
  /** Wall-clock seconds. */
  readonly seconds: number;
  /** CPU seconds of this process: steadier than wall time on a shared machine. */
  readonly cpuSeconds: number;
  readonly bytes: number;
}

function time(label: string, run: () => { items: number; bytes?: number }): Measure {
  const cpuStart = process.cpuUsage();
  const start = process.hrtime.bigint();
  const { items, bytes } = run();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = process.cpuUsage(cpuStart);
  return { label, items, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, bytes: bytes ?? 0 };
}

function print(measure: Measure, baseline?: Measure): void {
  const perSecond = measure.items / measure.seconds;
  const perCpuSecond = measure.items / measure.cpuSeconds;
  const ratio = baseline
    ? `  ${(perCpuSecond / (baseline.items / baseline.cpuSeconds)).toFixed(1)}x baseline`
    : '';
  const megabytes = measure.bytes
    ? `  ${(measure.bytes / measure.cpuSeconds / 1e6).toFixed(0)} MB/cpu-s`
    : '';
  console.log(
    `${measure.label.padEnd(50)} ${(perCpuSecond / 1e6).toFixed(2).padStart(6)} M/cpu-s ` +
      `${(perSecond / 1e6).toFixed(2).padStart(6)} M/s wall ` +
      `(${measure.items.toLocaleString('en-US')})${megabytes}${ratio}`,
  );
}

function ndjsonCandles(interval: Interval): { items: number; bytes: number } {
  let bytes = 0;
  let lines = 0;
  for (const chunk of candleNdjsonChunks(eurusd, interval, { fromMs: from, toMs: to })) {
    bytes += chunk.length;
    for (let k = 0; k < chunk.length; k++) if (chunk[k] === 10) lines++;
  }
  return { items: lines, bytes };
}

export async function benchMarket(): Promise<void> {
  const years = (to - from) / (365.25 * 86_400_000);
  console.log(
    `Market data, EURUSD over ${years.toFixed(1)} years; caches cleared before each cold run.` +
      ' Rates per CPU second of this process (and per wall second); ratios use CPU time.',
  );
  // Warm the JIT on a short range first so the cold runs measure generation, not compilation.
  clearMarketCaches();
  candlesBetween(eurusd, '1m', Date.UTC(2018, 0, 1), Date.UTC(2018, 1, 1));
  for (const _ of candleNdjsonChunks(eurusd, '1m', {
    fromMs: Date.UTC(2018, 0, 1),
    toMs: Date.UTC(2018, 1, 1),
  }));

  const prebuilt = candlesBetween(eurusd, '1m', from, to);
  const baseline = time('baseline: JSON.stringify(pre-built candles) + "\\n"', () => {
    let bytes = 0;
    for (const candle of prebuilt) bytes += (JSON.stringify(candle) + '\n').length;
    return { items: prebuilt.length, bytes };
  });
  print(baseline);
  print(
    time('template-string lines of pre-built candles', () => {
      let bytes = 0;
      for (const candle of prebuilt) bytes += formatCandleLine(candle).length;
      return { items: prebuilt.length, bytes };
    }),
    baseline,
  );

  const model = modelOf(eurusd);
  clearMarketCaches();
  print(
    time('generate 1m candles (cold, integer sink)', () => {
      let items = 0;
      const range = { from, to, now: Number.MAX_SAFE_INTEGER, limit: Number.MAX_SAFE_INTEGER };
      scanCandles(model, intervalMs['1m'], range, () => {
        items++;
      });
      return { items };
    }),
    baseline,
  );
  print(
    time('generate 1m candles (warm caches, integer sink)', () => {
      let items = 0;
      const range = {
        from: Date.UTC(2023, 6, 1),
        to,
        now: Number.MAX_SAFE_INTEGER,
        limit: Number.MAX_SAFE_INTEGER,
      };
      scanCandles(model, intervalMs['1m'], range, () => {
        items++;
      });
      return { items };
    }),
    baseline,
  );
  clearMarketCaches();
  print(
    time('generate 1m candles as Candle objects (cold)', () => ({
      items: candlesBetween(eurusd, '1m', from, to).length,
    })),
    baseline,
  );
  for (const interval of ['1m', '1h', '1d'] as const) {
    clearMarketCaches();
    print(
      time(`generate + NDJSON ${interval} candles (cold)`, () => ndjsonCandles(interval)),
      baseline,
    );
  }

  const weekFrom = Date.UTC(2024, 2, 4);
  const weekTo = Date.UTC(2024, 2, 9);
  clearMarketCaches();
  print(
    time('ticks as Tick objects, one week (cold)', () => ({
      items: ticksBetween(eurusd, weekFrom, weekTo).length,
    })),
  );
  clearMarketCaches();
  print(
    time('ticks as NDJSON, one week (cold)', () => {
      let items = 0;
      let bytes = 0;
      for (const chunk of tickNdjsonChunks(eurusd, { fromMs: weekFrom, toMs: weekTo })) {
        bytes += chunk.length;
        for (let k = 0; k < chunk.length; k++) if (chunk[k] === 10) items++;
      }
      return { items, bytes };
    }),
  );
  const sample: Candle | undefined = prebuilt[prebuilt.length >> 1];
  if (sample) console.log(`sample line: ${formatCandleLine(sample).trim()}`);
  await Promise.resolve();
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await benchMarket();
}
