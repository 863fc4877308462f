// Finished orders and fills are stored in typed-array columns rather than one object each: a
// million journal events would otherwise leave millions of small objects for the garbage
// collector to copy and trace, and restarting would spend its time there.
//
// Columns grow in fixed chunks, so rows are written once and never copied. There is one class
// per element type, rather than one generic class, so that every access site sees one kind of
// typed array and V8 keeps it fast.

const chunkBits = 16;
const chunkRows = 1 << chunkBits;
const rowMask = chunkRows - 1;

/** A column of doubles indexed by row; unwritten rows read 0. NaN stands for null. */
export class Float64Column {
  private readonly chunks: Float64Array[] = [];

  set(row: number, value: number): void {
    const chunk = row >>> chunkBits;
    while (chunk >= this.chunks.length) this.chunks.push(new Float64Array(chunkRows));
    this.chunks[chunk][row & rowMask] = value;
  }

  get(row: number): number {
    const chunk = this.chunks[row >>> chunkBits];
    return chunk === undefined ? 0 : chunk[row & rowMask];
  }

  /** Rows 1..count as base64 of their bytes: compact, and fast to write and read back. */
  encode(count: number): string {
    const rows = new Float64Array(count);
    copyRows(this.chunks, rows, count, 'out');
    return bytesToBase64(rows);
  }

  /** The inverse of `encode`. */
  decode(text: string, count: number): void {
    const rows = new Float64Array(base64ToBytes(text, count * 8).buffer);
    if (count > 0) this.set(count, rows[count - 1] ?? 0); // allocates every chunk up to the last row
    copyRows(this.chunks, rows, count, 'in');
  }
}

/** A column of 32-bit integers indexed by row; unwritten rows read 0. */
export class Int32Column {
  private readonly chunks: Int32Array[] = [];

  set(row: number, value: number): void {
    const chunk = row >>> chunkBits;
    while (chunk >= this.chunks.length) this.chunks.push(new Int32Array(chunkRows));
    this.chunks[chunk][row & rowMask] = value;
  }

  get(row: number): number {
    const chunk = this.chunks[row >>> chunkBits];
    return chunk === undefined ? 0 : chunk[row & rowMask];
  }

  encode(count: number): string {
    const rows = new Int32Array(count);
    copyRows(this.chunks, rows, count, 'out');
    return bytesToBase64(rows);
  }

  decode(text: string, count: number): void {
    const rows = new Int32Array(base64ToBytes(text, count * 4).buffer);
    if (count > 0) this.set(count, rows[count - 1] ?? 0); // allocates every chunk up to the last row
    copyRows(this.chunks, rows, count, 'in');
  }
}

/** Copies rows 1..count between chunks and a flat array (row r at index r - 1), chunk by chunk. */
function copyRows<A extends Float64Array | Int32Array>(
  chunks: A[],
  rows: A,
  count: number,
  direction: 'in' | 'out',
): void {
  for (let first = 1; first <= count; first = ((first >>> chunkBits) + 1) << chunkBits) {
    const chunk = chunks[first >>> chunkBits];
    if (chunk === undefined) continue; // never written: reads as zeros, already in `rows`
    const start = first & rowMask;
    const length = Math.min(chunkRows - start, count + 1 - first);
    if (direction === 'out') rows.set(chunk.subarray(start, start + length), first - 1);
    else chunk.set(rows.subarray(first - 1, first - 1 + length), start);
  }
}

// Snapshots store columns in the machine's byte order; this refuses to read them elsewhere.
const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function bytesToBase64(rows: Float64Array | Int32Array): string {
  if (!littleEndian) throw new Error('Engine snapshots need a little-endian machine');
  return Buffer.from(rows.buffer, rows.byteOffset, rows.byteLength).toString('base64');
}

/** Decoded into a fresh, aligned buffer of exactly `byteLength` bytes. */
function base64ToBytes(text: string, byteLength: number): Uint8Array {
  if (!littleEndian) throw new Error('Engine snapshots need a little-endian machine');
  const decoded = Buffer.from(text, 'base64');
  if (decoded.byteLength !== byteLength) {
    throw new Error(`Snapshot column holds ${decoded.byteLength} bytes; expected ${byteLength}`);
  }
  const bytes = new Uint8Array(byteLength);
  bytes.set(decoded);
  return bytes;
}

/** Nullable numbers are stored as NaN. */
export function orNaN(value: number | null): number {
  return value ?? NaN;
}

export function nullIfNaN(value: number): number | null {
  return Number.isNaN(value) ? null : value;
}
