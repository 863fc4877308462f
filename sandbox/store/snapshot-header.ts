// The header line at the start of a snapshot file, in every version a sandbox has written.
//
// Version 3 (written): a JSON line padded with spaces to 255 characters, then '\n':
//   {"format":"timber-sandbox-snapshot","version":3,"lsn":N,"index_at":X,"index_bytes":Y,"index_crc32":C}
// Its fixed text is 97 characters and its numbers at most 16 + 16 + 16 + 10 digits (safe
// integers and a 32-bit CRC), 155 in all: the 256 bytes reserved always hold it, and the
// encoder checks that before anything is written.
//
// Version 2 (read only): the same line in 128 bytes. Its writer assumed the line always fit, but
// once the four numbers passed 30 digits together (an LSN past 10,000, an index and sections
// past 10 MB, a ten-digit CRC) only the first 128 bytes of it reached the file: the closing
// brace and the newline, sometimes the CRC's last digits too, were lost. Such a header is
// completed from the file itself: the index runs from index_at (always whole: it ends before
// byte 80) to the end of the file, and its CRC is computed. The completed header is accepted
// only if encoding it as version 2 did gives back the 128 bytes on disk exactly; the index and
// section CRCs are then checked as for any snapshot.
//
// Version 1 (read only): {"format":...,"version":1,"lsn":N,"bytes":B,"crc32":C} in 128 bytes,
// then B bytes of JSON state.
import { isAscii } from 'node:buffer';

export const SNAPSHOT_FORMAT = 'timber-sandbox-snapshot';
export const SNAPSHOT_VERSION = 3;
/** Bytes reserved for a version 3 header: binary sections start here. */
export const HEADER_BYTES = 256;
/** Bytes of the header of versions 1 and 2. */
const OLD_HEADER_BYTES = 128;
const NEWLINE = 10;

/** What a header says, in every version. */
export interface SnapshotHeader {
  readonly version: 1 | 2 | 3;
  readonly lsn: number;
  /** Bytes the header takes: sections (versions 2, 3) or the state (version 1) start here. */
  readonly headerBytes: number;
  /** Where the checksummed text starts (the index; version 1: the state), its size and CRC-32. */
  readonly at: number;
  readonly bytes: number;
  /**
   * The CRC-32 the text must have; null for a cut version 2 header, whose text's CRC is
   * computed and then confirmed by completeCutHeader.
   */
  readonly crc32: number | null;
  /** The 128 bytes of a version 2 header that earlier sandboxes cut short; null otherwise. */
  readonly cutLine: Buffer | null;
}

/** The version 3 header for an index of `bytes` bytes at `indexAt` with CRC-32 `crc`. */
export function encodeHeader(lsn: number, indexAt: number, bytes: number, crc: number): Buffer {
  for (const [name, value] of Object.entries({ lsn, indexAt, bytes, crc })) {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new RangeError(
        `A snapshot header's ${name} must be a whole number >= 0, not ${value}.`,
      );
    }
  }
  if (crc > 0xffffffff) throw new RangeError(`A CRC-32 is at most 0xffffffff, not ${crc}.`);
  const line = headerLine(SNAPSHOT_VERSION, lsn, indexAt, bytes, crc);
  // Unreachable for the values checked above; here so that a later field cannot cut it again.
  if (line.length >= HEADER_BYTES) {
    throw new Error(`A snapshot header of ${line.length} characters does not fit ${HEADER_BYTES}.`);
  }
  // JSON allows the trailing spaces, which keep the header a fixed size.
  return Buffer.from(`${line.padEnd(HEADER_BYTES - 1, ' ')}\n`, 'latin1');
}

function headerLine(
  version: 2 | 3,
  lsn: number,
  indexAt: number,
  bytes: number,
  crc: number,
): string {
  return JSON.stringify({
    format: SNAPSHOT_FORMAT,
    version,
    lsn,
    index_at: indexAt,
    index_bytes: bytes,
    index_crc32: crc,
  });
}

/**
 * Parses the header from the file's first bytes (`head`: up to HEADER_BYTES of them) and its
 * size; throws an Error saying what is wrong with it.
 */
export function parseHeader(head: Buffer, fileBytes: number): SnapshotHeader {
  const cut = cutVersion2Header(head, fileBytes);
  if (cut !== null) return cut;
  const newline = head.indexOf(NEWLINE);
  if (newline < 0) throw new Error('it has no header line');
  const fields = parseLine(head.toString('utf8', 0, newline));
  const numbers = (...names: string[]) =>
    names.every((name) => Number.isSafeInteger(fields[name]) && (fields[name] as number) >= 0);
  const version = fields.format === SNAPSHOT_FORMAT ? fields.version : undefined;
  if (version === 1 && numbers('lsn', 'bytes', 'crc32') && newline < OLD_HEADER_BYTES) {
    const { lsn, bytes, crc32 } = fields as Record<string, number>;
    const at = newline + 1;
    return { version, lsn, headerBytes: at, at, bytes, crc32, cutLine: null };
  }
  if (
    (version === 2 || version === 3) &&
    numbers('lsn', 'index_at', 'index_bytes', 'index_crc32')
  ) {
    const headerBytes = version === 2 ? OLD_HEADER_BYTES : HEADER_BYTES;
    const {
      lsn,
      index_at: at,
      index_bytes: bytes,
      index_crc32: crc32,
    } = fields as Record<string, number>;
    if (newline !== headerBytes - 1) {
      throw new Error(
        `its version ${version} header line ends at byte ${newline + 1}, not ${headerBytes}`,
      );
    }
    if (at < headerBytes)
      throw new Error(`its header puts the index at byte ${at}, inside the header`);
    return { version, lsn, headerBytes, at, bytes, crc32, cutLine: null };
  }
  throw new Error(
    `its header is not a Timber sandbox snapshot header of version 1 to ${SNAPSHOT_VERSION} ` +
      '(a newer sandbox may have written it)',
  );
}

function parseLine(line: string): Record<string, unknown> {
  let header: unknown;
  try {
    header = JSON.parse(line);
  } catch {
    throw new Error('its header line is not JSON');
  }
  return (typeof header === 'object' && header !== null ? header : {}) as Record<string, unknown>;
}

const cutPattern =
  /^\{"format":"timber-sandbox-snapshot","version":2,"lsn":(\d{1,16}),"index_at":(\d{1,16}),/;

/** A version 2 header with no newline in its 128 bytes: cut short by an earlier sandbox. */
function cutVersion2Header(head: Buffer, fileBytes: number): SnapshotHeader | null {
  if (head.length < OLD_HEADER_BYTES) return null;
  const line = head.subarray(0, OLD_HEADER_BYTES);
  if (line.includes(NEWLINE) || !isAscii(line)) return null;
  const match = cutPattern.exec(line.toString('latin1'));
  if (match === null) return null;
  const lsn = Number(match[1]);
  const at = Number(match[2]);
  if (at < OLD_HEADER_BYTES || at > fileBytes) {
    throw new Error(`its cut version 2 header puts the index at byte ${at}, outside the file`);
  }
  const cutLine = Buffer.from(line);
  return {
    version: 2,
    lsn,
    headerBytes: OLD_HEADER_BYTES,
    at,
    bytes: fileBytes - at,
    crc32: null,
    cutLine,
  };
}

/**
 * Accepts a cut version 2 header once the index's CRC-32 is known: the header an earlier sandbox
 * meant to write, cut at 128 bytes as it was, must be the bytes on disk. Throws otherwise.
 */
export function completeCutHeader(header: SnapshotHeader, indexCrc: number): void {
  if (header.cutLine === null) return;
  const meant = Buffer.from(headerLine(2, header.lsn, header.at, header.bytes, indexCrc), 'latin1');
  if (!meant.subarray(0, OLD_HEADER_BYTES).equals(header.cutLine)) {
    throw new Error(
      'its version 2 header was cut short and does not match its index (the index or the ' +
        'header is damaged)',
    );
  }
}
