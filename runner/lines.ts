/**
 * Splits a child process's output into printable lines. Scripts may write anything: binary,
 * invalid UTF-8, terminal escapes, or megabytes without a newline. None of it may break the
 * reader or grow memory without bound, so bytes are cut at `maxLineBytes` and every byte that
 * is not printable text is shown escaped (`\x1b`, `\xff`).
 */

export const defaultMaxLineBytes = 8 * 1024;

export interface OutputLine {
  text: string;
  /** The line went on past `maxLineBytes`: the rest follows as further lines. */
  continued: boolean;
}

export class LineSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private readonly maxLineBytes: number;

  constructor(
    private readonly onLine: (line: OutputLine) => void,
    options: { maxLineBytes?: number } = {},
  ) {
    this.maxLineBytes = Math.max(4, options.maxLineBytes ?? defaultMaxLineBytes);
  }

  push(chunk: Buffer): void {
    let start = 0;
    while (start < chunk.length) {
      const newline = chunk.indexOf(0x0a, start);
      const end = newline === -1 ? chunk.length : newline;
      this.append(chunk.subarray(start, end));
      if (newline === -1) return;
      this.flush(false);
      start = newline + 1;
    }
  }

  /** The output ended: whatever is left is the last line. */
  end(): void {
    if (this.pendingBytes > 0) this.flush(false);
  }

  private append(bytes: Buffer): void {
    let rest = bytes;
    while (this.pendingBytes + rest.length > this.maxLineBytes) {
      const room = this.maxLineBytes - this.pendingBytes;
      const cut = room + utf8CarryBack(rest, room);
      this.pending.push(rest.subarray(0, cut));
      this.pendingBytes += cut;
      rest = rest.subarray(cut);
      this.flush(true);
    }
    if (rest.length > 0) {
      // A copy: the chunk's memory belongs to the stream and may be reused.
      this.pending.push(Buffer.from(rest));
      this.pendingBytes += rest.length;
    }
  }

  private flush(continued: boolean): void {
    let bytes = this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending);
    this.pending = [];
    this.pendingBytes = 0;
    if (!continued && bytes.length > 0 && bytes[bytes.length - 1] === 0x0d)
      bytes = bytes.subarray(0, -1);
    this.onLine({ text: printable(bytes), continued });
  }
}

/**
 * How many bytes to move a cut at `room` back so that it does not split a UTF-8 character
 * (0 or negative). With nothing pending, `room` is at least 4, so a cut always keeps a byte.
 */
function utf8CarryBack(rest: Buffer, room: number): number {
  for (let back = 0; back < 4 && back <= room; back++) {
    const byte = rest[room - back];
    if (byte === undefined || (byte & 0xc0) !== 0x80) return -back;
  }
  return 0;
}

const hex = (byte: number) => `\\x${byte.toString(16).padStart(2, '0')}`;

/** Bytes as text: valid UTF-8 kept, control characters and invalid bytes escaped. Tabs stay. */
export function printable(bytes: Buffer): string {
  let plain = true;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i];
    if (byte < 0x20 ? byte !== 0x09 : byte >= 0x7f) {
      plain = false;
      break;
    }
  }
  if (plain) return bytes.toString('latin1');
  let text = '';
  let i = 0;
  while (i < bytes.length) {
    const byte = bytes[i];
    if (byte < 0x80) {
      text +=
        byte === 0x09 || (byte >= 0x20 && byte !== 0x7f) ? String.fromCharCode(byte) : hex(byte);
      i += 1;
      continue;
    }
    const decoded = decodeUtf8At(bytes, i);
    if (decoded === null) {
      text += hex(byte);
      i += 1;
    } else {
      const { codePoint, length } = decoded;
      // C1 controls (U+0080..U+009F) steer terminals like the C0 ones.
      text +=
        codePoint <= 0x9f
          ? `\\u${codePoint.toString(16).padStart(4, '0')}`
          : String.fromCodePoint(codePoint);
      i += length;
    }
  }
  return text;
}

/** One UTF-8 sequence at `at`, or null when it is malformed, overlong or a surrogate. */
function decodeUtf8At(bytes: Buffer, at: number): { codePoint: number; length: number } | null {
  const lead = bytes[at];
  let length: number;
  let codePoint: number;
  let min: number;
  if (lead >= 0xc2 && lead <= 0xdf) [length, codePoint, min] = [2, lead & 0x1f, 0x80];
  else if (lead >= 0xe0 && lead <= 0xef) [length, codePoint, min] = [3, lead & 0x0f, 0x800];
  else if (lead >= 0xf0 && lead <= 0xf4) [length, codePoint, min] = [4, lead & 0x07, 0x10000];
  else return null;
  if (at + length > bytes.length) return null;
  for (let k = 1; k < length; k++) {
    const next = bytes[at + k];
    if ((next & 0xc0) !== 0x80) return null;
    codePoint = (codePoint << 6) | (next & 0x3f);
  }
  if (codePoint < min || codePoint > 0x10ffff || (codePoint >= 0xd800 && codePoint <= 0xdfff))
    return null;
  return { codePoint, length };
}
