import { IdempotencyKey, toCancelResult } from '../../../api/orders';
import { getOrder, listOrders } from '../../engine/views';
import type { Sandbox } from '../../service/sandbox';
import type { Caller, HandlerContext, HandlerResult } from '../dispatch';
import { ApiError, invalidRequest, notFound } from '../errors';
import type { RateLimiter } from '../rate-limit';
import { decodeIdCursor, encodeCursor } from './cursor';

function callerOf(context: HandlerContext): Caller {
  if (!context.caller) throw new Error('bearer route reached without a caller');
  return context.caller;
}

export async function placeOrder(
  sandbox: Sandbox,
  orderLimiter: RateLimiter,
  context: HandlerContext<'placeOrder'>,
): Promise<HandlerResult> {
  const caller = callerOf(context);
  const key = context.request.idempotencyKey;
  if (key !== undefined && !IdempotencyKey.safeParse(key).success) {
    throw invalidRequest('the Idempotency-Key header must be 1 to 64 characters', [
      { path: 'Idempotency-Key', message: 'must be 1 to 64 characters' },
    ]);
  }
  if (key !== undefined) {
    const replay = await sandbox.idempotentReplay(
      caller.accountId,
      key,
      context.request.body,
      sandbox.clock.now(),
    );
    if (replay)
      return {
        kind: 'text',
        status: replay.status,
        text: replay.body,
        headers: { 'Idempotent-Replayed': 'true' },
      };
  }
  const window = orderLimiter.take(caller.accountId, context.now);
  if (!window.allowed) {
    const retryAfter = Math.max(1, Math.ceil((window.reset - context.now) / 1000));
    throw new ApiError(
      'rate_limited',
      `this account has placed ${window.limit} orders this second; retry after ${retryAfter} s`,
      [],
      {
        // The limit that refused, not the key's (which still has room), so clients back off.
        headers: {
          'Retry-After': String(retryAfter),
          'X-RateLimit-Limit': String(window.limit),
          'X-RateLimit-Remaining': String(window.remaining),
          'X-RateLimit-Reset': String(window.reset),
        },
      },
    );
  }
  const answer = await sandbox.placeOrder(
    caller.accountId,
    context.body,
    key === undefined ? undefined : { key, body: context.request.body },
    context.request.requestId,
    sandbox.clock.now(),
  );
  return { kind: 'text', status: answer.status, text: answer.body };
}

export function listOrdersHandler(
  sandbox: Sandbox,
  context: HandlerContext<'listOrders'>,
): HandlerResult {
  const query = context.query;
  const { ids } = sandbox.state.engine;
  const after =
    query.cursor === undefined
      ? undefined
      : decodeIdCursor(query.cursor, 'orders', (id) => ids.orderNumber(id));
  const page = listOrders(sandbox.state.engine, callerOf(context).accountId, {
    status: query.status,
    limit: query.limit,
    ...(query.symbol !== undefined && { symbol: query.symbol }),
    ...(after !== undefined && { after }),
  });
  return {
    kind: 'json',
    status: 200,
    body: {
      orders: page.items,
      next_cursor: page.next === null ? null : encodeCursor('orders', ids.orderId(page.next)),
    },
  };
}

export function getOrderHandler(
  sandbox: Sandbox,
  context: HandlerContext<'getOrder'>,
): HandlerResult {
  const id = context.params.id;
  const order = getOrder(sandbox.state.engine, callerOf(context).accountId, id);
  if (!order) throw notFound(`no order ${id} on this account`);
  return { kind: 'json', status: 200, body: order };
}

export async function cancelOrderHandler(
  sandbox: Sandbox,
  context: HandlerContext<'cancelOrder'>,
): Promise<HandlerResult> {
  const order = await sandbox.cancelOrder(
    callerOf(context).accountId,
    context.params.id,
    sandbox.clock.now(),
  );
  return { kind: 'json', status: 200, body: order };
}

export async function cancelOrdersHandler(
  sandbox: Sandbox,
  context: HandlerContext<'cancelOrders'>,
): Promise<HandlerResult> {
  const outcomes = await sandbox.cancelOrders(
    callerOf(context).accountId,
    context.body,
    sandbox.clock.now(),
  );
  return { kind: 'json', status: 207, body: { results: outcomes.map(toCancelResult) } };
}
