// Binary sections of a snapshot: columns of numbers as raw little-endian bytes, and columns of
// strings as one UTF-8 blob plus byte lengths. A restart checks every section's checksum, then
// reads a section's bytes only when (and as far as) the restored state uses them.
//
// Why: on small VMs the cost of a restart is mostly memory touched for the first time (page
// faults, 6-15 ms per MB measured here) and garbage collection, and a JSON snapshot of a busy
// sandbox is a 100 MB string parsed into millions of objects. Raw columns need neither.
//
// Writing: a section is a function returning its bytes piece by piece; the writer pulls one
// piece, checksums and writes it, and only then asks for the next, so a piece may be a reused
// staging buffer and encoding never holds the whole section in memory.

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

const unclosedFiles = new FinalizationRegistry<() => void>((release) => {
  try {
    release();
  } catch {
    // Closing a file nobody reads any more: nothing to tell anyone.
  }
});

/** Reads bytes of the snapshot file: `length` bytes at file position `position` into `target`. */
export type ReadAt = (target: Uint8Array, position: number) => void;

/**
 * The sections of a snapshot as read back. Their checksums were verified when the file was
 * opened (streamed through a small buffer); their bytes are read only when asked for, so a
 * restart touches only the memory of what it uses (see the top of this file). The file stays
 * open until `close`, which first runs what was registered with `beforeClose` (a state reading
 * in the rest of what it still needs).
 */
export class SnapshotSections {
  static readonly none = SnapshotSections.fromBuffers([]);
  private readonly finishers: (() => void)[] = [];
  private closed = false;

  private constructor(
    private readonly table: readonly { readonly at: number; readonly bytes: number }[],
    private readonly readAt: ReadAt,
    private readonly release: () => void,
  ) {}

  /** Sections held in memory (tests, and snapshots with nothing to read lazily). */
  static fromBuffers(buffers: readonly Uint8Array[]): SnapshotSections {
    let at = 0;
    const table = buffers.map((buffer) => ({
      at: (at += buffer.byteLength) - buffer.byteLength,
      bytes: buffer.byteLength,
    }));
    return new SnapshotSections(
      table,
      (target, position) => {
        const index = table.findIndex(
          (entry) => position >= entry.at && position < entry.at + entry.bytes,
        );
        const buffer = buffers[index];
        const offset = position - table[index].at;
        target.set(buffer.subarray(offset, offset + target.byteLength));
      },
      () => undefined,
    );
  }

  /**
   * Sections of an open file, at the positions `table` gives; `release` closes the file. Should
   * the sections be dropped without `close` (a state read for a moment, then let go), the file is
   * closed once they are garbage: nothing can read through them any more by then.
   */
  static fromFile(
    table: readonly { readonly at: number; readonly bytes: number }[],
    readAt: ReadAt,
    release: () => void,
  ): SnapshotSections {
    let open = true;
    const releaseOnce = () => {
      if (!open) return;
      open = false;
      release();
    };
    const sections = new SnapshotSections(table, readAt, releaseOnce);
    unclosedFiles.register(sections, releaseOnce);
    return sections;
  }

  get count(): number {
    return this.table.length;
  }

  byteLength(index: number): number {
    return this.entry(index).bytes;
  }

  /** Reads `target.byteLength` bytes of section `index`, from byte `offset` of it. */
  read(index: number, offset: number, target: Uint8Array): void {
    const entry = this.entry(index);
    if (offset < 0 || offset + target.byteLength > entry.bytes) {
      throw new RangeError(
        `bytes ${offset}..${offset + target.byteLength} are outside snapshot section ${index} ` +
          `(${entry.bytes} bytes)`,
      );
    }
    if (this.closed) {
      throw new Error(
        'the snapshot file was closed with the store; read what you need of a restored state ' +
          'before closing the store',
      );
    }
    if (target.byteLength > 0) this.readAt(target, entry.at + offset);
  }

  /** The whole of section `index`, read now into a buffer of its own. */
  bytes(index: number): Uint8Array {
    const bytes = Buffer.allocUnsafeSlow(this.byteLength(index));
    this.read(index, 0, bytes);
    return bytes;
  }

  /** Where to read section `index`, which must hold exactly `byteLength` bytes. */
  source(index: number, byteLength: number): { read(offset: number, target: Uint8Array): void } {
    const bytes = this.byteLength(index);
    if (bytes !== byteLength) {
      throw new Error(`snapshot section ${index} holds ${bytes} bytes; expected ${byteLength}`);
    }
    return { read: (offset, target) => this.read(index, offset, target) };
  }

  /** Runs `finish` before the file is closed, so a state can read in what it still lacks. */
  beforeClose(finish: () => void): void {
    this.finishers.push(finish);
  }

  /** Runs the `beforeClose` callbacks, then closes the file. Later reads throw. */
  close(): void {
    if (this.closed) return;
    try {
      for (const finish of this.finishers.splice(0)) finish();
    } finally {
      this.discard();
    }
  }

  /** Closes the file without finishing anything (the state that read it is being dropped). */
  discard(): void {
    if (this.closed) return;
    this.closed = true;
    this.finishers.length = 0;
    this.release();
  }

  private entry(index: number): { at: number; bytes: number } {
    const entry = this.table[index];
    if (entry === undefined) {
      throw new Error(`the snapshot refers to section ${index} but holds ${this.count}`);
    }
    return entry;
  }
}
