import { accountView, listFills, positions } from '../../engine/views';
import type { Sandbox } from '../../service/sandbox';
import type { HandlerContext, HandlerResult } from '../dispatch';
import { notFound } from '../errors';
import { decodeCursor, encodeCursor } from './cursor';

function accountIdOf(context: HandlerContext): string {
  if (!context.caller) throw new Error('bearer route reached without a caller');
  return context.caller.accountId;
}

export function getAccount(sandbox: Sandbox, context: HandlerContext<'getAccount'>): HandlerResult {
  const account = accountView(
    sandbox.state.engine,
    sandbox.market,
    accountIdOf(context),
    sandbox.clock.now(),
  );
  if (!account) throw notFound('the account behind this key no longer exists');
  return { kind: 'json', status: 200, body: account };
}

export function getPositions(
  sandbox: Sandbox,
  context: HandlerContext<'getPositions'>,
): HandlerResult {
  const { symbols } = context.query;
  const list = positions(
    sandbox.state.engine,
    sandbox.market,
    accountIdOf(context),
    sandbox.clock.now(),
    symbols,
  );
  return { kind: 'json', status: 200, body: { positions: list } };
}

export function listFillsHandler(
  sandbox: Sandbox,
  context: HandlerContext<'listFills'>,
): HandlerResult {
  const query = context.query;
  const afterId =
    query.cursor === undefined ? undefined : decodeCursor(query.cursor, 'fills').after;
  const page = listFills(sandbox.state.engine, accountIdOf(context), {
    limit: query.limit,
    ...(query.since !== undefined && { since: query.since }),
    ...(afterId !== undefined && { afterId: String(afterId) }),
  });
  return {
    kind: 'json',
    status: 200,
    body: {
      fills: page.items,
      next_cursor: page.nextCursor === null ? null : encodeCursor('fills', page.nextCursor),
    },
  };
}

export async function resetAccountHandler(
  sandbox: Sandbox,
  context: HandlerContext<'resetAccount'>,
): Promise<HandlerResult> {
  const accountId = accountIdOf(context);
  const { cancelled } = await sandbox.resetAccount(accountId, sandbox.clock.now());
  const account = sandbox.state.engine.accounts.get(accountId);
  return {
    kind: 'json',
    status: 200,
    body: { account_id: accountId, balance: account?.balance ?? 0, cancelled_orders: cancelled },
  };
}
