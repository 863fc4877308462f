// A run's record at the scale of a day at the API's limits: 100 orders a second for 24 h is
// 8.64 M orders, each accepted then filled (an `order` event twice and a `fill` once). This
// pushes `RUN_RECORD_ORDERS` orders (default 1 M, about a third of a day's events) through the
// runner's RunEvents and recorder into `events.ndjson`, against appending the same JSON lines
// with fs.appendFileSync in batches as the baseline, then reads the orders back with
// readRunTrading and reports its heap growth (it keeps only the first 1,000 of each).
// Run alone with `npx tsx bench/run-record.ts`.
import { appendFileSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Order } from '../api/orders';
import type { RunFill } from '../api/run-events';
import { RunRecorder, runFiles } from '../runner/records';
import { RunEvents } from '../runner/run-events';
import { readRunTrading } from '../runner/run-folder';
import type { BenchFigure } from './figures';
import { printFigure } from './figures';

const orders = Number(process.env.RUN_RECORD_ORDERS ?? 1_000_000);

function orderAt(index: number, status: Order['status']): Order {
  const t = 1_700_000_000_000 + index * 10;
  return {
    id: `ord_${index.toString(36).padStart(11, '0')}`,
    client_order_id: `sma-${index.toString(36)}-0`,
    symbol: 'EURUSD',
    action: index % 2 ? 'sell' : 'buy',
    quantity: 10_000,
    filled_quantity: status === 'filled' ? 10_000 : 0,
    order_type: 'market',
    limit_price: null,
    stop_loss: null,
    take_profit: null,
    time_in_force: 'gtc',
    status,
    avg_fill_price: status === 'filled' ? 1.08421 : null,
    fills: [],
    created_at: t,
    updated_at: t,
    parent_order_id: null,
    trigger: null,
  };
}

function fillAt(index: number): RunFill {
  return {
    id: `fil_${index.toString(36).padStart(11, '0')}`,
    order_id: `ord_${index.toString(36).padStart(11, '0')}`,
    symbol: 'EURUSD',
    action: index % 2 ? 'sell' : 'buy',
    price: 1.08421,
    quantity: 10_000,
    fee: 0.54,
    realized_pnl: null,
    t: 1_700_000_000_000 + index * 10,
  };
}

export async function benchRunRecord(): Promise<BenchFigure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-run-record-'));
  const figures: BenchFigure[] = [];
  const record = (figure: BenchFigure) => {
    printFigure(figure);
    figures.push(figure);
  };
  try {
    const script = join(dir, 'strategy.py');
    writeFileSync(script, 'print("hello")\n');
    const recorder = await RunRecorder.create({
      runsDir: join(dir, 'runs'),
      kind: 'run',
      script,
      config: null,
      env: 'local',
      baseUrl: null,
      secrets: ['sk_bench_secret_value'],
    });
    const events = new RunEvents(recorder, () => {});
    const started = performance.now();
    for (let index = 0; index < orders; index++) {
      events.order('accepted', orderAt(index, 'open'));
      events.order('fill', orderAt(index, 'filled'));
      events.fill(fillAt(index));
      // Let the batched writes through, as the event loop would between stream messages.
      if (index % 5_000 === 0) await new Promise((done) => setImmediate(done));
    }
    await recorder.finish({ status: 'succeeded', orders: events.orders, fills: events.fills });
    const recorded = (performance.now() - started) / 1000;
    const eventsFile = join(recorder.dir, runFiles.events);
    const bytes = statSync(eventsFile).size;

    // Baseline: the same lines, stringified and appended synchronously in 5,000-line batches.
    const baselineFile = join(dir, 'baseline.ndjson');
    const baselineStarted = performance.now();
    let batch: string[] = [];
    for (let index = 0; index < orders; index++) {
      batch.push(
        JSON.stringify({ type: 'order', change: 'accepted', order: orderAt(index, 'open') }),
      );
      batch.push(
        JSON.stringify({ type: 'order', change: 'fill', order: orderAt(index, 'filled') }),
      );
      batch.push(JSON.stringify({ type: 'fill', fill: fillAt(index) }));
      if (batch.length >= 15_000) {
        appendFileSync(baselineFile, `${batch.join('\n')}\n`);
        batch = [];
      }
    }
    appendFileSync(baselineFile, `${batch.join('\n')}\n`);
    const baseline = (performance.now() - baselineStarted) / 1000;
    record({
      part: 'run-record',
      name: `${(orders * 3).toLocaleString('en-US')} run events recorded`,
      value: (orders * 3) / recorded,
      unit: 'events/s',
      target: { atLeast: 300 },
      ratio: baseline / recorded,
      baseline: 'JSON.stringify + appendFileSync in batches',
      note: `${(bytes / 1e6).toFixed(0)} MB events.ndjson in ${recorded.toFixed(1)} s (a day at 100 orders/s is 300 events/s)`,
    });

    global.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    const readStarted = performance.now();
    const trading = await readRunTrading(recorder.dir);
    const read = (performance.now() - readStarted) / 1000;
    const heapGrowth = process.memoryUsage().heapUsed - heapBefore;
    if (trading.orders.length !== 1_000 || trading.fills.length !== 1_000 || trading.skipped !== 0)
      throw new Error(`read back ${trading.orders.length} orders, ${trading.fills.length} fills`);
    record({
      part: 'run-record',
      name: 'readRunTrading over the whole events.ndjson',
      value: bytes / 1e6 / read,
      unit: 'MB/s',
      note: `${read.toFixed(1)} s; heap grew ${(heapGrowth / 1e6).toFixed(0)} MB for a ${(bytes / 1e6).toFixed(0)} MB file`,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return figures;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await benchRunRecord();
}
