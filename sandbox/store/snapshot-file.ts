// One snapshot file, written in pieces and read back section by section.
//
// Version 2 layout (written):
//   [0, 128)        a header line of JSON padded with spaces:
//                   {"format":"timber-sandbox-snapshot","version":2,"lsn":N,"index_at":X,"index_bytes":Y,"index_crc32":C}
//   [128, X)        binary sections, each starting on a multiple of 8 bytes (snapshot-sections.ts)
//   [X, X + Y)      the index, UTF-8 JSON: {"sections":[[at, bytes, crc32], ...],"meta":<state meta>}
// The file ends exactly at X + Y. Every section and the index carry a CRC-32.
//
// Version 1 (read only, written by earlier sandboxes): the header line
//   {"format":"timber-sandbox-snapshot","version":1,"lsn":N,"bytes":B,"crc32":C}
// then B bytes of UTF-8 JSON state; it reads back as that state with no sections.
//
// Why pieces: the state can be tens of MB. Writing ~1 MB at a time (with a yield to the event
// loop after each write) keeps appends flowing while a snapshot is written, and encoding into
// reused buffers touches little fresh memory, which is slow on small VMs. The header goes in
// last, in place, once the index's position and checksum are known.
import { isAscii } from 'node:buffer';
import * as fs from 'node:fs';
import { crc32 } from './crc32';
import { describeError } from './durable-fs';
import { type SectionSource, SnapshotSections } from './snapshot-sections';

const FORMAT = 'timber-sandbox-snapshot';
const VERSION = 2;
const JSON_VERSION = 1;
const HEADER_BYTES = 128;
const SECTION_ALIGNMENT = 8;
const ENCODE_CHUNK_CHARS = 1024 * 1024;
const VERIFY_CHUNK_BYTES = 4 * 1024 * 1024;

/** What a snapshot file holds: the meta (for version 1, the whole state) and its sections. */
export interface SnapshotContents {
  readonly meta: unknown;
  readonly sections: SnapshotSections;
}

/**
 * Writes the snapshot to `path` (a temp file the caller renames); resolves with its size.
 * `metaJson` is JSON text, already captured; `sections` are pulled one piece at a time.
 */
export async function writeSnapshotFile(
  path: string,
  lsn: number,
  metaJson: string,
  sections: readonly SectionSource[],
  syncToDisk: boolean,
): Promise<number> {
  const handle = await fs.promises.open(path, 'w');
  try {
    let position = HEADER_BYTES;
    const table: [number, number, number][] = [];
    for (const source of sections) {
      position = Math.ceil(position / SECTION_ALIGNMENT) * SECTION_ALIGNMENT;
      const at = position;
      let crc = 0;
      for (const piece of source()) {
        crc = crc32(piece, 0, piece.byteLength, crc);
        await writeAll(handle, piece, piece.byteLength, position);
        position += piece.byteLength;
      }
      table.push([at, position - at, crc]);
    }
    const indexAt = position;
    const index = `{"sections":${JSON.stringify(table)},"meta":${metaJson}}`;
    const { bytes, crc } = await writeText(handle, index, indexAt);
    await writeAll(handle, encodeHeader(lsn, indexAt, bytes, crc), HEADER_BYTES, 0);
    if (syncToDisk) await handle.datasync();
    return indexAt + bytes;
  } finally {
    await handle.close();
  }
}

/** Writes `text` as UTF-8 at `position`, ~1 MB at a time; resolves with its size and CRC-32. */
async function writeText(
  handle: fs.promises.FileHandle,
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
    await writeAll(handle, chunk, written, position + bytes);
    bytes += written;
    start = end;
  }
  return { bytes, crc };
}

/**
 * Reads and checks a snapshot file; throws an Error saying what is wrong with it. Reads
 * synchronously: it runs while the sandbox starts, when nothing else waits for the event loop,
 * and a thread-pool round trip per read only adds latency.
 */
export function readSnapshotFile(path: string, expectedLsn: number): Promise<SnapshotContents> {
  try {
    return Promise.resolve(readSnapshotFileSync(path, expectedLsn));
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}

function readSnapshotFileSync(path: string, expectedLsn: number): SnapshotContents {
  let fd = fs.openSync(path, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const head = Buffer.alloc(Math.min(HEADER_BYTES, size));
    readFully(fd, head, head.length, 0);
    const newline = head.indexOf(10);
    if (newline < 0) throw new Error('it has no header line');
    const header = parseHeader(head.toString('utf8', 0, newline));
    if (header.lsn !== expectedLsn) {
      throw new Error(`its header says LSN ${header.lsn} but its name says ${expectedLsn}`);
    }
    if (header.version === JSON_VERSION) {
      const meta = parseJson(readChecked(fd, newline + 1, header, size), 'its state');
      return { meta, sections: SnapshotSections.none };
    }
    if (header.at + header.bytes !== size) {
      throw new Error(`it holds ${size} bytes, but its header says ${header.at + header.bytes}`);
    }
    const index = parseIndex(readChecked(fd, header.at, header, size), header.at);
    verifySections(fd, index.sections);
    if (index.sections.length === 0) return { meta: index.meta, sections: SnapshotSections.none };
    // The sections are read when the state uses them; the file stays open until the store closes.
    const table = index.sections.map(([at, bytes]) => ({ at, bytes }));
    const file = fd;
    fd = -1;
    const sections = SnapshotSections.fromFile(
      table,
      (target, position) => {
        if (readFully(file, target, target.byteLength, position) < target.byteLength) {
          throw new Error(`the snapshot "${path}" was cut short after it was opened`);
        }
      },
      () => fs.closeSync(file),
    );
    return { meta: index.meta, sections };
  } finally {
    if (fd >= 0) fs.closeSync(fd);
  }
}

/**
 * Checks every section's CRC-32 by streaming it through one small buffer: a damaged snapshot is
 * found now, while the older one can still be used, without reading the state into memory.
 */
function verifySections(fd: number, sections: readonly [number, number, number][]): void {
  const largest = sections.reduce((most, [, bytes]) => Math.max(most, bytes), 0);
  const buffer = Buffer.allocUnsafe(Math.min(largest, VERIFY_CHUNK_BYTES));
  for (const [number, [at, bytes, expected]] of sections.entries()) {
    let crc = 0;
    for (let done = 0; done < bytes;) {
      const length = Math.min(buffer.length, bytes - done);
      if (readFully(fd, buffer, length, at + done) < length) {
        throw new Error(`section ${number} was cut short while being read`);
      }
      crc = crc32(buffer, 0, length, crc);
      done += length;
    }
    if (crc !== expected) throw new Error(`section ${number}'s checksum does not match`);
  }
}

interface Header {
  version: 1 | 2;
  lsn: number;
  /** Where the checked text starts (version 2: the index) and its size and CRC-32. */
  at: number;
  bytes: number;
  crc32: number;
}

/** The text the header describes (version 1: the state; 2: the index), once its checksum matches. */
function readChecked(fd: number, at: number, header: Header, size: number): Buffer {
  if (size - at !== header.bytes) {
    throw new Error(`it holds ${size - at} bytes of state, expected ${header.bytes}`);
  }
  const payload = Buffer.allocUnsafe(header.bytes);
  const read = readFully(fd, payload, payload.length, at);
  if (read < payload.length) throw new Error('it was cut short while being read');
  if (crc32(payload, 0, read) !== header.crc32) throw new Error('its checksum does not match');
  return payload;
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

function parseIndex(
  payload: Buffer,
  indexAt: number,
): { sections: [number, number, number][]; meta: unknown } {
  const index = parseJson(payload, 'its index');
  const fail = (why: string) => new Error(`its index is not a snapshot index: ${why}`);
  if (typeof index !== 'object' || index === null || !('sections' in index) || !('meta' in index)) {
    throw fail('it lacks "sections" or "meta"');
  }
  const { sections, meta } = index;
  if (!Array.isArray(sections)) throw fail('"sections" is not a list');
  let end = HEADER_BYTES;
  for (const entry of sections as unknown[]) {
    const valid =
      Array.isArray(entry) &&
      entry.length === 3 &&
      entry.every((value) => Number.isSafeInteger(value) && (value as number) >= 0);
    if (!valid) throw fail(`section entry ${JSON.stringify(entry)} is not [at, bytes, crc32]`);
    const [at, bytes] = entry as number[];
    if (at < end || at + bytes > indexAt) throw fail(`section at ${at} overlaps another part`);
    end = at + bytes;
  }
  return { sections: sections as [number, number, number][], meta };
}

function encodeHeader(lsn: number, indexAt: number, bytes: number, crc: number): Buffer {
  const line = JSON.stringify({
    format: FORMAT,
    version: VERSION,
    lsn,
    index_at: indexAt,
    index_bytes: bytes,
    index_crc32: crc,
  });
  // JSON allows the trailing spaces, which keep the header a fixed size.
  return Buffer.from(`${line.padEnd(HEADER_BYTES - 1, ' ')}\n`, 'utf8');
}

function parseHeader(line: string): Header {
  let header: unknown;
  try {
    header = JSON.parse(line);
  } catch {
    throw new Error('its header line is not JSON');
  }
  const fields = (typeof header === 'object' && header !== null ? header : {}) as Record<
    string,
    unknown
  >;
  const numbers = (...names: string[]) =>
    names.every((name) => typeof fields[name] === 'number' && Number.isSafeInteger(fields[name]));
  if (
    fields.format === FORMAT &&
    fields.version === JSON_VERSION &&
    numbers('lsn', 'bytes', 'crc32')
  ) {
    const { lsn, bytes, crc32: crc } = fields as Record<string, number>;
    return { version: 1, lsn, at: -1, bytes, crc32: crc };
  }
  if (
    fields.format === FORMAT &&
    fields.version === VERSION &&
    numbers('lsn', 'index_at', 'index_bytes', 'index_crc32')
  ) {
    const at = fields.index_at as number;
    if (at < HEADER_BYTES)
      throw new Error(`its header puts the index at byte ${at}, inside the header`);
    const { lsn, index_bytes: bytes, index_crc32: crc } = fields as Record<string, number>;
    return { version: 2, lsn, at, bytes, crc32: crc };
  }
  throw new Error(
    `its header is not a Timber sandbox snapshot header of version ${JSON_VERSION} or ${VERSION} ` +
      '(a newer sandbox may have written it)',
  );
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

async function writeAll(
  handle: fs.promises.FileHandle,
  buffer: Uint8Array,
  length: number,
  position: number,
): Promise<void> {
  let done = 0;
  while (done < length) {
    const { bytesWritten } = await handle.write(buffer, done, length - done, position + done);
    if (bytesWritten <= 0) throw new Error(`the disk accepted 0 of ${length - done} bytes`);
    done += bytesWritten;
  }
}

function readFully(fd: number, buffer: Uint8Array, length: number, position: number): number {
  let done = 0;
  while (done < length) {
    const bytesRead = fs.readSync(fd, buffer, done, length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done;
}
