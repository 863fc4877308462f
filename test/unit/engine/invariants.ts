import assert from 'node:assert/strict';
import { startingBalance } from '../../../api/admin';
import type { OrderStatus } from '../../../api/orders';
import { applyEvent } from '../../../sandbox/engine/apply';
import type { EngineEvent } from '../../../sandbox/engine/events';
import { snapToStep } from '../../../sandbox/engine/grid';
import { deserializeEngineState, serializeEngineState } from '../../../sandbox/engine/snapshot';
import type { EngineState } from '../../../sandbox/engine/state';
import { isLive } from '../../../sandbox/engine/state';
import { assertBinaryRoundTrip } from '../store/engine-image';
import { everyOrder, keyedEngineState } from './harness';

const nextStatuses: Record<OrderStatus, readonly OrderStatus[]> = {
  open: ['open', 'partially_filled', 'filled', 'cancelled', 'expired', 'rejected'],
  partially_filled: ['partially_filled', 'filled', 'cancelled', 'expired', 'rejected'],
  filled: ['filled'],
  cancelled: ['cancelled'],
  expired: ['expired'],
  rejected: ['rejected'],
};

/** Remembers each order's status between checks, to see that statuses only move forward. */
export class StatusWatcher {
  private readonly seen = new Map<string, OrderStatus>();

  check(state: EngineState): void {
    for (const order of everyOrder(state)) {
      const before = this.seen.get(order.id) ?? 'open';
      assert.ok(
        nextStatuses[before].includes(order.status),
        `order ${order.id} went from ${before} to ${order.status}`,
      );
      this.seen.set(order.id, order.status);
    }
  }
}

/** Rebuilding from the journal, and from a snapshot, gives the same state. */
export function assertReplayable(state: EngineState, journal: readonly EngineEvent[]): void {
  const expected = serializeEngineState(state);
  const replayed = keyedEngineState();
  for (const event of journal)
    applyEvent(replayed, JSON.parse(JSON.stringify(event)) as EngineEvent);
  assert.deepEqual(serializeEngineState(replayed), expected, 'replay differs from the live state');
  const restored = deserializeEngineState(JSON.parse(JSON.stringify(expected)));
  assert.deepEqual(serializeEngineState(restored), expected, 'snapshot round trip differs');
  assertIndexes(restored);
  assertBinaryRoundTrip(state);
}

/** The accounting the journal implies matches the state, account by account. */
export function assertBooksBalance(
  state: EngineState,
  journal: readonly EngineEvent[],
  steps: ReadonlyMap<string, number>,
): void {
  const seqs = new Map<string, number>();
  const money = new Map<string, number>();
  const positions = new Map<string, number>();
  const exitOrders = new Set<string>();
  for (const event of journal) {
    const last = seqs.get(event.account_id) ?? 0;
    assert.equal(event.seq, last + 1, `seq gap for ${event.account_id}`);
    seqs.set(event.account_id, event.seq);
    switch (event.type) {
      case 'account_opened':
      case 'account_reset':
        money.set(event.account_id, event.balance);
        for (const key of positions.keys()) {
          if (key.startsWith(`${event.account_id}/`)) positions.delete(key);
        }
        break;
      case 'order_accepted':
        if (event.parent_order_id !== null) exitOrders.add(event.order_id);
        break;
      case 'order_filled': {
        money.set(
          event.account_id,
          (money.get(event.account_id) ?? 0) + event.realized_pnl - event.fee,
        );
        const key = `${event.account_id}/${event.symbol}`;
        const before = positions.get(key) ?? 0;
        const signed = event.action === 'buy' ? event.quantity : -event.quantity;
        const after = snapToStep(before + signed, steps.get(event.symbol) ?? 1);
        assert.equal(event.position_quantity, after, `position of ${key} is not Σ signed fills`);
        if (exitOrders.has(event.order_id)) {
          assert.ok(before * after >= 0, `exit ${event.order_id} flipped ${key}`);
        }
        positions.set(key, after);
        break;
      }
      case 'order_cancelled':
      case 'order_expired':
      case 'order_rejected':
        break;
      default:
        assert.fail(`unexpected event ${JSON.stringify(event satisfies never)}`);
    }
  }
  for (const account of state.accounts.values()) {
    assert.equal(account.seq, seqs.get(account.account_id));
    const expected = money.get(account.account_id) ?? startingBalance;
    assert.ok(
      Math.abs(account.balance - expected) < 1e-6,
      `balance ${account.balance} of ${account.account_id} is not start + Σrealized − Σfees = ${expected}`,
    );
    for (const [symbol, position] of account.positions) {
      assert.equal(position.quantity, positions.get(`${account.account_id}/${symbol}`));
    }
  }
  for (const order of everyOrder(state)) {
    assert.ok(order.filled_quantity <= order.quantity, `order ${order.id} overfilled`);
    const filled = order.fills.reduce((sum, fill) => sum + fill.quantity, 0);
    assert.equal(order.filled_quantity, snapToStep(filled, order.quantity_step));
    assert.equal(order.status === 'filled', order.filled_quantity === order.quantity);
  }
  assertIndexes(state);
}

/** The indexes hold exactly the live orders and armed exits. */
export function assertIndexes(state: EngineState): void {
  const orders = everyOrder(state);
  const live = orders.filter(isLive);
  const indexed = [...state.live_by_symbol.values()].flatMap((orders) => [...orders]);
  assert.deepEqual(indexed.map((order) => order.id).sort(), live.map((order) => order.id).sort());
  const armed = orders.filter((order) => order.exit_state === 'armed');
  const armedIndexed = [...state.armed_exits_by_symbol.values()].flatMap((orders) => [...orders]);
  assert.equal(armedIndexed.length, armed.length);
  for (const account of state.accounts.values()) {
    for (const order of account.live_orders) assert.ok(isLive(order));
  }
}
