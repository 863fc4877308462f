import type { ErrorCode, ErrorDetail } from '../api/errors';

/**
 * A refusal in the API's terms (a code from api/errors.ts, a message, the fields at fault),
 * thrown by the sandbox's core and answered by whichever transport carried the request: HTTP
 * maps the code to its status (sandbox/http/errors.ts).
 */
export class SandboxError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: ErrorDetail[] = [],
    /** For `rate_limited` and `unavailable`: when a retry may succeed, in whole seconds. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

/** A summary message that names the offending fields, for the top of an error body. */
export function summarize(prefix: string, details: readonly ErrorDetail[]): string {
  if (details.length === 0) return prefix;
  const named = details.map((d) => (d.path ? `${d.path} ${d.message}` : d.message));
  const shown = named.slice(0, 5).join('; ');
  return `${prefix}: ${shown}${named.length > 5 ? `; and ${named.length - 5} more` : ''}`;
}
