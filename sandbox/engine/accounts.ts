import { accountCurrency, startingBalance } from '../../api/admin';
import { Decision } from './decision';
import type { AccountOpenedEvent, EngineEvent } from './events';
import type { EngineFailure } from './failures';
import { conflict, notFound } from './failures';
import type { EngineState } from './state';

export interface AccountCommand {
  accountId: string;
  t: number;
}

export type OpenAccountResult = { ok: true; events: readonly EngineEvent[] } | EngineFailure;

/** A paper account with the starting balance in USD; a conflict if the id is taken. */
export function openAccount(state: EngineState, command: AccountCommand): OpenAccountResult {
  if (state.accounts.has(command.accountId)) {
    return conflict(`Account ${command.accountId} already exists.`);
  }
  const opened: AccountOpenedEvent = {
    type: 'account_opened',
    account_id: command.accountId,
    seq: 1,
    t: command.t,
    currency: accountCurrency,
    balance: startingBalance,
  };
  return { ok: true, events: [opened] };
}

export type ResetAccountResult =
  { ok: true; events: readonly EngineEvent[]; cancelledOrders: number } | EngineFailure;

/**
 * Decides `POST /sandbox/reset`: every live order is cancelled (visible on the stream), then one
 * `account_reset` clears positions and exits and restores the starting balance. Order and fill
 * history stay readable; client_order_ids may be used again.
 */
export function resetAccount(state: EngineState, command: AccountCommand): ResetAccountResult {
  const account = state.accounts.get(command.accountId);
  if (account === undefined) return notFound(`No account ${command.accountId}.`);
  const decision = new Decision(state, command.t);
  const draft = decision.account(account);
  for (const order of account.live_orders) decision.cancel(draft, decision.order(order), 'reset');
  const cancelledOrders = decision.events.length;
  decision.resetAccount(draft, accountCurrency, startingBalance);
  return { ok: true, events: decision.events, cancelledOrders };
}
