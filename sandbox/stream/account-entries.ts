// What the `orders` and `account` channels say about one engine event, rendered once (the JSON
// text every subscriber of the account receives), with the channel's sequence number.
//
// Sequence numbers. API.md: "seq rises by one per channel and connection-independent for
// orders/account". The engine numbers every event of an account (`seq`, journaled), but that
// count mixes both channels. Each channel gets its own count instead, a pure function of the
// account's state right after the event, so any process that applies the same journal (the live
// sandbox, a restarted one, or a rebuild from the store for a resume) numbers alike:
//   - orders:  one message per order event (accepted, fill or partial fill, cancelled, expired,
//              rejected), so its seq = orders accepted + fills + orders ended without filling.
//   - account: one `update` per event that changes the account (opened, a fill, a reset), so
//              its seq = engine seq − orders seq + fills. (An engine event is either an order
//              event or account-level; a fill is both, which is why fills are added back.)
// Both rise by exactly one per message of their channel, survive restarts, and never depend
// on which connection asks.
import type { Account } from '../../api/account';
import type { EngineEvent } from '../engine/events';
import type { MarketView } from '../engine/market-view';
import { orderUpdateFor } from '../engine/order-updates';
import type { AccountRecord, EngineState } from '../engine/state';
import { accountView } from '../engine/views';

export type AccountChannel = 'orders' | 'account';

export interface FeedEntry {
  channel: AccountChannel;
  seq: number;
  /** The account's engine seq of the event it came from. */
  engineSeq: number;
  /** The order's symbol (orders channel), so a subscription can filter by symbol. */
  symbol: string | null;
  /** The whole server message, serialised once. */
  text: string;
}

export interface ChannelSeqs {
  orders: number;
  account: number;
}

function endsOrderUnfilled(event: EngineEvent): boolean {
  return (
    event.type === 'order_cancelled' ||
    event.type === 'order_expired' ||
    event.type === 'order_rejected'
  );
}

/**
 * Per-account counts of orders that ended without filling, kept up to date from the events
 * applied after it first looked at an account (it scans the account's orders once, then counts).
 */
export class ChannelCounter {
  private readonly unfilledEnds = new Map<string, number>();

  /** The channels' seqs of an account now; call `afterEvent` instead for each applied event. */
  current(state: EngineState, accountId: string): ChannelSeqs {
    const account = state.accounts.get(accountId);
    if (account === undefined) return { orders: 0, account: 0 };
    const ends = this.unfilledEnds.get(accountId) ?? countUnfilledEnds(state, account);
    this.unfilledEnds.set(accountId, ends);
    return seqsOf(account, ends);
  }

  /** Keeps count through an event that is not rendered (an account nobody streams). */
  skip(event: EngineEvent): void {
    const ends = this.unfilledEnds.get(event.account_id);
    if (ends !== undefined && endsOrderUnfilled(event))
      this.unfilledEnds.set(event.account_id, ends + 1);
  }

  /** The channels' seqs right after `event` was applied to `state` (call once per event). */
  afterEvent(state: EngineState, account: AccountRecord, event: EngineEvent): ChannelSeqs {
    let ends = this.unfilledEnds.get(account.account_id);
    // A first look scans the state, which already shows this event.
    if (ends === undefined) ends = countUnfilledEnds(state, account);
    else if (endsOrderUnfilled(event)) ends++;
    this.unfilledEnds.set(account.account_id, ends);
    return seqsOf(account, ends);
  }
}

function seqsOf(account: AccountRecord, unfilledEnds: number): ChannelSeqs {
  const orders = account.order_numbers.length + account.fill_numbers.length + unfilledEnds;
  return { orders, account: account.seq - orders + account.fill_numbers.length };
}

function countUnfilledEnds(state: EngineState, account: AccountRecord): number {
  let count = 0;
  for (const number of account.order_numbers) {
    const status = state.hot_orders.get(number)?.status ?? state.archive.statusOf(number);
    if (status === 'cancelled' || status === 'expired' || status === 'rejected') count++;
  }
  return count;
}

/**
 * The entries one applied event makes, read from the state at that moment (later events would
 * show through): an `orders` message for order events, an `account` update for events that
 * change the account.
 */
export function entriesFor(
  state: EngineState,
  market: MarketView,
  counter: ChannelCounter,
  event: EngineEvent,
): FeedEntry[] {
  const account = state.accounts.get(event.account_id);
  if (account === undefined) return [];
  const seqs = counter.afterEvent(state, account, event);
  const entries: FeedEntry[] = [];
  const update = orderUpdateFor(state, event);
  if (update !== undefined) {
    const data =
      update.fill === undefined
        ? { order: update.order }
        : { order: update.order, fill: update.fill };
    const message = { channel: 'orders', type: update.type, seq: seqs.orders, t: event.t, data };
    entries.push({
      channel: 'orders',
      seq: seqs.orders,
      engineSeq: event.seq,
      symbol: update.order.symbol,
      text: JSON.stringify(message),
    });
  }
  if (changesAccount(event)) {
    const view: Account | undefined = accountView(state, market, event.account_id, event.t);
    if (view !== undefined) {
      entries.push({
        channel: 'account',
        seq: seqs.account,
        engineSeq: event.seq,
        symbol: null,
        text: JSON.stringify({
          channel: 'account',
          type: 'update',
          seq: seqs.account,
          t: event.t,
          data: view,
        }),
      });
    }
  }
  return entries;
}

function changesAccount(event: EngineEvent): boolean {
  return (
    event.type === 'account_opened' ||
    event.type === 'order_filled' ||
    event.type === 'account_reset'
  );
}
