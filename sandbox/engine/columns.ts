// Finished orders and fills are stored in typed-array columns rather than one object each: a
// million journal events would otherwise leave millions of small objects for the garbage
// collector to copy and trace, and restarting would spend its time there.
//
// Columns grow in fixed chunks, so rows are written once and never copied. There is one class
// per element type, rather than one generic class, so that every access site sees one kind of
// typed array and V8 keeps it fast.
//
// Snapshots (engine/snapshot.ts): `capture` freezes the chunks instead of copying them (a later
// `set` copies the one chunk it touches), and a restart `adoptLazily` reads each chunk from the
// snapshot file only when a row of it is first used. Memory touched for the first time is what
// a restart pays for most on small VMs, and most old rows are never read again.

const chunkBits = 16;
const chunkRows = 1 << chunkBits;
const rowMask = chunkRows - 1;

/** Where a lazily adopted column reads its rows: bytes from `offset` (row r at r × row size). */
export interface RowSource {
  read(offset: number, target: Uint8Array): void;
}

/** Pieces of bytes of a captured column, pulled one at a time while a snapshot is written. */
export type CapturedRows = () => Iterable<Uint8Array>;

/** A column of doubles indexed by row; unwritten rows read 0. NaN stands for null. */
export class Float64Column {
  /** undefined: a chunk still in the snapshot file (see `adoptLazily`). */
  private chunks: (Float64Array | undefined)[] = [];
  /** Per chunk, how many snapshots being written hold it (see `capture`): copied before it changes. */
  private shared: number[] = [];
  private lazy: LazyRows | null = null;

  set(row: number, value: number): void {
    const index = row >>> chunkBits;
    let chunk = this.chunks[index];
    if (chunk === undefined || this.shared[index] !== 0) chunk = this.writable(index);
    chunk[row & rowMask] = value;
  }

  get(row: number): number {
    const chunk = this.chunks[row >>> chunkBits];
    return chunk !== undefined ? chunk[row & rowMask] : this.lazyGet(row);
  }

  private lazyGet(row: number): number {
    const index = row >>> chunkBits;
    if (this.lazy === null || index >= this.lazy.chunks) return 0;
    return this.load(index)[row & rowMask];
  }

  private writable(index: number): Float64Array {
    while (index >= this.chunks.length) {
      this.chunks.push(undefined);
      this.shared.push(0);
    }
    const chunk = this.chunks[index];
    if (chunk === undefined) {
      if (this.lazy !== null && index < this.lazy.chunks) return this.load(index);
      return (this.chunks[index] = new Float64Array(chunkRows));
    }
    this.shared[index] = 0;
    return (this.chunks[index] = chunk.slice());
  }

  private load(index: number): Float64Array {
    const chunk = new Float64Array(chunkRows);
    this.lazy!.readChunk(index, new Uint8Array(chunk.buffer), 8);
    this.chunks[index] = chunk;
    if (this.lazy!.loaded()) this.lazy = null;
    return chunk;
  }

  /**
   * Rows 0..count, frozen as they are now: a later `set` copies the chunk it touches first, and
   * chunks still in the snapshot file are read from it when written out.
   */
  capture(count: number): CapturedRows {
    return captureChunks(this.chunks, this.shared, this.lazy, count, 8);
  }

  /** Takes rows 0..count (as `capture` wrote them) from `source`, each chunk on first use. */
  adoptLazily(source: RowSource, count: number): void {
    this.lazy = new LazyRows(source, count);
    this.chunks = Array.from({ length: this.lazy.chunks }, () => undefined);
    this.shared = this.chunks.map(() => 0);
  }

  /** Reads every chunk still in the snapshot file. */
  loadAll(): void {
    for (let index = 0; this.lazy !== null; index++) {
      if (this.chunks[index] === undefined) this.load(index);
    }
  }

  /** Rows 1..count as base64 of their bytes: compact, and fast to write and read back. */
  encode(count: number): string {
    this.loadAll();
    const rows = new Float64Array(count);
    copyRows(this.chunks, rows, count, 'out');
    return bytesToBase64(rows);
  }

  /** The inverse of `encode`. */
  decode(text: string, count: number): void {
    const rows = new Float64Array(base64ToBytes(text, count * 8).buffer);
    for (let index = 0; index <= count >>> chunkBits; index++) this.writable(index);
    copyRows(this.chunks, rows, count, 'in');
  }
}

/** A column of 32-bit integers indexed by row; unwritten rows read 0. As Float64Column. */
export class Int32Column {
  private chunks: (Int32Array | undefined)[] = [];
  private shared: number[] = [];
  private lazy: LazyRows | null = null;

  set(row: number, value: number): void {
    const index = row >>> chunkBits;
    let chunk = this.chunks[index];
    if (chunk === undefined || this.shared[index] !== 0) chunk = this.writable(index);
    chunk[row & rowMask] = value;
  }

  get(row: number): number {
    const chunk = this.chunks[row >>> chunkBits];
    return chunk !== undefined ? chunk[row & rowMask] : this.lazyGet(row);
  }

  private lazyGet(row: number): number {
    const index = row >>> chunkBits;
    if (this.lazy === null || index >= this.lazy.chunks) return 0;
    return this.load(index)[row & rowMask];
  }

  private writable(index: number): Int32Array {
    while (index >= this.chunks.length) {
      this.chunks.push(undefined);
      this.shared.push(0);
    }
    const chunk = this.chunks[index];
    if (chunk === undefined) {
      if (this.lazy !== null && index < this.lazy.chunks) return this.load(index);
      return (this.chunks[index] = new Int32Array(chunkRows));
    }
    this.shared[index] = 0;
    return (this.chunks[index] = chunk.slice());
  }

  private load(index: number): Int32Array {
    const chunk = new Int32Array(chunkRows);
    this.lazy!.readChunk(index, new Uint8Array(chunk.buffer), 4);
    this.chunks[index] = chunk;
    if (this.lazy!.loaded()) this.lazy = null;
    return chunk;
  }

  capture(count: number): CapturedRows {
    return captureChunks(this.chunks, this.shared, this.lazy, count, 4);
  }

  adoptLazily(source: RowSource, count: number): void {
    this.lazy = new LazyRows(source, count);
    this.chunks = Array.from({ length: this.lazy.chunks }, () => undefined);
    this.shared = this.chunks.map(() => 0);
  }

  loadAll(): void {
    for (let index = 0; this.lazy !== null; index++) {
      if (this.chunks[index] === undefined) this.load(index);
    }
  }

  encode(count: number): string {
    this.loadAll();
    const rows = new Int32Array(count);
    copyRows(this.chunks, rows, count, 'out');
    return bytesToBase64(rows);
  }

  decode(text: string, count: number): void {
    const rows = new Int32Array(base64ToBytes(text, count * 4).buffer);
    for (let index = 0; index <= count >>> chunkBits; index++) this.writable(index);
    copyRows(this.chunks, rows, count, 'in');
  }
}

/** Rows 0..rows-1 of a column still in the snapshot file, and how many of its chunks are unread. */
class LazyRows {
  readonly chunks: number;
  private unread: number;

  constructor(
    private readonly source: RowSource,
    count: number,
  ) {
    if (!littleEndian) throw new Error('Engine snapshots need a little-endian machine');
    this.rows = count + 1;
    this.chunks = Math.ceil(this.rows / chunkRows);
    this.unread = this.chunks;
  }

  readonly rows: number;

  /** Reads chunk `index`'s rows into `target` (a whole chunk; rows past the end stay 0). */
  readChunk(index: number, target: Uint8Array, rowBytes: number): void {
    const first = index * chunkRows;
    const rows = Math.min(chunkRows, this.rows - first);
    this.source.read(first * rowBytes, target.subarray(0, rows * rowBytes));
    this.unread--;
  }

  /** Reads rows first..first+rows-1 into the start of `target`. */
  readRows(first: number, rows: number, rowBytes: number, target: Uint8Array): void {
    this.source.read(first * rowBytes, target.subarray(0, rows * rowBytes));
  }

  loaded(): boolean {
    return this.unread === 0;
  }
}

function captureChunks(
  chunks: readonly (Float64Array | Int32Array | undefined)[],
  shared: number[],
  lazy: LazyRows | null,
  count: number,
  rowBytes: number,
): CapturedRows {
  const pieces: (Uint8Array | { first: number; rows: number; stored: number })[] = [];
  const held: { index: number; chunk: Float64Array | Int32Array }[] = [];
  for (let first = 0; first <= count; first += chunkRows) {
    const index = first >>> chunkBits;
    const rows = Math.min(chunkRows, count + 1 - first);
    const chunk = chunks[index];
    if (chunk !== undefined) {
      shared[index]++;
      held.push({ index, chunk });
      pieces.push(new Uint8Array(chunk.buffer, chunk.byteOffset, rows * rowBytes));
    } else if (lazy !== null && index < lazy.chunks) {
      // Still in the snapshot file, which never changes: read it when it is written out.
      // Rows past the file's (orders still in play) were never set, so they are zeros.
      pieces.push({ first, rows, stored: Math.min(rows, lazy.rows - first) });
    } else {
      pieces.push(new Uint8Array(rows * rowBytes)); // never written: zeros
    }
  }
  return function* () {
    let staging: Uint8Array | null = null;
    for (const piece of pieces) {
      if (piece instanceof Uint8Array) {
        yield piece;
        continue;
      }
      staging ??= new Uint8Array(chunkRows * rowBytes);
      lazy!.readRows(piece.first, piece.stored, rowBytes, staging);
      staging.fill(0, piece.stored * rowBytes, piece.rows * rowBytes);
      yield staging.subarray(0, piece.rows * rowBytes);
    }
    // Written out: the chunks may change in place again (unless a later change already copied
    // one, or another snapshot still holds it).
    for (const { index, chunk } of held) {
      if (chunks[index] === chunk && shared[index] > 0) shared[index]--;
    }
  };
}

/** Copies rows 1..count between chunks and a flat array (row r at index r - 1), chunk by chunk. */
function copyRows<A extends Float64Array | Int32Array>(
  chunks: (A | undefined)[],
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
