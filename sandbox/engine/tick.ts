import { Decision } from './decision';
import type { EngineEvent } from './events';
import { exitTriggerAt, fireExit } from './exits';
import type { BookTick, MarketView } from './market-view';
import type { MatchContext } from './matching';
import { crosses, tryFill } from './matching';
import type { EngineState } from './state';

export interface TickCommand {
  symbol: string;
  tick: BookTick;
}

const noEvents: readonly EngineEvent[] = Object.freeze([]);

/**
 * Decides what one new tick of a symbol does, for every account: `day` orders whose session has
 * closed expire, resting orders that the tick reaches fill (oldest first; each account
 * shares the tick's liquidity among its own orders only), then armed exits that the tick reaches
 * fire. A symbol with nothing live returns at once, and orders the tick does not reach cost one
 * comparison, so the caller may call this for every tick.
 */
export function onTick(
  state: EngineState,
  market: MarketView,
  command: TickCommand,
): readonly EngineEvent[] {
  const { symbol, tick } = command;
  const live = nonEmpty(state.live_by_symbol.get(symbol));
  const armed = nonEmpty(state.armed_exits_by_symbol.get(symbol));
  if (live === undefined && armed === undefined) return noEvents;

  // Market data is read only once something needs it, keeping ticks that change nothing cheap.
  // (No closures here: under tsx every call would pay for naming one.)
  let decision: Decision | undefined;
  let context: MatchContext | null | undefined;
  if (live !== undefined) {
    for (const order of live) {
      if (order.expires_at !== null && tick.t >= order.expires_at) {
        decision ??= new Decision(state, tick.t);
        const draft = decision.order(order);
        const account = decision.account(accountOf(state, order.account_id));
        if (draft.live) decision.expire(account, draft, 'session_closed');
        continue;
      }
      // Ticks up to the order's acceptance were already priced by it; a late caller must not replay them.
      if (tick.t <= order.created_at || !crosses(order, tick)) continue;
      decision ??= new Decision(state, tick.t);
      if (context === undefined) context = matchContext(decision, market, command);
      if (context === null) continue; // closed: it rests, but later day orders may still expire
      const account = decision.account(accountOf(state, order.account_id));
      tryFill(context, account, decision.order(order));
    }
  }
  if (armed !== undefined) {
    for (const entry of armed) {
      // Likewise, exits watch only ticks after the fill that armed them.
      if (tick.t <= entry.updated_at) continue;
      const trigger = exitTriggerAt(entry, tick.bid, tick.ask);
      if (trigger === null) continue;
      decision ??= new Decision(state, tick.t);
      if (context === undefined) context = matchContext(decision, market, command);
      if (context === null) break;
      fireExit(context, entry, trigger);
    }
  }
  return decision?.events ?? noEvents;
}

/** Null when the symbol cannot trade now (closed, or unknown to the market). */
function matchContext(
  decision: Decision,
  market: MarketView,
  { symbol, tick }: TickCommand,
): MatchContext | null {
  const instrument = market.instrument(symbol);
  return instrument !== undefined && market.isOpen(symbol, tick.t)
    ? { decision, market, instrument, tick }
    : null;
}

/**
 * Expires `day` orders whose session closed by t, for when no tick comes to do it (the market is
 * closed). Cheap when no expiry is due.
 */
export function advanceTime(state: EngineState, t: number): readonly EngineEvent[] {
  if (t < state.next_day_expiry) return noEvents;
  const decision = new Decision(state, t);
  for (const order of state.day_orders) {
    if (order.expires_at !== null && order.expires_at <= t) {
      decision.expire(
        decision.account(accountOf(state, order.account_id)),
        decision.order(order),
        'session_closed',
      );
    }
  }
  return decision.events;
}

/** Symbols the caller must feed to `onTick`: those with live orders or armed exits. */
export function symbolsNeedingTicks(state: EngineState): ReadonlySet<string> {
  const symbols = new Set<string>();
  for (const index of [state.live_by_symbol, state.armed_exits_by_symbol]) {
    for (const [symbol, orders] of index) if (orders.size > 0) symbols.add(symbol);
  }
  return symbols;
}

function nonEmpty<T>(set: ReadonlySet<T> | undefined): ReadonlySet<T> | undefined {
  return set !== undefined && set.size > 0 ? set : undefined;
}

function accountOf(state: EngineState, accountId: string) {
  const account = state.accounts.get(accountId);
  if (account === undefined) throw new Error(`Order of unknown account ${accountId}`);
  return account;
}
