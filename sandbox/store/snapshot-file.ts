// One snapshot file, written in pieces and read back section by section.
//
// Version 3 layout (written):
//   [0, 256)        the header line (snapshot-header.ts, which also reads versions 1 and 2)
//   [256, X)        binary sections, each starting on a multiple of 8 bytes (snapshot-sections.ts)
//   [X, X + Y)      the index, UTF-8 JSON: {"sections":[[at, bytes, crc32], ...],"meta":<state meta>}
// The file ends exactly at X + Y. Every section and the index carry a CRC-32.
//
// Why pieces: the state can be hundreds of MB. Writing ~1 MB at a time (with a yield to the
// event loop after each write) keeps appends flowing while a snapshot is written, and encoding
// into reused buffers touches little fresh memory, which is slow on small VMs. The header goes
// in last, in place, once the index's position and checksum are known.
//
// Checking (at a restart, and right after writing, before the file may count) reads the header
// and the index and streams every section through its CRC, asynchronously, so a sandbox that
// checks the snapshot it just wrote goes on answering meanwhile.
import { isAscii } from 'node:buffer';
import * as fs from 'node:fs';
import { crc32 } from './crc32';
import { describeError, readAt, readAtSync, type StoreIo, writeFully } from './durable-fs';
import {
  completeCutHeader,
  encodeHeader,
  HEADER_BYTES,
  parseHeader,
  type SnapshotHeader,
} from './snapshot-header';
import { type SectionSource, SnapshotSections } from './snapshot-sections';

const SECTION_ALIGNMENT = 8;
const ENCODE_CHUNK_CHARS = 1024 * 1024;
const VERIFY_CHUNK_BYTES = 4 * 1024 * 1024;

/** What a snapshot file holds: the meta (for version 1, the whole state) and its sections. */
export interface SnapshotContents {
  readonly meta: unknown;
  readonly sections: SnapshotSections;
  /** The header was a version 2 one that an earlier sandbox cut short, completed from the file. */
  readonly completedHeader: boolean;
}

/**
 * Writes the snapshot to `path` (a temp file the caller renames); resolves with its size.
 * `metaJson` is JSON text, already captured; `sections` are pulled one piece at a time.
 */
export async function writeSnapshotFile(
  io: StoreIo,
  path: string,
  lsn: number,
  metaJson: string,
  sections: readonly SectionSource[],
  syncToDisk: boolean,
): Promise<number> {
  const fd = await io.open(path, 'w');
  try {
    let position = HEADER_BYTES;
    const table: [number, number, number][] = [];
    for (const source of sections) {
      position = Math.ceil(position / SECTION_ALIGNMENT) * SECTION_ALIGNMENT;
      const at = position;
      let crc = 0;
      for (const piece of source()) {
        crc = crc32(piece, 0, piece.byteLength, crc);
        await writeFully(io, fd, piece, piece.byteLength, position);
        position += piece.byteLength;
      }
      table.push([at, position - at, crc]);
    }
    const indexAt = position;
    const index = `{"sections":${JSON.stringify(table)},"meta":${metaJson}}`;
    const { bytes, crc } = await writeText(io, fd, index, indexAt);
    await writeFully(io, fd, encodeHeader(lsn, indexAt, bytes, crc), HEADER_BYTES, 0);
    if (syncToDisk) await io.fdatasync(fd);
    return indexAt + bytes;
  } finally {
    await io.close(fd);
  }
}

/** Writes `text` as UTF-8 at `position`, ~1 MB at a time; resolves with its size and CRC-32. */
async function writeText(
  io: StoreIo,
  fd: number,
  text: string,
  position: number,
): Promise<{ bytes: number; crc: number }> {
  const chunk = Buffer.allocUnsafe(Math.min(text.length, ENCODE_CHUNK_CHARS) * 3);
  let bytes = 0;
  let crc = 0;
  for (let start = 0; start < text.length;) {
    let end = Math.min(text.length, start + ENCODE_CHUNK_CHARS);
    // Never split a surrogate pair: each half alone would encode as U+FFFD.
    if (end < text.length && isHighSurrogate(text.charCodeAt(end - 1))) end--;
    const written = chunk.write(text.slice(start, end), 0, 'utf8');
    crc = crc32(chunk, 0, written, crc);
    await writeFully(io, fd, chunk, written, position + bytes);
    bytes += written;
    start = end;
  }
  return { bytes, crc };
}

/**
 * Reads and checks a snapshot file (header, index, every section's CRC); throws an Error saying
 * what is wrong with it. The sections are then read synchronously when the state uses them:
 * the file stays open until they are closed.
 */
export async function readSnapshotFile(
  path: string,
  expectedLsn: number,
): Promise<SnapshotContents> {
  let fd = fs.openSync(path, 'r');
  try {
    const { meta, sections: checked, header } = await checkOpenFile(fd, expectedLsn, true);
    const completedHeader = header.cutLine !== null;
    if (checked.length === 0) return { meta, sections: SnapshotSections.none, completedHeader };
    const table = checked.map(([at, bytes]) => ({ at, bytes }));
    const file = fd;
    fd = -1;
    const sections = SnapshotSections.fromFile(
      table,
      (target, position) => {
        if (readAtSync(file, target, target.byteLength, position) < target.byteLength) {
          throw new Error(`the snapshot "${path}" was cut short after it was opened`);
        }
      },
      () => fs.closeSync(file),
    );
    return { meta, sections, completedHeader };
  } finally {
    if (fd >= 0) fs.closeSync(fd);
  }
}

/**
 * Checks a snapshot file as a restart would read it, without keeping anything: the header,
 * the index and every section's CRC. Throws an Error saying what is wrong. Resolves with the
 * header's version (2 for a cut header that was completed).
 */
export async function verifySnapshotFile(path: string, expectedLsn: number): Promise<number> {
  const fd = fs.openSync(path, 'r');
  try {
    return (await checkOpenFile(fd, expectedLsn, false)).header.version;
  } finally {
    fs.closeSync(fd);
  }
}

interface CheckedFile {
  readonly header: SnapshotHeader;
  readonly meta: unknown;
  readonly sections: readonly [number, number, number][];
}

/**
 * Checks the header, the index's CRC and every section's. With `withMeta` false (the check of a
 * snapshot just written) the meta is not parsed: its bytes are CRC-checked, and parsing tens of
 * MB of JSON would block the event loop for as long as a restart spends on it.
 */
async function checkOpenFile(
  fd: number,
  expectedLsn: number,
  withMeta: boolean,
): Promise<CheckedFile> {
  const size = fs.fstatSync(fd).size;
  const head = Buffer.alloc(Math.min(HEADER_BYTES, size));
  await readAt(fd, head, head.length, 0);
  const header = parseHeader(head, size);
  if (header.lsn !== expectedLsn) {
    throw new Error(`its header says LSN ${header.lsn} but its name says ${expectedLsn}`);
  }
  if (header.at + header.bytes !== size) {
    throw new Error(`it holds ${size} bytes, but its header says ${header.at + header.bytes}`);
  }
  const payload = Buffer.allocUnsafe(header.bytes);
  if ((await readAt(fd, payload, payload.length, header.at)) < payload.length) {
    throw new Error('it was cut short while being read');
  }
  const crc = crc32(payload, 0, payload.length);
  if (header.cutLine !== null) completeCutHeader(header, crc);
  else if (crc !== header.crc32) throw new Error('its checksum does not match');
  if (header.version === 1) {
    return { header, meta: withMeta ? parseJson(payload, 'its state') : null, sections: [] };
  }
  const index = withMeta
    ? parseIndex(payload, header)
    : { ...indexTable(payload, header), meta: null };
  await verifySections(fd, index.sections);
  return { header, ...index };
}

/**
 * Checks every section's CRC-32 by streaming it through one small buffer: a damaged snapshot is
 * found now, while the older one can still be used, without reading the state into memory.
 */
async function verifySections(
  fd: number,
  sections: readonly [number, number, number][],
): Promise<void> {
  const largest = sections.reduce((most, [, bytes]) => Math.max(most, bytes), 0);
  const buffer = Buffer.allocUnsafe(Math.min(largest, VERIFY_CHUNK_BYTES));
  for (const [number, [at, bytes, expected]] of sections.entries()) {
    let crc = 0;
    for (let done = 0; done < bytes;) {
      const length = Math.min(buffer.length, bytes - done);
      if ((await readAt(fd, buffer, length, at + done)) < length) {
        throw new Error(`section ${number} was cut short while being read`);
      }
      crc = crc32(buffer, 0, length, crc);
      done += length;
    }
    if (crc !== expected) throw new Error(`section ${number}'s checksum does not match`);
  }
}

function parseJson(payload: Buffer, what: string): unknown {
  try {
    // JSON of plain state is almost always ASCII, and a one-byte string is far cheaper to make
    // and to parse than decoding UTF-8.
    return JSON.parse(payload.toString(isAscii(payload) ? 'latin1' : 'utf8')) as unknown;
  } catch (error) {
    throw new Error(`${what} is not JSON (${describeError(error)})`, { cause: error });
  }
}

type SectionTable = [number, number, number][];

const indexFailure = (why: string) => new Error(`its index is not a snapshot index: ${why}`);

function parseIndex(
  payload: Buffer,
  header: SnapshotHeader,
): { sections: SectionTable; meta: unknown } {
  const index = parseJson(payload, 'its index');
  if (typeof index !== 'object' || index === null || !('sections' in index) || !('meta' in index)) {
    throw indexFailure('it lacks "sections" or "meta"');
  }
  return { sections: checkTable(index.sections, header), meta: index.meta };
}

const TABLE_START = Buffer.from('{"sections":');
const META_START = Buffer.from(',"meta":');

/**
 * The section table alone, from the front of an index as the writer lays it out: numbers and
 * brackets up to the first quote, which opens "meta". Another layout is parsed whole.
 */
function indexTable(payload: Buffer, header: SnapshotHeader): { sections: SectionTable } {
  const quote = payload.indexOf(34, TABLE_START.length);
  const metaAt = quote - 1;
  if (
    !payload.subarray(0, TABLE_START.length).equals(TABLE_START) ||
    metaAt < TABLE_START.length ||
    !payload.subarray(metaAt, metaAt + META_START.length).equals(META_START)
  ) {
    return parseIndex(payload, header);
  }
  const table = parseJson(payload.subarray(TABLE_START.length, metaAt), 'its section table');
  return { sections: checkTable(table, header) };
}

function checkTable(sections: unknown, header: SnapshotHeader): SectionTable {
  const fail = indexFailure;
  if (!Array.isArray(sections)) throw fail('"sections" is not a list');
  let end = header.headerBytes;
  for (const entry of sections as unknown[]) {
    const valid =
      Array.isArray(entry) &&
      entry.length === 3 &&
      entry.every((value) => Number.isSafeInteger(value) && (value as number) >= 0);
    if (!valid) throw fail(`section entry ${JSON.stringify(entry)} is not [at, bytes, crc32]`);
    const [at, bytes] = entry as number[];
    if (at < end || at + bytes > header.at) throw fail(`section at ${at} overlaps another part`);
    end = at + bytes;
  }
  return sections as SectionTable;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
