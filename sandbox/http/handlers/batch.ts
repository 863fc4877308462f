import type { BatchResponse } from '../../../api/batch';
import type { DispatchOutcome, DispatchRequest, HandlerContext, HandlerResult } from '../dispatch';
import { yieldToEventLoop } from '../event-loop';

/**
 * POST /batch: each inner request goes through the whole pipeline (authorisation, rate limit,
 * validation) as if sent alone, one after another, so later ones see earlier ones' effects.
 */
export async function runBatch(
  dispatch: (request: DispatchRequest) => Promise<DispatchOutcome>,
  context: HandlerContext<'batch'>,
): Promise<HandlerResult> {
  const batch = context.body;
  const responses: BatchResponse['responses'] = [];
  for (const inner of batch.requests) {
    // Other clients are served between the requests of a batch, as between separate requests.
    if (responses.length > 0) await yieldToEventLoop();
    const mark = inner.path.indexOf('?');
    const outcome = await dispatch({
      method: inner.method,
      path: mark === -1 ? inner.path : inner.path.slice(0, mark),
      queryString: mark === -1 ? '' : inner.path.slice(mark + 1),
      authorization: context.request.authorization,
      idempotencyKey: inner.idempotency_key,
      accept: 'application/json',
      body: inner.body,
      remoteAddress: context.request.remoteAddress,
      requestId: `${context.request.requestId}.${inner.id}`,
      inBatch: true,
    });
    const { result } = outcome;
    responses.push({
      id: inner.id,
      // The dispatcher never cuts an inner request's connection (there is none of its own).
      status: result.kind === 'reset' ? 502 : result.status,
      body: innerBody(result),
    });
  }
  return { kind: 'json', status: 200, body: { responses } satisfies BatchResponse };
}

function innerBody(result: HandlerResult): unknown {
  switch (result.kind) {
    case 'json':
      return result.body;
    case 'text':
      return JSON.parse(result.text) as unknown;
    case 'stream':
      // Streams are chosen by Accept, which inner requests never send.
      return null;
    case 'reset':
      return null;
    default:
      return result satisfies never;
  }
}
