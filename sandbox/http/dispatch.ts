import type { z } from 'zod';
import type { Scope } from '../../api/auth';
import { scopeAllows } from '../../api/auth';
import { detailsFromZod } from '../../api/errors';
import { OrderRequest, parseOrderRequest } from '../../api/orders';
import type { OperationId, RouteSpec, routes } from '../../api/routes';
import { lockstepAckHeader } from '../../api/sessions';
import { afterCommitError, type FaultDecision } from '../faults/faults';
import { SandboxError, summarize } from '../errors';
import { ApiError, invalidRequest } from './errors';
import type { RateLimiter, RateWindow } from './rate-limit';
import type { PendingBody } from './request';
import { parseUniqueParams } from './request';
import { Router } from './router';
import type { KeyLookup } from '../service/keys';
import type { TokenAuthority } from '../service/tokens';
import { checkAccessToken } from '../service/tokens';

/** A request as the handlers see it, whether it came over HTTP or inside a batch. */
export interface DispatchRequest {
  method: string;
  path: string;
  queryString: string;
  authorization: string | undefined;
  idempotencyKey: string | undefined;
  accept: string | undefined;
  /** The parsed body, or undefined when none was sent (or none was read yet). */
  body: unknown;
  /**
   * A body still to be read (HTTP): read only for a route that takes one, after the caller is
   * authenticated, authorised and within its limits, and then parsed into `body`.
   */
  pendingBody?: PendingBody | undefined;
  remoteAddress: string;
  requestId: string;
  /** Set for the requests inside a batch. */
  inBatch: boolean;
  /** `X-Timber-Ack` as sent: a lockstep acknowledgement carried by a replay session's request. */
  lockstepAck?: string | undefined;
}

export interface Caller {
  keyId: string;
  accountId: string;
  scope: Scope;
}

type Route<Op extends OperationId> = (typeof routes)[Op];

/** An operation's query as validated by its schema in api/routes.ts; undefined if it takes none. */
export type RouteQuery<Op extends OperationId> = Op extends OperationId
  ? Route<Op> extends { query: infer Schema extends z.ZodType }
    ? z.output<Schema>
    : undefined
  : never;

/** An operation's body as validated by its schema in api/routes.ts; undefined if it takes none. */
export type RouteBody<Op extends OperationId> = Op extends OperationId
  ? Route<Op> extends { body: infer Schema extends z.ZodType }
    ? z.output<Schema>
    : undefined
  : never;

/** What the handler of operation `Op` is given: its query and body already validated. */
export interface HandlerContext<Op extends OperationId = OperationId> {
  request: DispatchRequest;
  params: Record<string, string>;
  query: RouteQuery<Op>;
  body: RouteBody<Op>;
  caller: Caller | null;
  now: number;
}

/** A JSON answer (pre-serialised where a handler has the text already), or a stream of text. */
export type HandlerResult =
  | { kind: 'json'; status: number; body: unknown; headers?: Record<string, string> }
  /** No answer at all: the connection is cut (a fault injected after commit). */
  | { kind: 'reset' }
  | { kind: 'text'; status: number; text: string; headers?: Record<string, string> }
  | {
      kind: 'stream';
      status: number;
      contentType: string;
      chunks: Iterable<string | Uint8Array> | AsyncIterable<string | Uint8Array>;
    };

export type Handler<Op extends OperationId> = (
  context: HandlerContext<Op>,
) => HandlerResult | Promise<HandlerResult>;
export type Handlers = { [Op in OperationId]: Handler<Op> };

/** A handler as the dispatcher calls it, once the route's own schemas have validated the input. */
type ValidatedHandler = (
  context: Omit<HandlerContext, 'query' | 'body'> & { query: unknown; body: unknown },
) => HandlerResult | Promise<HandlerResult>;

export interface DispatchOutcome {
  result: HandlerResult;
  rate: RateWindow;
}

/** Where the sandbox writes its log lines (the server's `log` option). */
export type Log = (line: string) => void;

export interface DispatchDeps {
  handlers: Handlers;
  /** Failures no answer explains (a 500) are logged here, with the request's id. */
  log: Log;
  tokens: TokenAuthority;
  /** The keys tokens are checked against: a revoked key's tokens fail before they expire. */
  keys: KeyLookup;
  adminTokenMatches(token: string): boolean;
  keyLimiter: RateLimiter;
  addressLimiter: RateLimiter;
  now(): number;
  /** The account a caller acts on; replay sessions map every key to the session's account. */
  accountOf?(caller: Caller): string;
  /**
   * Faults injected into this caller's requests (`PUT /sandbox/faults`, a session's faults);
   * never into the fault endpoints themselves, so that faults can always be cleared.
   */
  /** `changesState`: the request is not a read, so faults after commit may apply to it. */
  faultsFor?(caller: Caller, changesState: boolean): FaultDecision;
  /**
   * Applies an `X-Timber-Ack` (replay sessions in lockstep), after every check and before the
   * handler, so a refused request acknowledges nothing; throws an ApiError for a bad value.
   * Without it, a request carrying the header is refused.
   */
  acknowledge?(seq: number): void;
}

const faultExempt: ReadonlySet<OperationId> = new Set(['setFaults', 'getFaults', 'clearFaults']);

/** RFC 6749's form encoding, for the token endpoint only (also a session's). */
const formBodies: ReadonlySet<OperationId> = new Set(['issueToken']);

const loopback = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;

/**
 * Routing, authentication, scope, rate limiting and validation: everything a request passes
 * before its handler, shared by the HTTP server and by `/batch` for its inner requests.
 */
export class Dispatcher {
  private readonly router = new Router();

  constructor(private readonly deps: DispatchDeps) {}

  async dispatch(request: DispatchRequest): Promise<DispatchOutcome> {
    const now = this.deps.now();
    let rate: RateWindow = this.deps.addressLimiter.peek(request.remoteAddress, now);
    try {
      const lookup = this.router.lookup(request.method, request.path);
      if (lookup.kind === 'not_found') {
        throw new ApiError(
          'not_found',
          `no endpoint ${request.method} ${request.path}; see GET /openapi.json`,
        );
      }
      if (lookup.kind === 'method_not_allowed') {
        throw new ApiError(
          'invalid_request',
          `${request.path} does not take ${request.method}; it takes ${lookup.allowed.join(', ')}`,
          [],
          {
            status: 405,
            headers: { Allow: lookup.allowed.join(', ') },
          },
        );
      }
      const { spec, params, operationId } = lookup.match;
      let caller: Caller | null = null;
      let fault: FaultDecision | undefined;
      if (spec.access.kind === 'bearer') {
        caller = this.authenticate(request.authorization);
        const window = this.deps.keyLimiter.take(caller.keyId, now);
        rate = window;
        if (!window.allowed) throw rateLimited(window, now, 'this key');
        if (!scopeAllows(caller.scope, spec.access.scope)) {
          throw new ApiError(
            'forbidden',
            `${operationId} needs a key with the "${spec.access.scope}" scope; this key has "${caller.scope}"`,
          );
        }
        if (this.deps.accountOf) caller.accountId = this.deps.accountOf(caller);
        // Injected before validation and the handler, so an injected error changes nothing.
        fault = faultExempt.has(operationId)
          ? undefined
          : this.deps.faultsFor?.(caller, spec.method !== 'GET');
        if (fault !== undefined && fault.delayMs > 0) await sleep(fault.delayMs);
        if (fault?.error !== undefined) throw fault.error;
      } else {
        const window = this.deps.addressLimiter.take(request.remoteAddress, now);
        rate = window;
        if (!window.allowed) throw rateLimited(window, now, 'this address');
        if (spec.access.kind === 'admin') this.authorizeAdmin(request);
      }
      const query = parseQuery(spec, request.queryString);
      const body = await bodyFor(spec, operationId, request);
      if (request.lockstepAck !== undefined) this.acknowledge(request.lockstepAck);
      // `query` and `body` were validated by this operation's schemas just above.
      const handler = this.deps.handlers[operationId] as ValidatedHandler;
      const result = await handler({
        request,
        params,
        query,
        body,
        caller,
        now,
      });
      const after = fault?.after;
      if (after === undefined) return { result, rate };
      if (after.delayMs > 0) await sleep(after.delayMs);
      if (after.outcome === 'error') throw afterCommitError();
      // A batch's inner answer cannot lose its connection alone: it says it failed instead.
      if (after.outcome === 'reset') {
        return {
          result: request.inBatch
            ? refusalResult(afterCommitError(), request.requestId)
            : { kind: 'reset' },
          rate,
        };
      }
      return { result, rate };
    } catch (error) {
      return { result: errorResult(error, request.requestId, this.deps.log), rate };
    }
  }

  private acknowledge(value: string): void {
    if (this.deps.acknowledge === undefined) {
      throw new ApiError(
        'invalid_request',
        `${lockstepAckHeader} acknowledges bars of a lockstep replay session; this URL is not one (send it to the session's base_url)`,
      );
    }
    if (!/^\d{1,15}$/.test(value)) {
      throw new ApiError(
        'invalid_request',
        `${lockstepAckHeader} must be the seq of the last bar the client finished (a whole number), not ${JSON.stringify(value.slice(0, 40))}`,
      );
    }
    this.deps.acknowledge(Number(value));
  }

  private authenticate(authorization: string | undefined): Caller {
    const challenge = { headers: { 'WWW-Authenticate': 'Bearer realm="timber"' } };
    if (!authorization) {
      throw new ApiError(
        'unauthorized',
        'send "Authorization: Bearer <access_token>"; get a token from POST /oauth/token',
        [],
        challenge,
      );
    }
    const match = /^Bearer +(\S+)\s*$/i.exec(authorization);
    if (!match) {
      throw new ApiError(
        'unauthorized',
        'the Authorization header must be "Bearer <access_token>"',
        [],
        challenge,
      );
    }
    const { tokens } = this.deps;
    const checked = checkAccessToken(tokens, match[1], tokens.now(), this.deps.keys);
    if ('refused' in checked) throw new ApiError('unauthorized', checked.refused, [], challenge);
    return checked;
  }

  private authorizeAdmin(request: DispatchRequest): void {
    if (request.inBatch || !loopback.test(request.remoteAddress)) {
      throw new ApiError(
        'forbidden',
        'the admin endpoints answer only direct requests from this machine',
      );
    }
    const token = /^Bearer +(\S+)\s*$/i.exec(request.authorization ?? '')?.[1];
    if (!token || !this.deps.adminTokenMatches(token)) {
      throw new ApiError(
        'unauthorized',
        "send the admin token from the data folder's admin-token file as a Bearer token",
      );
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function rateLimited(window: RateWindow, now: number, subject: string): ApiError {
  const retryAfter = Math.max(1, Math.ceil((window.reset - now) / 1000));
  return new ApiError(
    'rate_limited',
    `${subject} has made more than ${window.limit} requests this second; retry after ${retryAfter} s`,
    [],
    {
      headers: { 'Retry-After': String(retryAfter) },
    },
  );
}

function parseQuery(spec: RouteSpec, queryString: string): unknown {
  const params = parseUniqueParams(queryString, 'query parameter');
  if (!spec.query) {
    if (params.size > 0) {
      const details = [...params.keys()].map((path) => ({
        path,
        message: 'is not a recognised parameter',
      }));
      throw invalidRequest(summarize(`${spec.path} takes no query parameters`, details), details);
    }
    return undefined;
  }
  return validate(spec.query, Object.fromEntries(params), 'the query is invalid');
}

/**
 * The validated body. One still on the wire is read here, after routing and every check of the
 * caller, so that nobody can make the sandbox parse a body it would refuse anyway (issue 21).
 */
async function bodyFor(
  spec: RouteSpec,
  operationId: OperationId,
  request: DispatchRequest,
): Promise<unknown> {
  const pending = request.pendingBody;
  if (!spec.body) {
    const sent = pending !== undefined ? !(await pending.isEmpty()) : request.body !== undefined;
    if (sent) throw invalidRequest(`${request.method} ${spec.path} takes no body`);
    return undefined;
  }
  if (pending !== undefined) {
    request.pendingBody = undefined;
    // Kept on the request too: an idempotent replay compares the body as sent.
    request.body = await pending.parse(formBodies.has(operationId));
  }
  if (request.body === undefined) {
    throw invalidRequest('the request body is missing; send a JSON object', [
      { path: '', message: 'is required' },
    ]);
  }
  return validate(spec.body, request.body, 'the request body is invalid');
}

/** Bodies every order sends, parsed with a quick path for their common shape (same answers). */
const quickParsers = new Map<z.ZodType, (input: unknown) => z.ZodSafeParseResult<unknown>>([
  [OrderRequest, parseOrderRequest],
]);

export function validate<T>(schema: z.ZodType<T>, input: unknown, prefix: string): T {
  const quick = quickParsers.get(schema) as
    ((input: unknown) => z.ZodSafeParseResult<T>) | undefined;
  const parsed = quick !== undefined ? quick(input) : schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const details = detailsFromZod(parsed.error);
  throw invalidRequest(summarize(prefix, details), details);
}

/** A refusal in the API's error shape, with the status and headers HTTP gives it. */
export function refusalResult(error: SandboxError, requestId: string): HandlerResult {
  const answer = ApiError.from(error);
  return {
    kind: 'json',
    status: answer.status,
    body: {
      error: {
        code: answer.code,
        message: answer.message,
        details: answer.details,
        request_id: requestId,
      },
    },
    headers: answer.headers,
  };
}

/** The answer to whatever a request threw: a refusal as such; anything else logged, and a 500. */
export function errorResult(error: unknown, requestId: string, log: Log): HandlerResult {
  if (error instanceof SandboxError) return refusalResult(error, requestId);
  const what = error instanceof Error ? (error.stack ?? error.message) : String(error);
  log(`[sandbox] internal error in request ${requestId}: ${what}`);
  return {
    kind: 'json',
    status: 500,
    body: {
      error: {
        code: 'internal',
        message: `the sandbox failed on this request (request ${requestId}); see its log`,
        details: [],
        request_id: requestId,
      },
    },
  };
}
