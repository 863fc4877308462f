import { invalidRequest } from '../errors';

/**
 * Opaque page cursors: base64url JSON naming what they page, so a cursor from one listing
 * given to another is refused with a clear message rather than silently misread.
 */
export function encodeCursor(kind: string, after: string | number): string {
  return Buffer.from(JSON.stringify({ k: kind, a: after })).toString('base64url');
}

export function decodeCursor(cursor: string, kind: string): { after: string | number } {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as {
      k?: unknown;
      a?: unknown;
    };
    if (parsed.k === kind && (typeof parsed.a === 'string' || typeof parsed.a === 'number'))
      return { after: parsed.a };
  } catch {
    // Falls through to the error below.
  }
  throw invalidRequest('cursor is not one this listing gave out; pass next_cursor back unchanged', [
    { path: 'cursor', message: `is not a ${kind} cursor` },
  ]);
}
