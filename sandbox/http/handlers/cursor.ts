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
  throw notOurCursor(`is not a ${kind} cursor`);
}

/**
 * A cursor of orders or fills, which carries the id of the last one shown: the number behind
 * that id, which the engine pages by. It carries the id and not the number because anyone can
 * read a cursor, and the number is what ids hide (engine/ids.ts). An id that decodes to nothing
 * is refused rather than read as "from the start", which would list the first page again.
 */
export function decodeIdCursor(
  cursor: string,
  kind: string,
  numberOf: (id: string) => number | undefined,
): number {
  const { after } = decodeCursor(cursor, kind);
  const number = typeof after === 'string' ? numberOf(after) : undefined;
  if (number === undefined) throw notOurCursor(`is a ${kind} cursor this sandbox did not give out`);
  return number;
}

function notOurCursor(detail: string) {
  return invalidRequest(
    'cursor is not one this listing gave out; pass next_cursor back unchanged',
    [{ path: 'cursor', message: detail }],
  );
}
