// The journal's record framing, and a chunked reader over a segment file.
//
// A segment file is a sequence of frames, nothing else (no file header: the
// segment's first LSN is in its file name, and the LSN of every later record
// follows from its position):
//
//   offset 0  u32 LE  CRC-32 of bytes [4, 8 + length): the word below and the payload
//   offset 4  u32 LE  word: bits 0..30 payload length in bytes (1 .. 16 MiB),
//                     bit 31 set when the payload is pure ASCII
//   offset 8  payload: UTF-8 JSON text
//
// The CRC covers the length word so that a flipped length or flag bit is caught
// too. The ASCII flag lets replay decode a whole read chunk once (as latin1, one
// byte per char) and hand JSON.parse cheap substrings, instead of decoding every
// record separately; it costs the writer nothing (bytes written === chars).
import { crc32 } from './crc32';
import { readAtSync } from './durable-fs';

export const FRAME_HEADER_BYTES = 8;
export const MAX_PAYLOAD_BYTES = 16 * 1024 * 1024;
export const ASCII_FLAG = 0x80000000;
export const LENGTH_MASK = 0x7fffffff;

export function readU32(buffer: Uint8Array, index: number): number {
  return (
    (buffer[index] |
      (buffer[index + 1] << 8) |
      (buffer[index + 2] << 16) |
      (buffer[index + 3] << 24)) >>>
    0
  );
}

/** Upper bound of the bytes `encodeFrame` needs for this JSON text. */
export function frameBytesBound(json: string): number {
  // Exact length costs a scan of the string; 3 bytes per UTF-16 unit is always enough.
  return FRAME_HEADER_BYTES + (json.length <= 65_536 ? json.length * 3 : Buffer.byteLength(json));
}

/** Throws, in words, when `json` cannot be one journal record: empty, or over the size limit. */
export function checkRecordText(json: string): void {
  if (json.length === 0) throw new TypeError('An empty record cannot be journaled.');
  if (json.length * 3 <= MAX_PAYLOAD_BYTES) return;
  const bytes = Buffer.byteLength(json);
  if (bytes > MAX_PAYLOAD_BYTES) {
    throw new RangeError(
      `A record of ${(bytes / 1048576).toFixed(1)} MiB is larger than the journal's ` +
        `${MAX_PAYLOAD_BYTES / 1048576} MiB limit; split it into smaller events.`,
    );
  }
}

/**
 * Writes one frame for `json` (already passed checkRecordText) at `offset` and
 * returns the offset after it. The caller guarantees `frameBytesBound(json)` bytes of room.
 */
export function encodeFrame(target: Buffer, offset: number, json: string): number {
  const payloadStart = offset + FRAME_HEADER_BYTES;
  const payloadBytes = target.write(json, payloadStart, 'utf8');
  const word = (payloadBytes | (payloadBytes === json.length ? ASCII_FLAG : 0)) >>> 0;
  target.writeUInt32LE(word, offset + 4);
  target.writeUInt32LE(crc32(target, offset + 4, payloadStart + payloadBytes), offset);
  return payloadStart + payloadBytes;
}

/**
 * A sliding window over the first `limit` bytes of a file, refilled in large
 * chunks so a scan costs one read syscall per chunk rather than per record.
 */
export class FileWindow {
  buffer: Buffer;
  /** File position of buffer[0]. */
  private start = 0;
  private filled = 0;
  private text = '';
  private textStart = 0;
  private textEnd = 0;
  private fd = -1;
  private limit = 0;

  constructor(chunkBytes: number) {
    this.buffer = Buffer.allocUnsafe(chunkBytes);
  }

  /** Points the window at another file, reading at most its first `limit` bytes. */
  reset(fd: number, limit: number): void {
    this.fd = fd;
    this.limit = limit;
    this.start = 0;
    this.filled = 0;
    this.textEnd = 0;
  }

  /**
   * Index into `buffer` of file position `position`, with at least `length`
   * bytes readable from there; -1 when the file (or limit) ends sooner.
   */
  at(position: number, length: number): number {
    if (position >= this.start && position + length <= this.start + this.filled) {
      return position - this.start;
    }
    if (position + length > this.limit) return -1;
    if (length > this.buffer.length) {
      this.buffer = Buffer.allocUnsafe(Math.max(length, this.buffer.length * 2));
    }
    const wanted = Math.min(this.buffer.length, this.limit - position);
    this.start = position;
    this.textEnd = 0;
    this.filled = readAtSync(this.fd, this.buffer, wanted, position);
    return this.filled >= length ? 0 : -1;
  }

  /**
   * The ASCII payload at buffer[index, index + length) as a string. Decodes a
   * ~64 KiB stretch at a time and hands out substrings of it: one decode per
   * few hundred records. (Larger stretches become external strings, which cost
   * far more to create and trigger extra GCs.)
   */
  ascii(index: number, length: number): string {
    if (index < this.textStart || index + length > this.textEnd) {
      this.textStart = index;
      this.textEnd = Math.min(this.filled, index + Math.max(TEXT_STRETCH_BYTES, length));
      this.text = this.buffer.toString('latin1', this.textStart, this.textEnd);
    }
    return this.text.substring(index - this.textStart, index - this.textStart + length);
  }
}

const TEXT_STRETCH_BYTES = 64 * 1024;

// checkFrame returns a frame size (> 0) or one of these codes; no object per record.
export const FRAME_HEADER_CUT = -1;
export const FRAME_LENGTH_IMPOSSIBLE = -2;
export const FRAME_PAYLOAD_CUT = -3;
export const FRAME_CHECKSUM_MISMATCH = -4;

export function describeFrameProblem(code: number): string {
  switch (code) {
    case FRAME_HEADER_CUT:
      return 'the record header is cut short';
    case FRAME_LENGTH_IMPOSSIBLE:
      return 'the record length is impossible (zero or over 16 MiB)';
    case FRAME_PAYLOAD_CUT:
      return 'the record is cut short';
    case FRAME_CHECKSUM_MISMATCH:
      return 'the record checksum does not match';
    default:
      return `unknown problem ${code}`;
  }
}

/** Size of the valid frame at `position`, or a negative FRAME_* code saying why there is none. */
export function checkFrame(window: FileWindow, position: number): number {
  let i = window.at(position, FRAME_HEADER_BYTES);
  if (i < 0) return FRAME_HEADER_CUT;
  const payloadBytes = readU32(window.buffer, i + 4) & LENGTH_MASK;
  if (payloadBytes === 0 || payloadBytes > MAX_PAYLOAD_BYTES) return FRAME_LENGTH_IMPOSSIBLE;
  i = window.at(position, FRAME_HEADER_BYTES + payloadBytes);
  if (i < 0) return FRAME_PAYLOAD_CUT;
  const stored = readU32(window.buffer, i);
  const actual = crc32(window.buffer, i + 4, i + FRAME_HEADER_BYTES + payloadBytes);
  return stored === actual ? FRAME_HEADER_BYTES + payloadBytes : FRAME_CHECKSUM_MISMATCH;
}
