import type { ErrorCode, ErrorDetail } from '../../api/errors';
import { errorStatus } from '../../api/errors';
import { SandboxError } from '../errors';

/**
 * A refusal as HTTP answers it: the core's code and message with the status the API gives that
 * code, unless HTTP itself has a more precise one (405, 413, 415), and any headers it needs.
 */
export class ApiError extends SandboxError {
  readonly status: number;
  readonly headers: Record<string, string>;
  constructor(
    code: ErrorCode,
    message: string,
    details: ErrorDetail[] = [],
    options: { status?: number; headers?: Record<string, string> } = {},
  ) {
    super(code, message, details);
    this.status = options.status ?? errorStatus[code];
    this.headers = options.headers ?? {};
  }

  /** The core's refusal as an answer: the code's status, and `Retry-After` when it says when. */
  static from(error: SandboxError): ApiError {
    if (error instanceof ApiError) return error;
    const retry = error.retryAfterSeconds;
    return new ApiError(error.code, error.message, error.details, {
      ...(retry !== undefined && { headers: { 'Retry-After': String(retry) } }),
    });
  }
}

export function invalidRequest(message: string, details: ErrorDetail[] = []): ApiError {
  return new ApiError('invalid_request', message, details);
}

export function notFound(message: string): ApiError {
  return new ApiError('not_found', message);
}
