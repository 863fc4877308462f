import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { OrderRequest } from '../../../api/orders';
import { resetAccount } from '../../../sandbox/engine/accounts';
import { cancelOrder, cancelOrders } from '../../../sandbox/engine/cancel';
import type { EngineEvent } from '../../../sandbox/engine/events';
import type { EngineFailure } from '../../../sandbox/engine/failures';
import { snapToStep } from '../../../sandbox/engine/grid';
import { isLive } from '../../../sandbox/engine/state';
import { placeOrder } from '../../../sandbox/engine/place-order';
import { deserializeEngineState, serializeEngineState } from '../../../sandbox/engine/snapshot';
import { advanceTime, onTick, symbolsNeedingTicks } from '../../../sandbox/engine/tick';
import { everyOrder, Harness, instruments } from './harness';
import { assertBooksBalance, assertReplayable, StatusWatcher } from './invariants';

const accounts = ['acc_a', 'acc_b', 'acc_c'] as const;
const symbols = ['EURUSD', 'USDJPY', 'UK100'] as const;
const steps = new Map(instruments.map((entry) => [entry.symbol, entry.quantity_step]));
const ticks = new Map(instruments.map((entry) => [entry.symbol, entry.tick_size]));
/** Starting mid prices in ticks: 1.1, 150, 7600. */
const startMid = { EURUSD: 110_000, USDJPY: 150_000, UK100: 15_200 };

const accountIndex = fc.integer({ min: 0, max: accounts.length - 1 });
const symbolIndex = fc.integer({ min: 0, max: symbols.length - 1 });

const command = fc.oneof(
  {
    weight: 15,
    arbitrary: fc.record({
      kind: fc.constant('place' as const),
      account: accountIndex,
      symbol: symbolIndex,
      buy: fc.boolean(),
      limitOffset: fc.option(fc.integer({ min: -30, max: 30 }), { freq: 1 }),
      lots: fc.oneof(
        { weight: 12, arbitrary: fc.integer({ min: 1, max: 40 }) },
        { weight: 1, arbitrary: fc.constantFrom(1500, 2500, 4000) },
      ),
      timeInForce: fc.constantFrom('gtc' as const, 'day' as const, 'ioc' as const),
      stopOffset: fc.option(fc.integer({ min: 5, max: 40 }), { freq: 2 }),
      targetOffset: fc.option(fc.integer({ min: 5, max: 40 }), { freq: 2 }),
      clientId: fc.option(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'), { freq: 1 }),
    }),
  },
  {
    weight: 18,
    arbitrary: fc.record({
      kind: fc.constant('tick' as const),
      symbol: symbolIndex,
      move: fc.integer({ min: -25, max: 25 }),
      spread: fc.integer({ min: 1, max: 4 }),
      bidLots: fc.double({ min: 0, max: 30, noNaN: true }),
      askLots: fc.double({ min: 0, max: 30, noNaN: true }),
      elapsed: fc.constantFrom(1, 1_000, 60_000, 3_600_000, 8 * 3_600_000),
    }),
  },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('cancel' as const),
      account: accountIndex,
      pick: fc.nat(),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('cancelMany' as const),
      account: accountIndex,
      symbol: fc.option(symbolIndex),
      picks: fc.array(fc.nat(), { minLength: 1, maxLength: 4 }),
      byIds: fc.boolean(),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('session' as const), symbol: symbolIndex }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('advance' as const),
      elapsed: fc.integer({ min: 1, max: 86_400_000 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('reset' as const), account: accountIndex }),
  },
);
type Command = typeof command extends fc.Arbitrary<infer C> ? C : never;

/** Set TALLY=1 to see which events the generated sequences reach. */
const tally = new Map<string, number>();
process.on('exit', () => {
  if (process.env.TALLY) console.log(Object.fromEntries(tally));
});

function record(
  engine: Harness,
  result: { ok: true; events: readonly EngineEvent[] } | EngineFailure,
) {
  if (result.ok) engine.record(result.events);
}

/** Runs one command the way the HTTP layer and the tick loop would. */
function run(engine: Harness, mids: Record<string, number>, step: Command): void {
  switch (step.kind) {
    case 'place': {
      const symbol = symbols[step.symbol] ?? 'EURUSD';
      const tick = ticks.get(symbol) ?? 1;
      const mid = mids[symbol] ?? 1;
      const entry = step.limitOffset === null ? mid : mid + step.limitOffset;
      const side = step.buy ? 1 : -1;
      const price = (offsetTicks: number | null) =>
        offsetTicks === null ? undefined : snapToStep((entry + offsetTicks) * tick, tick);
      const parsed = OrderRequest.safeParse({
        symbol,
        action: step.buy ? 'buy' : 'sell',
        quantity: snapToStep(step.lots * (steps.get(symbol) ?? 1), steps.get(symbol) ?? 1),
        order_type: step.limitOffset === null ? 'market' : 'limit',
        limit_price: price(step.limitOffset === null ? null : 0),
        stop_loss: price(step.stopOffset === null ? null : -side * step.stopOffset),
        take_profit: price(step.targetOffset === null ? null : side * step.targetOffset),
        time_in_force: step.timeInForce,
        client_order_id: step.clientId ?? undefined,
      });
      if (!parsed.success) return;
      const accountId = accounts[step.account] ?? 'acc_a';
      const result = placeOrder(engine.state, engine.market, {
        accountId,
        t: engine.now,
        request: parsed.data,
      });
      if (!result.ok) {
        assert.ok(['not_found', 'conflict', 'unprocessable'].includes(result.code));
        const reason = result.details.map((detail) => detail.reason ?? detail.path).join(',');
        tally.set(`refused:${reason}`, (tally.get(`refused:${reason}`) ?? 0) + 1);
        return;
      }
      assert.equal(
        result.order.id,
        result.events[0]?.type === 'order_accepted' ? result.events[0].order_id : '',
      );
      engine.record(result.events);
      assert.deepEqual(result.order.status, engine.order(result.order.id).status);
      assert.deepEqual(result.order.filled_quantity, engine.order(result.order.id).filled_quantity);
      return;
    }
    case 'tick': {
      const symbol = symbols[step.symbol] ?? 'EURUSD';
      const lot = steps.get(symbol) ?? 1;
      const tickSize = ticks.get(symbol) ?? 1;
      const mid = Math.max(10, (mids[symbol] ?? 1) + step.move);
      mids[symbol] = mid;
      engine.now += step.elapsed;
      const tick = engine.quote(symbol, {
        bid: snapToStep(mid * tickSize, tickSize),
        ask: snapToStep((mid + step.spread) * tickSize, tickSize),
        bidSize: step.bidLots * lot,
        askSize: step.askLots * lot,
      });
      engine.record(advanceTime(engine.state, engine.now));
      engine.record(onTick(engine.state, engine.market, { symbol, tick }));
      return;
    }
    case 'cancel': {
      const ids = everyOrder(engine.state).map((order) => order.id);
      const orderId = ids.length === 0 ? 'ord_none' : (ids[step.pick % ids.length] ?? '');
      const accountId = accounts[step.account] ?? 'acc_a';
      record(engine, cancelOrder(engine.state, { accountId, orderId, t: engine.now }));
      return;
    }
    case 'cancelMany': {
      const ids = everyOrder(engine.state).map((order) => order.id);
      const accountId = accounts[step.account] ?? 'acc_a';
      const request = step.byIds
        ? { ids: step.picks.map((pick) => ids[pick % Math.max(1, ids.length)] ?? 'ord_none') }
        : step.symbol === null
          ? { all: true as const }
          : { symbol: symbols[step.symbol] ?? 'EURUSD' };
      record(engine, cancelOrders(engine.state, { accountId, t: engine.now, request }));
      return;
    }
    case 'session': {
      const symbol = symbols[step.symbol] ?? 'EURUSD';
      if (!engine.market.closed.delete(symbol)) engine.market.closed.add(symbol);
      return;
    }
    case 'advance':
      engine.now += step.elapsed;
      engine.record(advanceTime(engine.state, engine.now));
      return;
    case 'reset':
      record(
        engine,
        resetAccount(engine.state, { accountId: accounts[step.account] ?? 'acc_a', t: engine.now }),
      );
      return;
    default:
      return step satisfies never;
  }
}

function runAll(commands: readonly Command[], snapshotAt = -1) {
  const engine = new Harness([...accounts]);
  const mids: Record<string, number> = { ...startMid };
  for (const symbol of symbols) {
    const tick = ticks.get(symbol) ?? 1;
    engine.quote(symbol, {
      bid: snapToStep(startMid[symbol] * tick, tick),
      ask: snapToStep((startMid[symbol] + 1) * tick, tick),
    });
  }
  const watcher = new StatusWatcher();
  commands.forEach((step, index) => {
    if (index === snapshotAt) {
      engine.state = deserializeEngineState(
        JSON.parse(JSON.stringify(serializeEngineState(engine.state))),
      );
    }
    run(engine, mids, step);
    watcher.check(engine.state);
  });
  return engine;
}

void describe('random command sequences', () => {
  void it('keep the books balanced and replay to the same state', () => {
    fc.assert(
      fc.property(fc.array(command, { minLength: 10, maxLength: 120 }), (commands) => {
        const engine = runAll(commands);
        for (const event of engine.journal) {
          const name =
            event.type === 'order_accepted' && event.parent_order_id !== null
              ? 'exit_accepted'
              : event.type === 'order_cancelled' || event.type === 'order_expired'
                ? `${event.type}:${event.reason}`
                : event.type;
          tally.set(name, (tally.get(name) ?? 0) + 1);
        }
        assertBooksBalance(engine.state, engine.journal, steps);
        assertReplayable(engine.state, engine.journal);
        const needing = everyOrder(engine.state)
          .filter((order) => isLive(order) || order.exit_state === 'armed')
          .map((order) => order.symbol);
        assert.deepEqual(
          [...symbolsNeedingTicks(engine.state)].sort(),
          [...new Set(needing)].sort(),
        );
      }),
      { numRuns: 200 },
    );
  });

  const protectedSell = {
    kind: 'place',
    account: 0,
    buy: false,
    limitOffset: null,
    lots: 1,
    timeInForce: 'gtc',
    stopOffset: null,
    targetOffset: 5,
    clientId: null,
  } as const;

  void it('are deterministic, and carry on identically from a snapshot', () => {
    fc.assert(
      fc.property(fc.array(command, { minLength: 1, maxLength: 60 }), fc.nat(), (commands, cut) => {
        const straight = runAll(commands);
        const restarted = runAll(commands, cut % commands.length);
        assert.deepEqual(restarted.journal, straight.journal);
        assert.deepEqual(
          serializeEngineState(restarted.state),
          serializeEngineState(straight.state),
        );
      }),
      {
        numRuns: 100,
        // Exits armed on a symbol, all disarmed by a reset, then armed on another symbol and on
        // the first again: the emptied symbol once kept its old place in the index's order.
        examples: [
          [
            [
              { ...protectedSell, symbol: 1 },
              { kind: 'reset', account: 0 },
              { ...protectedSell, symbol: 0 },
              { ...protectedSell, symbol: 1 },
              { kind: 'tick', symbol: 0, move: 0, spread: 1, bidLots: 0, askLots: 0, elapsed: 1 },
            ] as Command[],
            1168812707,
          ],
        ],
      },
    );
  });
});
