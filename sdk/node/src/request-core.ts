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
}

export interface Call<T> {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  schema: z.ZodType<T>;
  /** JSON body. */
  body?: unknown;
  /** Whether repeating the request cannot do anything twice (GETs, keyed POSTs, cancels). */
  retry: boolean;
  /** Refused by an open circuit breaker without a request (order placement). */
  guarded?: boolean;
  idempotencyKey?: string;
  /** A bearer token source; none for the token exchange itself. */
  token?: (forceRenew: boolean) => Promise<string>;
}

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
    const maxAttempts = call.retry ? (this.options.maxAttempts ?? 5) : 1;
    let renewedToken = false;
    for (let attempt = 0; ; attempt++) {
      const lastAttempt = attempt + 1 >= maxAttempts;
      const answer = await this.attempt(call, renewedToken);
      if (answer instanceof NetworkError) {
        if (lastAttempt) throw answer;
        await this.sleep(this.backoff(attempt));
        continue;
      }
      if (answer.status === 401 && call.token !== undefined && !renewedToken) {
        // An expired or revoked token: renew it once and repeat, without counting an attempt.
        renewedToken = true;
        attempt--;
        continue;
      }
      if (answer.status === 429 || answer.status >= 500) {
        const retryAfter = parseRetryAfter(answer.header('retry-after'), this.now());
        if (!lastAttempt) {
          await this.sleep(retryAfter ?? this.backoff(attempt));
          continue;
        }
        if (answer.status === 429) {
          const error = toApiError(call, answer);
          throw new RateLimitedError(error.message, retryAfter, error.requestId);
        }
      }
      if (answer.status >= 200 && answer.status < 300) return this.parse(call, answer);
      throw toApiError(call, answer);
    }
  }

  private backoff(attempt: number): number {
    return backoffDelay(attempt, this.options.backoff ?? defaultBackoff, this.options.random);
  }

  /** One try: the answer, or the network error that took its place. */
  private async attempt<T>(call: Call<T>, renewToken: boolean): Promise<HttpAnswer | NetworkError> {
    const breaker = this.options.breaker;
    if (call.guarded && !breaker.allow()) throw new CircuitOpenError(breaker.retryAt);
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
      breaker.recordFailure(networkError.message);
      return networkError;
    }
    const received = this.now();
    const window = readRateLimit((name) => answer.header(name));
    if (window !== null) this.rateLimit.observe(window, received);
    if (answer.status >= 500) breaker.recordFailure(`HTTP ${answer.status}`);
    else breaker.recordSuccess(received - started);
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
