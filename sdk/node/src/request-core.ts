import type { z } from 'zod';
import { ApiErrorBody } from '../../../api/errors';
import { lockstepAckHeader } from '../../../api/sessions';
import type { BackoffPolicy } from './backoff';
import { backoffDelay, defaultBackoff, parseRetryAfter } from './backoff';
import type { CircuitBreaker } from './breaker';
import { ApiError, CircuitOpenError, NetworkError, RateLimitedError } from './errors';
import { RateLimitTracker, readRateLimit } from './rate-limit';
import type { HttpAnswer, Transport } from './transport';

export interface CoreOptions {
  baseUrl: string;
  transport: Transport;
  breaker: CircuitBreaker;
  backoff?: BackoffPolicy;
  /** Attempts in all for a request that is safe to retry (default 5). */
  maxAttempts?: number;
  timeoutMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** In a lockstep replay session, the bar every request acknowledges (see `TimberClient`). */
  lockstepAck?: () => number | undefined;
  /** Told before every retry's wait, e.g. to log it. */
  onRetry?: (retry: RetryNotice) => void;
}

/** One retry about to wait: what failed, which retry this is, and how long the wait. */
export interface RetryNotice {
  method: string;
  path: string;
  /** 1 for the first retry. */
  retry: number;
  /** Retries allowed in all (attempts − 1). */
  retries: number;
  delayMs: number;
  /** "HTTP 503 unavailable", "no answer (socket hang up)", "HTTP 429 rate_limited"… */
  reason: string;
}

export interface Call<T> {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  schema: z.ZodType<T>;
  /** JSON body. */
  body?: unknown;
  /** Whether repeating the request cannot do anything twice (GETs, keyed POSTs, cancels). */
  retry: boolean;
  /**
   * Refused by an open circuit breaker without a request (orders that add exposure). Only the
   * first attempt is gated: once a request went out, its retries settle it whatever the breaker.
   */
  guarded?: boolean;
  idempotencyKey?: string;
  /** A bearer token source; none for the token exchange itself. */
  token?: (forceRenew: boolean) => Promise<string>;
}

/** How a request ended: its validated answer, or the error `send` would throw, and how sure. */
export type Outcome<T> =
  | { type: 'answered'; value: T }
  | {
      type: 'failed';
      error: Error;
      /** Attempts that may have taken effect unseen: sent with no answer, or answered 5xx. */
      uncertainAttempts: number;
      /** Some attempt got no answer at all, so it may still be running on the server. */
      answerless: boolean;
    };

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * One request with the SDK's habits: waits out a spent rate-limit window, renews the token once
 * on a 401, retries what is safe to retry (network errors, 5xx, 429) with exponential backoff and
 * full jitter or the server's `Retry-After`, feeds the circuit breaker, and validates the answer.
 */
export class RequestCore {
  readonly rateLimit: RateLimitTracker;
  private readonly baseUrl: string;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: CoreOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? sleepFor;
    this.rateLimit = new RateLimitTracker(this.now);
  }

  async send<T>(call: Call<T>): Promise<T> {
    const outcome = await this.settle(call);
    if (outcome.type === 'failed') throw outcome.error;
    return outcome.value;
  }

  /**
   * Like `send`, but a failure is returned with what is known of it, so that a caller can settle
   * a request whose outcome is unknown (look an order up). `CircuitOpenError` is still thrown:
   * no request went out.
   */
  async settle<T>(call: Call<T>): Promise<Outcome<T>> {
    const breaker = this.options.breaker;
    let trial: number | undefined;
    if (call.guarded) {
      if (!breaker.allow()) {
        const retryIn = breaker.state === 'open' ? Math.max(0, breaker.retryAt - this.now()) : 0;
        throw new CircuitOpenError(breaker.retryAt, breaker.reason, retryIn);
      }
      if (breaker.state === 'half_open') trial = breaker.trials;
    }
    try {
      return await this.attempts(call);
    } finally {
      if (trial !== undefined) breaker.release(trial);
    }
  }

  private async attempts<T>(call: Call<T>): Promise<Outcome<T>> {
    const maxAttempts = call.retry ? (this.options.maxAttempts ?? 5) : 1;
    let renewedToken = false;
    let uncertainAttempts = 0;
    let answerless = false;
    const failed = (error: Error): Outcome<T> => ({
      type: 'failed',
      error,
      uncertainAttempts,
      answerless,
    });
    for (let attempt = 0; ; attempt++) {
      const lastAttempt = attempt + 1 >= maxAttempts;
      const answer = await this.attempt(call, renewedToken);
      if (answer instanceof NetworkError) {
        if (!neverSent(answer)) {
          uncertainAttempts++;
          answerless = true;
        }
        if (lastAttempt) return failed(answer);
        await this.retryAfter(call, attempt, maxAttempts, null, `no answer (${causeOf(answer)})`);
        continue;
      }
      if (answer.status === 401 && call.token !== undefined && !renewedToken) {
        // An expired or revoked token: renew it once and repeat, without counting an attempt.
        renewedToken = true;
        attempt--;
        continue;
      }
      if (answer.status >= 500) uncertainAttempts++;
      if (answer.status === 429 || answer.status >= 500) {
        const retryAfter = parseRetryAfter(answer.header('retry-after'), this.now());
        if (!lastAttempt) {
          const error = toApiError(call, answer);
          await this.retryAfter(
            call,
            attempt,
            maxAttempts,
            retryAfter,
            `HTTP ${answer.status} ${error.code}`,
          );
          continue;
        }
        if (answer.status === 429) {
          const error = toApiError(call, answer);
          return failed(new RateLimitedError(error.message, retryAfter, error.requestId));
        }
      }
      if (answer.status >= 200 && answer.status < 300) {
        return { type: 'answered', value: this.parse(call, answer) };
      }
      return failed(toApiError(call, answer));
    }
  }

  private async retryAfter(
    call: Call<unknown>,
    attempt: number,
    maxAttempts: number,
    serverWaitMs: number | null,
    reason: string,
  ): Promise<void> {
    const delayMs = serverWaitMs ?? this.backoff(attempt);
    this.options.onRetry?.({
      method: call.method,
      path: call.path,
      retry: attempt + 1,
      retries: maxAttempts - 1,
      delayMs,
      reason,
    });
    await this.sleep(delayMs);
  }

  private backoff(attempt: number): number {
    return backoffDelay(attempt, this.options.backoff ?? defaultBackoff, this.options.random);
  }

  /** One try: the answer, or the network error that took its place. */
  private async attempt<T>(call: Call<T>, renewToken: boolean): Promise<HttpAnswer | NetworkError> {
    const breaker = this.options.breaker;
    const wait = this.rateLimit.waitMs();
    if (wait > 0) {
      await this.sleep(wait);
      this.rateLimit.spentWaited();
    }
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (call.token !== undefined) headers.Authorization = `Bearer ${await call.token(renewToken)}`;
    if (call.body !== undefined) headers['Content-Type'] = 'application/json';
    if (call.idempotencyKey !== undefined) headers['Idempotency-Key'] = call.idempotencyKey;
    const ack = this.options.lockstepAck?.();
    if (ack !== undefined) headers[lockstepAckHeader] = String(ack);
    const started = this.now();
    let answer: HttpAnswer;
    try {
      answer = await this.options.transport({
        method: call.method,
        url: this.baseUrl + call.path,
        headers,
        ...(call.body !== undefined && { body: JSON.stringify(call.body) }),
        timeoutMs: this.options.timeoutMs ?? 10_000,
      });
    } catch (error) {
      const networkError =
        error instanceof NetworkError ? error : new NetworkError(String(error), { cause: error });
      breaker.recordFailure(`no answer to ${call.method} ${call.path} (${causeOf(networkError)})`);
      return networkError;
    }
    const received = this.now();
    const window = readRateLimit((name) => answer.header(name));
    if (window !== null) this.rateLimit.observe(window, received);
    if (answer.status >= 500)
      breaker.recordFailure(`HTTP ${answer.status} from ${call.method} ${call.path}`);
    // A 429 says nothing of the API's health: the breaker is neither fed nor closed by it.
    else if (answer.status !== 429) breaker.recordSuccess(received - started);
    return answer;
  }

  private parse<T>(call: Call<T>, answer: HttpAnswer): T {
    let json: unknown;
    try {
      json = answer.text === '' ? null : JSON.parse(answer.text);
    } catch {
      throw invalidAnswer(call, answer, 'its body is not JSON');
    }
    const parsed = call.schema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where =
        issue === undefined ? '' : `${issue.path.join('.') || 'the body'}: ${issue.message}`;
      throw invalidAnswer(call, answer, `it does not match the API contract (${where})`);
    }
    return parsed.data;
  }
}

function invalidAnswer(call: Call<unknown>, answer: HttpAnswer, why: string): ApiError {
  return new ApiError(
    answer.status,
    'invalid_response',
    `${call.method} ${call.path} answered ${answer.status} but ${why}; is the base URL a Timber Bondmere API?`,
    [],
    answer.header('x-request-id'),
  );
}

function toApiError(call: Call<unknown>, answer: HttpAnswer): ApiError {
  let json: unknown = null;
  try {
    json = JSON.parse(answer.text);
  } catch {
    // Not the API's error shape: described below from the status alone.
  }
  const body = ApiErrorBody.safeParse(json);
  if (body.success) {
    const { code, message, details, request_id } = body.data.error;
    return new ApiError(answer.status, code, message, details, request_id);
  }
  return new ApiError(
    answer.status,
    answer.status >= 500 ? 'internal' : 'invalid_response',
    `${call.method} ${call.path} answered HTTP ${answer.status} without the API's error body`,
    [],
    answer.header('x-request-id'),
  );
}

/** The low-level reason of a network error ("socket hang up"), without the advice around it. */
function causeOf(error: NetworkError): string {
  const cause: unknown = error.cause;
  return cause instanceof Error ? cause.message : error.message;
}

/** A refused connection: the request never reached the server, so it cannot have taken effect. */
function neverSent(error: NetworkError): boolean {
  let cause: unknown = error.cause;
  for (let depth = 0; depth < 4 && cause instanceof Error; depth++) {
    if ((cause as NodeJS.ErrnoException).code === 'ECONNREFUSED') return true;
    cause = cause.cause;
  }
  return false;
}
