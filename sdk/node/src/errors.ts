import type { ErrorDetail } from '../../../api/errors';

/** The API answered with its error shape (or something the SDK could not read as an answer). */
export class ApiError extends Error {
  override readonly name: string = 'ApiError';
  constructor(
    /** HTTP status of the answer. */
    readonly status: number,
    /** The API's machine code, e.g. `unprocessable`; `invalid_response` for an unreadable answer. */
    readonly code: string,
    message: string,
    readonly details: readonly ErrorDetail[] = [],
    readonly requestId: string | null = null,
  ) {
    super(message);
  }

  /** The details as one readable sentence: "quantity must be greater than 0; ...". */
  describe(): string {
    const parts = this.details.map((detail) =>
      detail.path === '' ? detail.message : `${detail.path} ${detail.message}`,
    );
    return parts.length === 0 ? this.message : `${this.message} (${parts.join('; ')})`;
  }
}

/** 429 after every retry the SDK was allowed to make. */
export class RateLimitedError extends ApiError {
  override readonly name = 'RateLimitedError';
  constructor(
    message: string,
    /** How long the server asked to wait, in ms, when it said. */
    readonly retryAfterMs: number | null,
    requestId: string | null,
  ) {
    super(429, 'rate_limited', message, [], requestId);
  }
}

/**
 * The circuit breaker is open: the order was refused by the SDK without a request, so it was
 * certainly not placed. Orders that only reduce a position, and cancels, are never refused.
 */
export class CircuitOpenError extends Error {
  override readonly name = 'CircuitOpenError';
  constructor(
    /** When the breaker will let one trial order through (epoch ms, local clock). */
    readonly retryAt: number,
    /** Why the breaker opened, in words ("a request took 1350 ms (limit 1000 ms)"). */
    readonly reason: string,
    /** How long until then, in ms (0: a trial order is out and being answered). */
    readonly retryInMs: number,
  ) {
    super(
      retryInMs > 0
        ? `orders that open or add to a position are paused: the circuit breaker opened because ` +
            `${reason || 'the API failed'}; one trial order may go through in ` +
            `${(retryInMs / 1000).toFixed(1)} s`
        : `orders that open or add to a position are paused: a trial order is testing the API ` +
            `after the circuit breaker opened (${reason || 'the API failed'}); try again once it ` +
            `is answered`,
    );
  }
}

/**
 * An order went out, but whether it was placed is unknown: every attempt under its
 * Idempotency-Key ended without a clear answer (network errors, 5xx), and looking it up by its
 * client_order_id failed too. It may well have been placed; the stream's `orders` channel (or
 * the checks in the message) will tell.
 */
export class OrderOutcomeUnknownError extends Error {
  override readonly name = 'OrderOutcomeUnknownError';
  constructor(
    /** The key every attempt carried; the same request with it again cannot place a second order. */
    readonly idempotencyKey: string,
    /** The order's client_order_id, to find it with GET /orders. */
    readonly clientOrderId: string,
    readonly symbol: string,
    /** What the last attempt, and the lookup after it, ran into. */
    what: string,
    options?: { cause?: unknown },
  ) {
    super(
      `the order ${clientOrderId} may have been placed: ${what}. Check GET /orders?status=all` +
        `&symbol=${symbol} for client_order_id ${clientOrderId}, or send the same request again ` +
        `with Idempotency-Key ${idempotencyKey}, which answers the first outcome and never places ` +
        `it twice`,
      options,
    );
  }
}

/** The request never got an answer (connection refused or reset, DNS, timeout). */
export class NetworkError extends Error {
  override readonly name = 'NetworkError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A strategy config file or the environment is wrong; the message names the field and file. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** The SDK refused an order because of the strategy's own `risk` limits. */
export class RiskLimitError extends Error {
  override readonly name = 'RiskLimitError';
}
