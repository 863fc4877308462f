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

/** The circuit breaker is open: the order was refused by the SDK without a request. */
export class CircuitOpenError extends Error {
  override readonly name = 'CircuitOpenError';
  constructor(
    /** When the breaker will let one trial request through (epoch ms, local clock). */
    readonly retryAt: number,
  ) {
    super(
      `trading is paused: the API failed or answered too slowly several times, so the circuit ` +
        `breaker refuses orders until ${new Date(retryAt).toISOString()}, when one trial order ` +
        `may go through`,
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
