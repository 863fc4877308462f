// `npm run demo`: the embedded sandbox up, then the SMA crossover example (TypeScript twin) trading
// live on it through the runner, its orders and fills printed as they happen, for a few minutes
// or until Ctrl-C, then a short summary.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Instrument } from '../api/market';
import type { RunEvent } from '../api/run-events';
import { candlesBetween } from '../sandbox/market/feed';
import { isOpen, lastOpenInstantAtOrBefore } from '../sandbox/market/hours';
import { instrumentBySymbol } from '../sandbox/market/instruments';
import { fillLine, money, orderLine } from '../runner/format';
import { localConnection } from '../runner/connections';
import { connectLocalSandbox } from '../runner/embedded-sandbox';
import { studioRoot } from '../runner/project';
import { readRunTrading } from '../runner/run-folder';
import { runScript } from '../runner/run-script';

const symbol = 'EURUSD';
const minute = 60_000;
/**
 * Small periods so the averages cross within minutes instead of hours (the example's are
 * 50/200): the close against its two-bar average.
 */
const demoParams = { fast: 1, slow: 2, quantity: 10_000 };
/** Time the script gets to start and subscribe before the first bar closes. */
const leadMs = 15_000;

/** The sides the example would take on these closes (its own arithmetic), 0 before it can tell. */
function crossoverSides(closes: readonly number[]): number[] {
  const { fast, slow } = demoParams;
  let fastSum = 0;
  let slowSum = 0;
  return closes.map((close, index) => {
    const count = index + 1;
    fastSum += close;
    if (count > fast) fastSum -= closes[count - 1 - fast];
    slowSum += close;
    if (count > slow) slowSum -= closes[count - 1 - slow];
    if (count < slow) return 0;
    const [fastAverage, slowAverage] = [fastSum / fast, slowSum / slow];
    return fastAverage > slowAverage ? 1 : fastAverage < slowAverage ? -1 : 0;
  });
}

/** Bar indexes (0-based) at which the example would trade: each flip after the first side. */
function tradeBars(sides: readonly number[]): number[] {
  const trades: number[] = [];
  let previous = 0;
  sides.forEach((side, index) => {
    if (side === 0 || side === previous) return;
    if (previous !== 0) trades.push(index);
    previous = side;
  });
  return trades;
}

/**
 * Where the sandbox's clock starts. Market data is deterministic, so the demo looks back from
 * now (or from EURUSD's last session, when it is closed) for a stretch whose bars make the
 * example trade at its third bar and a few times after: the demo shows trading at once
 * instead of waiting on chance. The clock starts shortly before the first of those bars closes.
 */
function demoStart(minutes: number): { startAt: number; note: string } {
  const instrument = instrumentBySymbol(symbol) as Instrument;
  const now = Date.now();
  const open = isOpen(instrument, now);
  const base = open ? now : (lastOpenInstantAtOrBefore(instrument, now) ?? now);
  const bars = Math.max(4, Math.ceil(minutes));
  let fallback: number | null = null;
  for (let back = bars + 1; back < 24 * 60; back++) {
    const first = Math.floor(base / minute) * minute - back * minute;
    const candles = candlesBetween(instrument, '1m', first, first + (bars - 1) * minute);
    if (candles.length !== bars || candles.some((c, i) => c.t !== first + i * minute)) continue;
    fallback ??= first;
    const trades = tradeBars(crossoverSides(candles.map((c) => c.c)));
    if (trades[0] === 2 && trades.length >= Math.min(3, bars - 2)) {
      return { startAt: first + minute - leadMs, note: `its bars from ${iso(first)} on` };
    }
  }
  const first = fallback ?? Math.floor(base / minute) * minute;
  return { startAt: first + minute - leadMs, note: `its bars from ${iso(first)} on` };
}

/** Prints each bar as it closes on the sandbox's clock, from the same deterministic data. */
function barTicker(clock: () => Promise<number>, startAt: number): ReturnType<typeof setInterval> {
  const instrument = instrumentBySymbol(symbol) as Instrument;
  let printedUpTo = Math.floor(startAt / minute) * minute;
  return setInterval(() => {
    void clock().then((now) => {
      const closedUpTo = Math.floor(now / minute) * minute;
      if (closedUpTo <= printedUpTo) return;
      for (const candle of candlesBetween(instrument, '1m', printedUpTo, closedUpTo - minute))
        console.log(
          `[demo] bar ${iso(candle.t).slice(11, 16)}-${iso(candle.t + minute).slice(11, 16)} closed: ${symbol} ${candle.c}`,
        );
      printedUpTo = closedUpTo;
    });
  }, 250);
}

const iso = (t: number) => new Date(t).toISOString().slice(0, 19).replace('T', ' ') + 'Z';

/** The script's output as it prints it (its orders and fills among it), and the runner's warnings. */
function showEvent(event: RunEvent): void {
  switch (event.type) {
    case 'line':
      if (event.stream === 'stdout') console.log(`  ${event.text}`);
      else console.error(`  ${event.text}`);
      return;
    case 'warning':
      console.error(`[demo] warning: ${event.message}`);
      return;
    default:
      return;
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: { minutes: { type: 'string', default: '5' } },
  });
  const minutes = Number(values.minutes);
  if (!(minutes > 0)) {
    console.error(`demo: --minutes must be a positive number, got "${values.minutes}"`);
    return 2;
  }
  const root = studioRoot(import.meta.dirname);
  const script = join(root, 'examples', 'sma-crossover', 'sma_crossover.ts');
  if (!existsSync(script)) {
    console.error(`demo: the example ${script} is missing; is the checkout complete?`);
    return 1;
  }
  const work = mkdtempSync(join(tmpdir(), 'timber-demo-'));
  const { startAt, note } = demoStart(minutes);
  const sandbox = await connectLocalSandbox({
    dataDir: join(work, 'sandbox'),
    startAt,
    // Like the editor's embedded sandbox: a run never meets a closed forex market.
    clock: 'session',
    log: (line) => console.error(line),
  });
  const abort = new AbortController();
  const stop = () => abort.abort();
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const deadline = setTimeout(stop, minutes * minute);
  try {
    // The example's strategy.json with small SMA periods, so trades come within minutes.
    const config = join(work, 'strategy.json');
    writeFileSync(
      config,
      JSON.stringify({
        name: 'SMA crossover (demo)',
        symbols: [symbol],
        interval: '1m',
        params: demoParams,
      }),
    );
    const connection = await localConnection(sandbox);
    console.log(
      `Timber sandbox on ${sandbox.url}; its market clock starts at ${iso(startAt)} and runs in real time, ` +
        `skipping the hours forex is closed (${note}).`,
    );
    console.log(
      `Running examples/sma-crossover/sma_crossover.ts live on it for ${minutes} min (Ctrl-C stops it sooner).`,
    );
    console.log(
      `Demo settings: SMA periods ${demoParams.fast}/${demoParams.slow} (the close against its two-bar average) ` +
        `instead of 50/200, ${demoParams.quantity} ${symbol}, and a start instant picked so that the third bar ` +
        `already trades. Bars close once a minute: the first in ${leadMs / 1000} s, the first trade about 2 min later.\n`,
    );
    const ticker = barTicker(() => sandbox.now(), startAt);
    const outcome = await runScript({
      script,
      config,
      runsDir: join(work, 'runs'),
      cwd: work,
      root,
      connection,
      signal: abort.signal,
      onEvent: showEvent,
    }).finally(() => clearInterval(ticker));
    const { record } = outcome;
    console.log(
      `\nSummary: the strategy ${record.status === 'stopped' ? 'ran until stopped' : `ended (${record.status})`}.`,
    );
    console.log(`  ${record.orders} orders, ${record.fills} fills`);
    const trading = await readRunTrading(outcome.dir, 50);
    for (const order of trading.orders) console.log(`  order ${orderLine(order)}`);
    for (const fill of trading.fills) console.log(`  fill  ${fillLine(fill)}`);
    console.log(
      `  realized P&L ${money(record.pnl?.realized)} USD, fees ${money(record.pnl?.fees)} USD, ` +
        `equity change ${money(record.pnl?.equity_change)} USD (open positions marked to market)`,
    );
    console.log(
      '\nNext: "npx tbm run examples/sma-crossover/sma_crossover.py" trades the Python twin; ' +
        '"npx tbm backtest examples/sma-crossover/sma_crossover.ts" backtests it.',
    );
    return record.status === 'failed' ? 1 : 0;
  } finally {
    clearTimeout(deadline);
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await sandbox.close();
    rmSync(work, { recursive: true, force: true });
  }
}

process.exitCode = await main().catch((error: unknown) => {
  console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
  return 1;
});
