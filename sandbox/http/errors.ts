import type { ErrorCode, ErrorDetail } from '../../api/errors';
import { errorStatus } from '../../api/errors';

/** An answer in the API's one error shape, thrown by handlers and caught by the server. */
export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: ErrorDetail[] = [],
    options: { status?: number; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.status = options.status ?? errorStatus[code];
    this.headers = options.headers ?? {};
  }
  readonly headers: Record<string, string>;
}

export function invalidRequest(message: string, details: ErrorDetail[] = []): ApiError {
  return new ApiError('invalid_request', message, details);
}

export function notFound(message: string): ApiError {
  return new ApiError('not_found', message);
}

/** A summary message that names the offending fields, for the top of an error body. */
export function summarize(prefix: string, details: readonly ErrorDetail[]): string {
  if (details.length === 0) return prefix;
  const named = details.map((d) => (d.path ? `${d.path} ${d.message}` : d.message));
  const shown = named.slice(0, 5).join('; ');
  return `${prefix}: ${shown}${named.length > 5 ? `; and ${named.length - 5} more` : ''}`;
}
