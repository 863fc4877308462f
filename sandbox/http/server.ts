import { createServer, STATUS_CODES } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { DispatchOutcome, DispatchRequest, Dispatcher, HandlerResult, Log } from './dispatch';
import { errorResult, refusalResult } from './dispatch';
import { ApiError } from './errors';
import type { HostPolicy } from './host-policy';
import type { RateWindow } from './rate-limit';
import { yieldToEventLoop } from './event-loop';
import { pendingBody } from './request';

const validRequestId = /^[\x21-\x7e]{1,128}$/;
/** How long a streamed answer may write before other clients get a turn. */
const streamSliceMs = 10;
let requestCounter = 0;
const requestIdPrefix = `req_${Date.now().toString(36)}_`;

function newRequestId(): string {
  return requestIdPrefix + (++requestCounter).toString(36);
}

/** Statuses for node:http's parse failures; any other is a 400. */
const clientErrorStatus: Record<string, number> = {
  HPE_HEADER_OVERFLOW: 431,
  ERR_HTTP_REQUEST_TIMEOUT: 408,
};

/** Rate-limit headers for an answer given before any limit was consulted. */
const noRate: RateWindow = { limit: 0, remaining: 0, reset: 0 };

/**
 * The node:http side: turns a request into a DispatchRequest and a DispatchOutcome into bytes.
 * `policy` says which Host headers it serves; failures no answer explains go to `log`.
 */
export function createHttpServer(
  dispatcher: Pick<Dispatcher, 'dispatch'>,
  policy: HostPolicy,
  log: Log,
): Server {
  // Without a Host header node:http would answer 400 itself, outside the API's error shape; a
  // request without one cannot come from a browser, so the Host check has nothing to refuse.
  const server = createServer(
    { keepAliveTimeout: 65_000, requireHostHeader: false },
    (request, response) => {
      void handle(dispatcher, policy, log, request, response);
    },
  );
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    const status = clientErrorStatus[error.code ?? ''] ?? 400;
    const requestId = newRequestId();
    const body = JSON.stringify({
      error: {
        code: 'invalid_request',
        message: `malformed HTTP request: ${error.message}`,
        details: [],
        request_id: requestId,
      },
    });
    // Like every other answer, it carries X-Request-Id, matching the body's request_id.
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nX-Request-Id: ${requestId}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
  return server;
}

async function handle(
  dispatcher: Pick<Dispatcher, 'dispatch'>,
  policy: HostPolicy,
  log: Log,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const headerId = request.headers['x-request-id'];
  const requestId =
    typeof headerId === 'string' && validRequestId.test(headerId) ? headerId : newRequestId();
  try {
    const misdirected = policy.refuseHost(request.headers.host);
    if (misdirected !== null) {
      // Before routing: a page that rebound its name to this machine learns nothing here.
      const refusal = new ApiError('forbidden', misdirected);
      await send(response, { result: refusalResult(refusal, requestId), rate: noRate }, requestId);
      return;
    }
    const url = request.url ?? '/';
    const mark = url.indexOf('?');
    const dispatchRequest: DispatchRequest = {
      method: request.method ?? 'GET',
      path: mark === -1 ? url : url.slice(0, mark),
      queryString: mark === -1 ? '' : url.slice(mark + 1),
      authorization: request.headers.authorization,
      idempotencyKey: header(request, 'idempotency-key'),
      accept: request.headers.accept,
      body: undefined,
      remoteAddress: request.socket.remoteAddress ?? '',
      requestId,
      inBatch: false,
      lockstepAck: header(request, 'x-timber-ack'),
      // Read and parsed by the dispatcher once it knows the route and the caller; a body it
      // never reads is discarded by node:http after the answer.
      pendingBody: pendingBody(request),
    };
    await send(response, await dispatcher.dispatch(dispatchRequest), requestId);
  } catch (error) {
    if (!response.headersSent) {
      await send(response, { result: errorResult(error, requestId, log), rate: noRate }, requestId);
    } else {
      response.destroy(error instanceof Error ? error : undefined);
    }
  }
}

/** A client that hangs up mid-stream never drains: stop waiting on close too, or the handler leaks. */
function drainedOrClosed(response: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      response.off('drain', done);
      response.off('close', done);
      resolve();
    };
    response.once('drain', done);
    response.once('close', done);
  });
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

function baseHeaders(
  requestId: string,
  rate: RateWindow,
  extra: Record<string, string> | undefined,
): Record<string, string> {
  return {
    'X-Request-Id': requestId,
    'X-RateLimit-Limit': String(rate.limit),
    'X-RateLimit-Remaining': String(rate.remaining),
    'X-RateLimit-Reset': String(rate.reset),
    ...extra,
  };
}

async function send(
  response: ServerResponse,
  outcome: DispatchOutcome,
  requestId: string,
): Promise<void> {
  const result: HandlerResult = outcome.result;
  if (result.kind === 'reset') {
    // As a crash or a broken network would: the client gets no answer, only a reset.
    response.socket?.resetAndDestroy();
    return;
  }
  if (result.kind === 'stream') {
    response.writeHead(result.status, {
      ...baseHeaders(requestId, outcome.rate, undefined),
      'Content-Type': result.contentType,
    });
    // A loopback socket takes every write at once, so back-pressure alone never pauses a long
    // download: it also gives way to other clients after each slice of this long.
    let sliceStarted = performance.now();
    for await (const chunk of result.chunks) {
      if (!response.write(chunk)) await drainedOrClosed(response);
      if (response.destroyed) return;
      // Drain events can follow one another within one turn of the loop, so this yields even
      // when the socket was full: timers and other clients' requests get their turn.
      if (performance.now() - sliceStarted > streamSliceMs) {
        await yieldToEventLoop();
        sliceStarted = performance.now();
      }
    }
    response.end();
    return;
  }
  const text = result.kind === 'text' ? result.text : JSON.stringify(result.body);
  const headers = baseHeaders(requestId, outcome.rate, result.headers);
  headers['Content-Type'] = 'application/json; charset=utf-8';
  headers['Content-Length'] = String(Buffer.byteLength(text));
  response.writeHead(result.status, headers);
  response.end(text);
}
