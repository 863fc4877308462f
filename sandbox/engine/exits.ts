import type { AccountDraft } from './decision';
import type { ExitTrigger } from './events';
import { floorToStep } from './grid';
import type { MatchContext } from './matching';
import { tryFill } from './matching';
import type { OrderRecord } from './state';

/**
 * Which exit of an entry the tick reaches, judged at the price the exit would trade at: the bid
 * for a long (a buy entry), the ask for a short.
 */
export function exitTriggerAt(entry: OrderRecord, bid: number, ask: number): ExitTrigger | null {
  if (entry.action === 'buy') {
    if (entry.stop_loss !== null && bid <= entry.stop_loss) return 'stop_loss';
    if (entry.take_profit !== null && bid >= entry.take_profit) return 'take_profit';
  } else {
    if (entry.stop_loss !== null && ask >= entry.stop_loss) return 'stop_loss';
    if (entry.take_profit !== null && ask <= entry.take_profit) return 'take_profit';
  }
  return null;
}

/**
 * Fires an entry's exit: a market order against the entry for what it filled, capped so that it
 * and the exits already working never close more than the position holds. Firing ends the trade,
 * so the entry's unfilled remainder is cancelled; applying the exit's acceptance disarms the
 * entry's other exit.
 */
export function fireExit(context: MatchContext, entry: OrderRecord, trigger: ExitTrigger): void {
  const { decision } = context;
  const account = decision.account(decision.state.accounts.get(entry.account_id) ?? fail(entry));
  const entryDraft = decision.order(entry);
  const exitAction = entry.action === 'buy' ? 'sell' : 'buy';
  const position = decision.position(account, entry.symbol).quantity;
  const open = entry.action === 'buy' ? Math.max(0, position) : Math.max(0, -position);
  const quantity = floorToStep(
    Math.min(entryDraft.filled_quantity, open - workingExits(context, account, entry, exitAction)),
    entry.quantity_step,
  );
  if (quantity <= 0) return;
  const exit = decision.accept(account, {
    client_order_id: null,
    symbol: entry.symbol,
    action: exitAction,
    quantity,
    order_type: 'market',
    limit_price: null,
    stop_loss: null,
    take_profit: null,
    // An exit must get out: whatever the tick cannot fill waits for the next ticks.
    time_in_force: 'gtc',
    parent_order_id: entry.id,
    trigger,
    expires_at: null,
    tick_size: entry.tick_size,
    quantity_step: entry.quantity_step,
  });
  if (entryDraft.live) decision.cancel(account, entryDraft, 'exit_triggered');
  tryFill(context, account, exit);
}

/** Unfilled quantity of the account's live exits on the symbol that close in `exitAction`. */
function workingExits(
  context: MatchContext,
  account: AccountDraft,
  entry: OrderRecord,
  exitAction: 'buy' | 'sell',
): number {
  const { decision } = context;
  let working = 0;
  const accountId = account.record.account_id;
  for (const order of decision.state.live_by_symbol.get(entry.symbol) ?? []) {
    if (order.account_id !== accountId || order.parent_order_id === null) continue;
    if (order.action !== exitAction) continue;
    const draft = decision.peekOrder(order);
    if (draft.live) working += draft.quantity - draft.filled_quantity;
  }
  for (const order of decision.newOrders) {
    if (order.account_id !== accountId || order.parent_order_id === null) continue;
    if (order.symbol !== entry.symbol || order.action !== exitAction || !order.live) continue;
    working += order.quantity - order.filled_quantity;
  }
  return working;
}

function fail(entry: OrderRecord): never {
  throw new Error(`Order ${entry.id} belongs to unknown account ${entry.account_id}`);
}
