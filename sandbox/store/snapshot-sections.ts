// Binary sections of a snapshot: columns of numbers as raw little-endian bytes, and columns of
// strings as one UTF-8 blob plus byte lengths. A restart reads each section into one buffer and
// uses views into it, so loading creates almost no objects and copies nothing.
//
// Why not JSON: on small VMs the cost of a restart is mostly memory touched for the first time
// (page faults, ~6 ms per MB measured here) and garbage collection, and a JSON snapshot of a
// busy sandbox is a 100 MB string parsed into millions of objects. Raw columns are read once.
//
// Writing: a section is a function returning its bytes piece by piece; the writer pulls one
// piece, checksums and writes it, and only then asks for the next, so a piece may be a reused
// staging buffer and encoding never holds the whole section in memory.
import { isAscii } from 'node:buffer';

/** The bytes of one section, produced piece by piece (see above). */
export type SectionSource = () => Iterable<Uint8Array>;

/**
 * What a state's serializer hands the store for a binary snapshot: sections of bytes, and a
 * small JSON `meta` that says what they hold (by section number, as `add` returned it).
 */
export class SnapshotImage {
  meta: unknown = null;
  readonly sections: SectionSource[] = [];

  /** Adds a section; returns its number, for the meta to refer to. */
  add(source: SectionSource): number {
    this.sections.push(source);
    return this.sections.length - 1;
  }
}

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Sections store numbers in little-endian order, which typed arrays use on every machine we run on. */
export function requireLittleEndian(): void {
  if (!littleEndian) {
    throw new Error('Binary sandbox snapshots need a little-endian machine (x86-64 or ARM64).');
  }
}

const pieceRows = 64 * 1024;
const stagingBytes = 1024 * 1024;

/** A section of `count` doubles, `valueAt(0 .. count-1)`. */
export function float64Section(count: number, valueAt: (index: number) => number): SectionSource {
  return function* () {
    requireLittleEndian();
    const staging = new Float64Array(Math.min(count, pieceRows));
    for (let start = 0; start < count; start += staging.length) {
      const rows = Math.min(staging.length, count - start);
      for (let row = 0; row < rows; row++) staging[row] = valueAt(start + row);
      yield new Uint8Array(staging.buffer, 0, rows * 8);
    }
  };
}

/** A section of `count` 32-bit integers, `valueAt(0 .. count-1)`. */
export function int32Section(count: number, valueAt: (index: number) => number): SectionSource {
  return function* () {
    requireLittleEndian();
    const staging = new Int32Array(Math.min(count, pieceRows));
    for (let start = 0; start < count; start += staging.length) {
      const rows = Math.min(staging.length, count - start);
      for (let row = 0; row < rows; row++) staging[row] = valueAt(start + row);
      yield new Uint8Array(staging.buffer, 0, rows * 4);
    }
  };
}

/**
 * Adds a column of `count` strings (or nulls) as two sections: their UTF-8 byte lengths (-1 for
 * null) and the bytes one after the other. Returns both section numbers.
 */
export function addStringColumn(
  image: SnapshotImage,
  count: number,
  stringAt: (index: number) => string | null,
): { lengths: number; bytes: number } {
  const lengths = image.add(
    int32Section(count, (index) => {
      const text = stringAt(index);
      return text === null ? -1 : Buffer.byteLength(text, 'utf8');
    }),
  );
  const bytes = image.add(function* () {
    const staging = Buffer.allocUnsafe(stagingBytes);
    let used = 0;
    for (let index = 0; index < count; index++) {
      const text = stringAt(index);
      if (text === null || text.length === 0) continue;
      // 3 bytes per UTF-16 unit always suffice; only a long string needs its exact size.
      const bound = text.length * 3;
      if (bound > stagingBytes - used && Buffer.byteLength(text, 'utf8') > stagingBytes - used) {
        if (used > 0) yield staging.subarray(0, used);
        used = 0;
        if (bound > stagingBytes) {
          yield Buffer.from(text, 'utf8');
          continue;
        }
      }
      used += staging.write(text, used, 'utf8');
    }
    if (used > 0) yield staging.subarray(0, used);
  });
  return { lengths, bytes };
}

/** The sections of a snapshot as read back, each in its own buffer, already checksummed. */
export class SnapshotSections {
  static readonly none = new SnapshotSections([]);

  constructor(private readonly buffers: readonly Uint8Array[]) {}

  get count(): number {
    return this.buffers.length;
  }

  bytes(index: number): Uint8Array {
    const bytes = this.buffers[index];
    if (bytes === undefined) {
      throw new Error(`the snapshot refers to section ${index} but holds ${this.count}`);
    }
    return bytes;
  }

  float64(index: number, count: number): Float64Array {
    requireLittleEndian();
    const bytes = aligned(this.sized(index, count * 8), 8);
    return new Float64Array(bytes.buffer, bytes.byteOffset, count);
  }

  int32(index: number, count: number): Int32Array {
    requireLittleEndian();
    const bytes = aligned(this.sized(index, count * 4), 4);
    return new Int32Array(bytes.buffer, bytes.byteOffset, count);
  }

  strings(column: { lengths: number; bytes: number }, count: number): StringColumn {
    return new StringColumn(this.int32(column.lengths, count), this.bytes(column.bytes));
  }

  private sized(index: number, byteLength: number): Uint8Array {
    const bytes = this.bytes(index);
    if (bytes.byteLength !== byteLength) {
      throw new Error(
        `snapshot section ${index} holds ${bytes.byteLength} bytes; expected ${byteLength}`,
      );
    }
    return bytes;
  }
}

/** The bytes themselves when they start on a multiple of `alignment`, else a copy that does. */
function aligned(bytes: Uint8Array, alignment: number): Uint8Array {
  return bytes.byteOffset % alignment === 0 ? bytes : new Uint8Array(bytes);
}

/** A column of strings read back: each string is decoded only when asked for. */
export class StringColumn {
  private readonly starts: Float64Array;
  private readonly blob: Buffer;
  private readonly encoding: 'latin1' | 'utf8';

  constructor(
    private readonly lengths: Int32Array,
    bytes: Uint8Array,
  ) {
    this.starts = new Float64Array(lengths.length);
    let start = 0;
    for (let index = 0; index < lengths.length; index++) {
      this.starts[index] = start;
      start += Math.max(0, lengths[index]);
    }
    if (start !== bytes.byteLength) {
      throw new Error(
        `a string column holds ${bytes.byteLength} bytes; its lengths add up to ${start}`,
      );
    }
    this.blob = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    // One-byte strings are cheaper to make and to use than decoding UTF-8.
    this.encoding = isAscii(this.blob) ? 'latin1' : 'utf8';
  }

  get length(): number {
    return this.lengths.length;
  }

  get(index: number): string | null {
    const length = this.lengths[index];
    if (length < 0) return null;
    const start = this.starts[index];
    return this.blob.toString(this.encoding, start, start + length);
  }
}
