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
  private chunks: Float64Array[] = [];
  /** Chunks handed to a snapshot being written (see `capture`): copied before they change. */
  private shared: boolean[] = [];

  set(row: number, value: number): void {
    const chunk = row >>> chunkBits;
    while (chunk >= this.chunks.length) this.grow();
    if (this.shared[chunk]) this.unshare(chunk);
    this.chunks[chunk][row & rowMask] = value;
  }

  private grow(): void {
    this.chunks.push(new Float64Array(chunkRows));
    this.shared.push(false);
  }

  private unshare(chunk: number): void {
    this.chunks[chunk] = this.chunks[chunk].slice();
    this.shared[chunk] = false;
  }

  /**
   * Rows 0..count as pieces of bytes, without copying: the chunks are frozen, and a later `set`
   * copies the chunk it touches first. So a snapshot can be written over many event-loop turns
   * and still show the rows as they were at this instant.
   */
  capture(count: number): Uint8Array[] {
    return captureChunks(this.chunks, this.shared, count, 8);
  }

  /** Takes rows 0..count from `capture`'s bytes; whole chunks stay views into them (no copy). */
  adopt(bytes: Uint8Array, count: number): void {
    const rows = viewRows(bytes, count, 8, Float64Array);
    this.chunks = adoptChunks(rows, count, (length) => new Float64Array(length));
    this.shared = this.chunks.map(() => false);
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
  private chunks: Int32Array[] = [];
  /** As in Float64Column. */
  private shared: boolean[] = [];

  set(row: number, value: number): void {
    const chunk = row >>> chunkBits;
    while (chunk >= this.chunks.length) this.grow();
    if (this.shared[chunk]) this.unshare(chunk);
    this.chunks[chunk][row & rowMask] = value;
  }

  private grow(): void {
    this.chunks.push(new Int32Array(chunkRows));
    this.shared.push(false);
  }

  private unshare(chunk: number): void {
    this.chunks[chunk] = this.chunks[chunk].slice();
    this.shared[chunk] = false;
  }

  capture(count: number): Uint8Array[] {
    return captureChunks(this.chunks, this.shared, count, 4);
  }

  adopt(bytes: Uint8Array, count: number): void {
    const rows = viewRows(bytes, count, 4, Int32Array);
    this.chunks = adoptChunks(rows, count, (length) => new Int32Array(length));
    this.shared = this.chunks.map(() => false);
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

function captureChunks(
  chunks: readonly (Float64Array | Int32Array)[],
  shared: boolean[],
  count: number,
  rowBytes: number,
): Uint8Array[] {
  const pieces: Uint8Array[] = [];
  for (let first = 0; first <= count; first += chunkRows) {
    const index = first >>> chunkBits;
    const bytes = Math.min(chunkRows, count + 1 - first) * rowBytes;
    const chunk = chunks[index];
    if (chunk === undefined) {
      pieces.push(new Uint8Array(bytes)); // never written: zeros
      continue;
    }
    shared[index] = true;
    pieces.push(new Uint8Array(chunk.buffer, chunk.byteOffset, bytes));
  }
  return pieces;
}

/** The rows 0..count of a snapshot section as a typed array over the same memory when aligned. */
function viewRows<A extends Float64Array | Int32Array>(
  bytes: Uint8Array,
  count: number,
  rowBytes: number,
  Rows: new (buffer: ArrayBufferLike, byteOffset: number, length: number) => A,
): A {
  if (!littleEndian) throw new Error('Engine snapshots need a little-endian machine');
  if (bytes.byteLength !== (count + 1) * rowBytes) {
    throw new Error(
      `Snapshot column holds ${bytes.byteLength} bytes; expected ${(count + 1) * rowBytes}`,
    );
  }
  const source = bytes.byteOffset % rowBytes === 0 ? bytes : new Uint8Array(bytes);
  return new Rows(source.buffer, source.byteOffset, count + 1);
}

/** Chunks over `rows` (row r at chunk r >>> chunkBits): views, except a fresh, full last chunk. */
function adoptChunks<A extends Float64Array | Int32Array>(
  rows: A,
  count: number,
  allocate: (length: number) => A,
): A[] {
  const chunks: A[] = [];
  for (let first = 0; first <= count; first += chunkRows) {
    const view = rows.subarray(first, Math.min(first + chunkRows, count + 1)) as A;
    if (view.length === chunkRows) {
      chunks.push(view);
    } else {
      // A short last chunk must still take rows up to the end of its chunk.
      const chunk = allocate(chunkRows);
      chunk.set(view);
      chunks.push(chunk);
    }
  }
  return chunks;
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
