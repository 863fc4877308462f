// Engine throughput: order placement, tick matching and journal replay, each against a bare loop
// doing the same arithmetic without the engine (the floor no event-sourced engine can beat).
import { pathToFileURL } from 'node:url';
import { Instrument } from '../api/market';
import type { OrderRequest } from '../api/orders';
import { openAccount } from '../sandbox/engine/accounts';
import { applyEvent, applyIdsKeyed } from '../sandbox/engine/apply';
import type { EngineEvent } from '../sandbox/engine/events';
import { idKeyBytes } from '../sandbox/engine/ids';
import type { BookTick, MarketView } from '../sandbox/engine/market-view';
import { placeOrder } from '../sandbox/engine/place-order';
import { deserializeEngineState, serializeEngineState } from '../sandbox/engine/snapshot';
import type { EngineState } from '../sandbox/engine/state';
import { createEngineState } from '../sandbox/engine/state';
import { onTick } from '../sandbox/engine/tick';

const eurusd = Instrument.parse({
  symbol: 'EURUSD',
  kind: 'forex',
  description: 'Euro / US dollar',
  quote_currency: 'USD',
  base: 'EUR',
  tick_size: 0.00001,
  min_quantity: 1000,
  quantity_step: 1000,
  margin_rate: 0.0333,
  commission_rate: 0.00002,
  trading_hours: {
    timezone: 'UTC',
    sessions: [{ open: 'Sun 22:00', close: 'Fri 22:00' }],
    description: 'Sunday 22:00 to Friday 22:00 UTC',
  },
});
const start = Date.UTC(2024, 2, 6, 12);

/** One symbol, one quote the benchmark moves by hand: market data costs next to nothing. */
class BenchMarket implements MarketView {
  current: BookTick = { t: start, bid: 1.1, ask: 1.10002, bidSize: 1e9, askSize: 1e9 };
  instrument(symbol: string) {
    return symbol === 'EURUSD' ? eurusd : undefined;
  }
  quote() {
    return this.current;
  }
  isOpen() {
    return true;
  }
  sessionClose(_symbol: string, t: number) {
    return t + 86_400_000;
  }
  usdPer() {
    return 1;
  }
}

/** A fresh state with ids keyed as a sandbox's are, so the ids made and read are keyed ones. */
function sandboxEngineState(): EngineState {
  const state = createEngineState();
  applyIdsKeyed(state, {
    type: 'ids_keyed',
    t: start,
    key: '5a'.repeat(idKeyBytes),
    orders_before: 0,
    fills_before: 0,
  });
  return state;
}

interface EventSink {
  push(event: EngineEvent): unknown;
}

interface Measure {
  readonly label: string;
  readonly items: number;
  readonly seconds: number;
  /** Process CPU time: steadier than wall time on a shared machine (includes GC threads). */
  readonly cpuSeconds: number;
}

function time(label: string, run: () => number): Measure {
  const cpu = process.cpuUsage();
  const begin = process.hrtime.bigint();
  const items = run();
  const seconds = Number(process.hrtime.bigint() - begin) / 1e9;
  const used = process.cpuUsage(cpu);
  return { label, items, seconds, cpuSeconds: (used.user + used.system) / 1e6 };
}

function print(measure: Measure, baseline?: Measure): void {
  const perSecond = measure.items / measure.seconds;
  const ratio = baseline
    ? `  ${(baseline.seconds / baseline.items / (measure.seconds / measure.items)).toFixed(2)}x baseline`
    : '';
  console.log(
    `${measure.label.padEnd(60)} ${(perSecond / 1e6).toFixed(3).padStart(7)} M/s  ${measure.items.toLocaleString('en-US').padStart(9)} in ${measure.seconds.toFixed(2)} s (cpu ${measure.cpuSeconds.toFixed(2)} s)${ratio}`,
  );
}

function openAccounts(state: EngineState, count: number, journal?: EventSink): string[] {
  const ids: string[] = [];
  for (let index = 0; index < count; index++) {
    const accountId = `acc_${index}`;
    const opened = openAccount(state, { accountId, t: start });
    if (!opened.ok) throw new Error(opened.message);
    for (const event of opened.events) {
      applyEvent(state, event);
      journal?.push(event);
    }
    ids.push(accountId);
  }
  return ids;
}

const buy: OrderRequest = {
  symbol: 'EURUSD',
  action: 'buy',
  quantity: 10_000,
  order_type: 'market',
  time_in_force: 'gtc',
};
const sell: OrderRequest = { ...buy, action: 'sell' };

/** Market orders across 100 accounts, alternately opening and closing, every event applied. */
function placeAndApply(commands: number, journal?: EventSink): number {
  const state = sandboxEngineState();
  const market = new BenchMarket();
  const accounts = openAccounts(state, 100, journal);
  for (let index = 0; index < commands; index++) {
    const accountId = accounts[index % 100] ?? 'acc_0';
    // A new tick every 100 orders, so each account meets fresh liquidity.
    if (index % 100 === 0) market.current = { ...market.current, t: start + index };
    const request = Math.floor(index / 100) % 2 === 0 ? buy : sell;
    const result = placeOrder(state, market, { accountId, t: start + index, request });
    if (!result.ok) throw new Error(result.message);
    for (const event of result.events) {
      applyEvent(state, event);
      journal?.push(event);
    }
  }
  return commands;
}

/** The same fills by hand: price, fee and netted position per account in flat arrays. */
function placeBaseline(commands: number): number {
  const quantity = new Float64Array(100);
  const avgPrice = new Float64Array(100);
  const balance = new Float64Array(100).fill(100_000);
  for (let index = 0; index < commands; index++) {
    const account = index % 100;
    const buying = Math.floor(index / 100) % 2 === 0;
    const price = buying ? 1.10002 : 1.1;
    const signed = buying ? 10_000 : -10_000;
    const fee = Math.round(0.00002 * 10_000 * price * 100) / 100;
    const before = quantity[account] ?? 0;
    const realized =
      before !== 0 && Math.sign(before) !== Math.sign(signed)
        ? Math.min(Math.abs(before), 10_000) *
          (price - (avgPrice[account] ?? 0)) *
          Math.sign(before)
        : 0;
    quantity[account] = before + signed;
    avgPrice[account] = price;
    balance[account] = Math.round(((balance[account] ?? 0) + realized - fee) * 100) / 100;
  }
  return commands;
}

/** 1,000 resting limit orders on EURUSD (10 accounts × 50 buys below and 50 sells above). */
function restingBook(): { state: EngineState; market: BenchMarket } {
  const state = sandboxEngineState();
  const market = new BenchMarket();
  const accounts = openAccounts(state, 10);
  for (const accountId of accounts) {
    for (let level = 1; level <= 50; level++) {
      for (const [action, price] of [
        ['buy', 1.1 - level * 0.0001],
        ['sell', 1.10002 + level * 0.0001],
      ] as const) {
        const result = placeOrder(state, market, {
          accountId,
          t: start,
          request: {
            ...buy,
            action,
            order_type: 'limit',
            limit_price: Math.round(price * 1e5) / 1e5,
          },
        });
        if (!result.ok) throw new Error(result.message);
        for (const event of result.events) applyEvent(state, event);
      }
    }
  }
  return { state, market };
}

function ticksThroughBook(count: number): number {
  const { state, market } = restingBook();
  const tick: BookTick = { t: start, bid: 1.1, ask: 1.10002, bidSize: 1e6, askSize: 1e6 };
  for (let index = 0; index < count; index++) {
    // Wanders inside the spread of the resting book: every order is looked at, none fills.
    tick.t = start + index;
    const wiggle = (index % 7) * 0.00001;
    tick.bid = 1.1 + wiggle;
    tick.ask = 1.10002 + wiggle;
    const events = onTick(state, market, { symbol: 'EURUSD', tick });
    if (events.length > 0) throw new Error('the benchmark book should not trade');
  }
  return count;
}

function ticksBaseline(count: number): number {
  const limits = new Float64Array(1000);
  const buys = new Uint8Array(1000);
  for (let index = 0; index < 1000; index++) {
    const level = (index % 50) + 1;
    buys[index] = index % 2 === 0 ? 1 : 0;
    limits[index] = buys[index] === 1 ? 1.1 - level * 0.0001 : 1.10002 + level * 0.0001;
  }
  let crossed = 0;
  for (let index = 0; index < count; index++) {
    const wiggle = (index % 7) * 0.00001;
    const bid = 1.1 + wiggle;
    const ask = 1.10002 + wiggle;
    for (let order = 0; order < 1000; order++) {
      const limit = limits[order] ?? 0;
      if (buys[order] === 1 ? ask <= limit : bid >= limit) crossed++;
    }
  }
  if (crossed > 0) throw new Error('the baseline book should not trade');
  return count;
}

/** A backtest bar: one position with an armed stop and target that the bar does not reach. */
function barsWithArmedExit(count: number): number {
  const state = sandboxEngineState();
  const market = new BenchMarket();
  openAccounts(state, 1);
  const placed = placeOrder(state, market, {
    accountId: 'acc_0',
    t: start,
    request: { ...buy, stop_loss: 1.09, take_profit: 1.12 },
  });
  if (!placed.ok) throw new Error(placed.message);
  for (const event of placed.events) applyEvent(state, event);
  const tick: BookTick = { t: start, bid: 1.1, ask: 1.10002, bidSize: 1e6, askSize: 1e6 };
  for (let index = 0; index < count; index++) {
    tick.t = start + index;
    tick.bid = 1.1 + (index % 13) * 0.00001;
    if (onTick(state, market, { symbol: 'EURUSD', tick }).length > 0) throw new Error('no exit');
  }
  return count;
}

/**
 * A journal as the store keeps it: one JSON line per event, held outside the JS heap (as a file
 * read in chunks would be) so that holding it does not burden the garbage collector.
 */
function journalOf(events: number): Buffer[] {
  const chunks: Buffer[] = [];
  let pending: string[] = [];
  const sink = {
    push: (event: EngineEvent) => {
      pending.push(JSON.stringify(event));
      if (pending.length === 10_000) {
        chunks.push(Buffer.from(pending.join('\n') + '\n'));
        pending = [];
      }
    },
  };
  placeAndApply(Math.ceil((events - 100) / 2), sink);
  if (pending.length > 0) chunks.push(Buffer.from(pending.join('\n') + '\n'));
  return chunks;
}

function* linesOf(journal: readonly Buffer[]): Generator<string[]> {
  for (const chunk of journal) yield chunk.toString('utf8').split('\n').slice(0, -1);
}

/** Restart: every line parsed and applied to a fresh state, as the store will do it. */
function restart(journal: readonly Buffer[]): number {
  const state = sandboxEngineState();
  let count = 0;
  for (const lines of linesOf(journal)) {
    for (const line of lines) applyEvent(state, JSON.parse(line) as EngineEvent);
    count += lines.length;
  }
  return count;
}

/** The same lines parsed and folded by hand: balances and positions only, no orders or indexes. */
function restartBaseline(journal: readonly Buffer[]): number {
  const balances = new Map<string, number>();
  const positions = new Map<string, number>();
  let count = 0;
  for (const lines of linesOf(journal)) {
    for (const line of lines) {
      const event = JSON.parse(line) as EngineEvent;
      if (event.type === 'order_filled') {
        const balance = (balances.get(event.account_id) ?? 0) + event.realized_pnl - event.fee;
        balances.set(event.account_id, Math.round(balance * 100) / 100);
        positions.set(event.account_id, event.position_quantity);
      } else if (event.type === 'account_opened') {
        balances.set(event.account_id, event.balance);
      }
    }
    count += lines.length;
  }
  return count;
}

/** applyEvent alone: each chunk is parsed untimed, so only applying is measured. */
function applyOnly(journal: readonly Buffer[]): Measure {
  const state = sandboxEngineState();
  let nanoseconds = 0n;
  let cpuMicros = 0;
  let count = 0;
  for (const lines of linesOf(journal)) {
    const events = lines.map((line) => JSON.parse(line) as EngineEvent);
    const cpu = process.cpuUsage();
    const begin = process.hrtime.bigint();
    for (const event of events) applyEvent(state, event);
    nanoseconds += process.hrtime.bigint() - begin;
    const used = process.cpuUsage(cpu);
    cpuMicros += used.user + used.system;
    count += events.length;
  }
  return {
    label: '  of which applyEvent alone',
    items: count,
    seconds: Number(nanoseconds) / 1e9,
    cpuSeconds: cpuMicros / 1e6,
  };
}

function snapshotOf(journal: readonly Buffer[]): string {
  const state = sandboxEngineState();
  for (const lines of linesOf(journal)) {
    for (const line of lines) applyEvent(state, JSON.parse(line) as EngineEvent);
  }
  return JSON.stringify(serializeEngineState(state));
}

export async function benchEngine(): Promise<void> {
  console.log('sandbox/engine');
  // Warm both sides up so the JIT has compiled what it measures.
  placeAndApply(20_000);
  placeBaseline(20_000);
  print(
    time('placeOrder + applyEvent, market, 100 accounts', () => placeAndApply(200_000)),
    time('  baseline: same fills in flat arrays', () => placeBaseline(200_000)),
  );

  ticksThroughBook(2_000);
  ticksBaseline(2_000);
  const bookTicks = time('onTick, 1,000 resting limits on the symbol, no fill', () =>
    ticksThroughBook(50_000),
  );
  const bookBaseline = time('  baseline: 1,000 limit comparisons per tick', () =>
    ticksBaseline(50_000),
  );
  print(bookTicks, bookBaseline);
  print(
    time('onTick, one position with armed exits (a backtest bar)', () =>
      barsWithArmedExit(5_000_000),
    ),
  );

  const journal = journalOf(1_000_000);
  const events = journal.reduce(
    (count, chunk) => count + chunk.toString('latin1').split('\n').length - 1,
    0,
  );
  restart(journal.slice(0, 10));
  restartBaseline(journal.slice(0, 10));
  print(
    time(`restart: JSON.parse + applyEvent, ${events.toLocaleString('en-US')} events`, () =>
      restart(journal),
    ),
    time('  baseline: JSON.parse + fold balances by hand', () => restartBaseline(journal)),
  );
  print(applyOnly(journal));
  const snapshot = snapshotOf(journal);
  print(
    time(
      `restart from a snapshot of that state (${(snapshot.length / 1e6).toFixed(0)} MB JSON)`,
      () => {
        deserializeEngineState(JSON.parse(snapshot));
        return events;
      },
    ),
  );
  await Promise.resolve();
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await benchEngine();
}
