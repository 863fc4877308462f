import type { ErrorCode, ErrorDetail } from '../../api/errors';

/**
 * A refused command: no events were produced. Maps one to one onto the API's error body; the
 * transport that carried the command picks the status for the code.
 */
export interface EngineFailure {
  ok: false;
  code: Extract<ErrorCode, 'not_found' | 'conflict' | 'unprocessable'>;
  message: string;
  details: ErrorDetail[];
}

export function notFound(message: string, details: ErrorDetail[] = []): EngineFailure {
  return { ok: false, code: 'not_found', message, details };
}

export function conflict(message: string, details: ErrorDetail[] = []): EngineFailure {
  return { ok: false, code: 'conflict', message, details };
}

export function unprocessable(message: string, details: ErrorDetail[]): EngineFailure {
  return { ok: false, code: 'unprocessable', message, details };
}

/** USD amounts in messages: "3,666.67 USD". */
export function formatUsd(amount: number): string {
  return `${amount.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })} USD`;
}
