import { accountView, listFills, positions } from '../../engine/views';
import type { Sandbox } from '../../service/sandbox';
import type { HandlerContext, HandlerResult } from '../dispatch';
import { notFound } from '../errors';
import { decodeIdCursor, encodeCursor } from './cursor';

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
  const { ids } = sandbox.state.engine;
  const after =
    query.cursor === undefined
      ? undefined
      : decodeIdCursor(query.cursor, 'fills', (id) => ids.fillNumber(id));
  const page = listFills(sandbox.state.engine, accountIdOf(context), {
    limit: query.limit,
    ...(query.since !== undefined && { since: query.since }),
    ...(after !== undefined && { after }),
  });
  return {
    kind: 'json',
    status: 200,
    body: {
      fills: page.items,
      next_cursor: page.next === null ? null : encodeCursor('fills', ids.fillId(page.next)),
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
