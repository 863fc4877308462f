// One snapshot file, written and read in chunks.
//
// Layout: a header line of JSON padded with spaces to HEADER_BYTES,
//   {"format":"timber-sandbox-snapshot","version":1,"lsn":N,"bytes":B,"crc32":C}   ...\n
// then B bytes of UTF-8 JSON state whose CRC-32 is C.
//
// Why chunks: the state can be tens of MB. Encoding it in one Buffer.from
// blocks the event loop for the whole copy and touches as much fresh memory
// (page faults are slow on small VMs: measured ~0.4 s for 50 MB here). Encoding
// ~1 MB at a time into one reused buffer, with a write (and so a yield to the
// event loop) after each, keeps appends flowing while a snapshot is written.
// The header is written last, in place, once the size and CRC are known.
import { isAscii } from 'node:buffer';
import * as fs from 'node:fs';
import { crc32 } from './crc32';
import { describeError } from './durable-fs';

const FORMAT = 'timber-sandbox-snapshot';
const VERSION = 1;
const HEADER_BYTES = 128;
const ENCODE_CHUNK_CHARS = 1024 * 1024;
const READ_CHUNK_BYTES = 4 * 1024 * 1024;

/** Writes the snapshot to `path` (a temp file the caller renames); resolves with its size. */
export async function writeSnapshotFile(
  path: string,
  lsn: number,
  json: string,
  syncToDisk: boolean,
): Promise<number> {
  const handle = await fs.promises.open(path, 'w');
  try {
    const chunk = Buffer.allocUnsafe(ENCODE_CHUNK_CHARS * 3);
    let position = HEADER_BYTES;
    let crc = 0;
    for (let start = 0; start < json.length;) {
      let end = Math.min(json.length, start + ENCODE_CHUNK_CHARS);
      // Never split a surrogate pair: each half alone would encode as U+FFFD.
      if (end < json.length && isHighSurrogate(json.charCodeAt(end - 1))) end--;
      const bytes = chunk.write(json.slice(start, end), 0, 'utf8');
      crc = crc32(chunk, 0, bytes, crc);
      await writeAll(handle, chunk, bytes, position);
      position += bytes;
      start = end;
    }
    const payloadBytes = position - HEADER_BYTES;
    await writeAll(handle, encodeHeader(lsn, payloadBytes, crc), HEADER_BYTES, 0);
    if (syncToDisk) await handle.datasync();
    return position;
  } finally {
    await handle.close();
  }
}

/** Reads and checks a snapshot file; throws an Error saying what is wrong with it. */
export async function readSnapshotFile(path: string, expectedLsn: number): Promise<unknown> {
  const handle = await fs.promises.open(path, 'r');
  try {
    const size = (await handle.stat()).size;
    const chunk = Buffer.allocUnsafe(READ_CHUNK_BYTES);
    const { bytesRead } = await handle.read(chunk, 0, Math.min(1024, size), 0);
    const newline = chunk.subarray(0, bytesRead).indexOf(10);
    if (newline < 0) throw new Error('it has no header line');
    const header = parseHeader(chunk.toString('utf8', 0, newline));
    if (header.lsn !== expectedLsn) {
      throw new Error(`its header says LSN ${header.lsn} but its name says ${expectedLsn}`);
    }
    const payloadStart = newline + 1;
    if (size - payloadStart !== header.bytes) {
      throw new Error(`it holds ${size - payloadStart} bytes of state, expected ${header.bytes}`);
    }
    // One read and one decode: decoding chunk by chunk and joining the pieces cost more than the
    // parse itself for a large state (a rope of thousands of strings has to be flattened).
    const payload = Buffer.allocUnsafe(size - payloadStart);
    const read = await readFully(handle, payload, payload.length, payloadStart);
    if (read < payload.length) throw new Error('it was cut short while being read');
    const crc = crc32(payload, 0, read);
    if (crc !== header.crc32) throw new Error('its checksum does not match');
    try {
      // JSON of plain state is almost always ASCII, and a one-byte string is far cheaper to make
      // and to parse than decoding UTF-8.
      return JSON.parse(payload.toString(isAscii(payload) ? 'latin1' : 'utf8')) as unknown;
    } catch (error) {
      throw new Error(`its state is not JSON (${describeError(error)})`, { cause: error });
    }
  } finally {
    await handle.close();
  }
}

function encodeHeader(lsn: number, bytes: number, crc: number): Buffer {
  const line = JSON.stringify({ format: FORMAT, version: VERSION, lsn, bytes, crc32: crc });
  // JSON allows the trailing spaces, which keep the header a fixed size.
  return Buffer.from(`${line.padEnd(HEADER_BYTES - 1, ' ')}\n`, 'utf8');
}

function parseHeader(line: string): { lsn: number; bytes: number; crc32: number } {
  let header: unknown;
  try {
    header = JSON.parse(line);
  } catch {
    throw new Error('its header line is not JSON');
  }
  if (
    typeof header !== 'object' ||
    header === null ||
    !('format' in header) ||
    header.format !== FORMAT ||
    !('version' in header) ||
    header.version !== VERSION ||
    !('lsn' in header && 'bytes' in header && 'crc32' in header) ||
    typeof header.lsn !== 'number' ||
    typeof header.bytes !== 'number' ||
    typeof header.crc32 !== 'number'
  ) {
    throw new Error(`its header is not a version ${VERSION} Timber sandbox snapshot header`);
  }
  return { lsn: header.lsn, bytes: header.bytes, crc32: header.crc32 };
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

async function writeAll(
  handle: fs.promises.FileHandle,
  buffer: Buffer,
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

async function readFully(
  handle: fs.promises.FileHandle,
  buffer: Buffer,
  length: number,
  position: number,
): Promise<number> {
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(buffer, done, length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done;
}
