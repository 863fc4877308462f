// `npm start`: the embedded sandbox up, then the SMA crossover example (TypeScript twin) trading
// live on it through the runner, its orders and fills printed as they happen, for a few minutes
// or until Ctrl-C, then a short summary.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Instrument } from '../api/market';
import { isOpen, lastOpenInstantAtOrBefore } from '../sandbox/market/hours';
import { instrumentBySymbol } from '../sandbox/market/instruments';
import { fillLine, money, orderLine } from '../runner/format';
import { connectLocalSandbox } from '../runner/local-sandbox';
import { projectRoot } from '../runner/project';
import { runScript } from '../runner/run-script';

const symbol = 'EURUSD';
const minute = 60_000;
/** Small periods so the averages cross within minutes instead of hours (the example's are 50/200). */
const demoParams = { fast: 2, slow: 3, quantity: 10_000 };

/**
 * Where the sandbox's clock starts: a few seconds before a minute closes, so the first bar
 * arrives at once; now if EURUSD trades now, otherwise an hour before its last close.
 */
function demoStart(): { startAt: number; note: string } {
  const instrument = instrumentBySymbol(symbol) as Instrument;
  const now = Date.now();
  const open = isOpen(instrument, now);
  const base = open ? now : (lastOpenInstantAtOrBefore(instrument, now) ?? now) - 3600_000;
  const startAt = Math.floor(base / minute) * minute + minute - 3_000;
  return {
    startAt,
    note: open
      ? `the market clock starts at ${iso(startAt)}, 3 s before a bar closes`
      : `${symbol} is closed now, so the market clock starts at ${iso(startAt)}, during its last session`,
  };
}

const iso = (t: number) => new Date(t).toISOString().slice(0, 19).replace('T', ' ') + 'Z';

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
  const root = projectRoot();
  const script = join(root, 'examples', 'sma-crossover', 'sma_crossover.ts');
  if (!existsSync(script)) {
    console.error(`demo: the example ${script} is missing; is the checkout complete?`);
    return 1;
  }
  const work = mkdtempSync(join(tmpdir(), 'timber-demo-'));
  const { startAt, note } = demoStart();
  const sandbox = await connectLocalSandbox({
    dataDir: join(work, 'sandbox'),
    startAt,
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
    const key = await sandbox.createKey('trade');
    console.log(`Timber sandbox on ${sandbox.url} (${note})`);
    console.log(
      `Running examples/sma-crossover/sma_crossover.ts live on it for ${minutes} min (Ctrl-C stops it sooner).`,
    );
    console.log(
      `Demo settings: SMA periods ${demoParams.fast}/${demoParams.slow} instead of 50/200, ${demoParams.quantity} ${symbol}; ` +
        'bars close once a minute in real time, so the first trade comes after 3 or 4 bars.\n',
    );
    const started = Date.now();
    const ticker = setInterval(() => {
      void sandbox
        .now()
        .then((now) =>
          console.log(
            `[demo] ${Math.round((Date.now() - started) / 1000)} s elapsed, market clock ${iso(now)}`,
          ),
        );
    }, 30_000);
    const outcome = await runScript({
      script,
      config,
      runsDir: join(work, 'runs'),
      connection: {
        env: 'local',
        baseUrl: sandbox.url,
        streamUrl: `${sandbox.url.replace(/^http/, 'ws')}/stream`,
        keyId: key.key_id,
        secret: key.secret,
        apiNow: () => sandbox.now(),
      },
      signal: abort.signal,
      onLine: (stream, text) =>
        stream === 'stdout' ? console.log(`  ${text}`) : console.error(`  ${text}`),
      onWarning: (message) => console.error(`[demo] warning: ${message}`),
    }).finally(() => clearInterval(ticker));
    const { record } = outcome;
    console.log(
      `\nSummary: the strategy ${record.status === 'stopped' ? 'ran until stopped' : `ended (${record.status})`}.`,
    );
    console.log(`  ${record.orders.length} orders, ${record.fills.length} fills`);
    for (const order of record.orders) console.log(`  order ${orderLine(order)}`);
    for (const fill of record.fills) console.log(`  fill  ${fillLine(fill)}`);
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
