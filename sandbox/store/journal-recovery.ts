// Opening a journal: find its segment files, check every record, and decide
// what a damaged record means.
//
// A crash can only damage the end of the last segment (the batch being written
// when the power went), and such a batch was never acknowledged, so a bad frame
// with nothing valid after it is a torn tail: it is cut off and reported. A bad
// frame that is followed by intact records, or one in an older segment, means
// acknowledged data was damaged after the fact; guessing there could silently
// lose orders, so opening is refused unless the caller asks for `repair`.
import * as fs from 'node:fs';
import { join } from 'node:path';
import { fsyncDirSync, privateFileMode } from './durable-fs';
import { checkFrame, describeFrameProblem, FileWindow, FRAME_HEADER_BYTES } from './frame';

export const SEGMENT_PREFIX = 'journal-';
export const SEGMENT_SUFFIX = '.tbj';
const SEGMENT_PATTERN = /^journal-(\d{16})\.tbj$/;
const SCAN_CHUNK_BYTES = 4 * 1024 * 1024;

export function segmentFileName(firstLsn: number): string {
  return `${SEGMENT_PREFIX}${String(firstLsn).padStart(16, '0')}${SEGMENT_SUFFIX}`;
}

/** One segment file: records firstLsn .. firstLsn + records - 1, in its first `bytes` bytes. */
export interface SegmentInfo {
  readonly firstLsn: number;
  readonly path: string;
  bytes: number;
  records: number;
  /**
   * False for a segment that opening did not read, because a snapshot covers all its records
   * (see RecoverOptions.verifyFromLsn); its record count then comes from the next segment's
   * name. It is checked before anything reads records from it.
   */
  verified: boolean;
}

export interface JournalRecovery {
  readonly segments: number;
  readonly records: number;
  /** Bytes of an interrupted final write that were cut off the last segment (0 if none). */
  readonly droppedTailBytes: number;
  readonly droppedTailFile: string | null;
  readonly droppedTailReason: string | null;
  /** Set when `repair: 'truncate'` discarded damaged data that was followed by intact records. */
  readonly repaired: {
    readonly file: string;
    readonly offset: number;
    readonly reason: string;
    readonly discardedBytes: number;
    readonly deletedSegments: number;
  } | null;
}

export type RepairMode = 'refuse' | 'truncate';

/** The journal holds damaged records that are not an interrupted last write. */
export class JournalCorruptionError extends Error {
  constructor(
    readonly file: string,
    readonly offset: number,
    readonly reason: string,
    detail: string,
  ) {
    super(
      `The journal file "${file}" is damaged at byte offset ${offset}: ${reason}. ${detail} ` +
        `It was not opened, so that no acknowledged order is silently lost. Restore the folder ` +
        `from a backup, or move it aside to start a fresh sandbox account; to keep every record ` +
        `before byte ${offset} and discard the rest, open it with the option repair: 'truncate'.`,
    );
    this.name = 'JournalCorruptionError';
  }
}

interface SegmentScan {
  readonly records: number;
  readonly validBytes: number;
  readonly fileBytes: number;
  /** First damaged position and why, or null when the whole file is valid. */
  readonly damage: { readonly offset: number; readonly reason: string } | null;
  /** Position of an intact record after the damage, or null when none follows. */
  readonly intactAfter: number | null;
}

function scanSegment(path: string, window: FileWindow): SegmentScan {
  const fd = fs.openSync(path, 'r');
  try {
    const fileBytes = fs.fstatSync(fd).size;
    window.reset(fd, fileBytes);
    let position = 0;
    let records = 0;
    while (position < fileBytes) {
      const frame = checkFrame(window, position);
      if (frame < 0) {
        const damage = { offset: position, reason: describeFrameProblem(frame) };
        const intactAfter = findIntactFrame(window, position + 1, fileBytes);
        return { records, validBytes: position, fileBytes, damage, intactAfter };
      }
      position += frame;
      records++;
    }
    return { records, validBytes: position, fileBytes, damage: null, intactAfter: null };
  } finally {
    fs.closeSync(fd);
  }
}

// Tries every byte position: a valid frame (length in range, checksum matching)
// at a random position has odds of about 1 in 2^32, so a hit means real records.
function findIntactFrame(window: FileWindow, from: number, fileBytes: number): number | null {
  for (let position = from; position + FRAME_HEADER_BYTES < fileBytes; position++) {
    if (checkFrame(window, position) > 0) return position;
  }
  return null;
}

export function listSegmentFiles(dir: string): { firstLsn: number; path: string }[] {
  return fs
    .readdirSync(dir)
    .map((name) => ({ name, match: SEGMENT_PATTERN.exec(name) }))
    .filter((entry) => entry.match !== null)
    .map((entry) => ({ firstLsn: Number(entry.match![1]), path: join(dir, entry.name) }))
    .sort((a, b) => a.firstLsn - b.firstLsn);
}

export interface RecoverOptions {
  readonly dir: string;
  /** LSN of the first record when the folder holds no journal yet. */
  readonly startLsn: number;
  readonly repair: RepairMode;
  readonly syncToDisk: boolean;
  /**
   * Segments whose records all come before this LSN are not read on open: a snapshot covers
   * them, so a restart does not replay them (and reading 64 MiB files to check them was a large
   * part of a restart). Default 1: check every segment. Ignored with repair 'truncate'.
   */
  readonly verifyFromLsn?: number;
}

/** Validates every segment, cuts a torn tail, and returns the segment table. */
export function recoverSegments(options: RecoverOptions): {
  segments: SegmentInfo[];
  recovery: JournalRecovery;
} {
  const { dir, syncToDisk } = options;
  const files = listSegmentFiles(dir);
  if (files.length === 0) {
    const path = join(dir, segmentFileName(options.startLsn));
    fs.closeSync(fs.openSync(path, 'wx', privateFileMode));
    if (syncToDisk) fsyncDirSync(dir);
    const segments = [{ firstLsn: options.startLsn, path, bytes: 0, records: 0, verified: true }];
    return { segments, recovery: emptyRecovery(1) };
  }

  const window = new FileWindow(SCAN_CHUNK_BYTES);
  const segments: SegmentInfo[] = [];
  let dropped: Pick<JournalRecovery, 'droppedTailBytes' | 'droppedTailFile' | 'droppedTailReason'> =
    { droppedTailBytes: 0, droppedTailFile: null, droppedTailReason: null };
  let repaired: JournalRecovery['repaired'] = null;

  for (let index = 0; index < files.length; index++) {
    const file = files[index];
    const previous = segments.at(-1);
    if (previous !== undefined && previous.firstLsn + previous.records !== file.firstLsn) {
      const expected = previous.firstLsn + previous.records;
      throw new JournalCorruptionError(
        file.path,
        0,
        `it starts at record ${file.firstLsn}, but the previous segment ends before record ${expected}`,
        file.firstLsn > expected
          ? 'A segment file between them is missing.'
          : 'Two segment files overlap.',
      );
    }
    const next = files[index + 1];
    const verifyFrom = options.repair === 'refuse' ? (options.verifyFromLsn ?? 1) : 1;
    if (next !== undefined && next.firstLsn <= verifyFrom) {
      const bytes = fs.statSync(file.path).size;
      segments.push({ ...file, bytes, records: next.firstLsn - file.firstLsn, verified: false });
      continue;
    }
    const scan = scanSegment(file.path, window);
    segments.push({ ...file, bytes: scan.validBytes, records: scan.records, verified: true });
    if (scan.damage === null) continue;

    const isLast = index === files.length - 1;
    const tornTail = isLast && scan.intactAfter === null;
    if (!tornTail && options.repair !== 'truncate') {
      throw new JournalCorruptionError(
        file.path,
        scan.damage.offset,
        scan.damage.reason,
        scan.intactAfter !== null
          ? `Intact records follow at byte ${scan.intactAfter}, so this is not an interrupted last write.`
          : `Newer segment files follow it, so this is not an interrupted last write.`,
      );
    }
    truncateFile(file.path, scan.validBytes, syncToDisk);
    const cut = scan.fileBytes - scan.validBytes;
    if (tornTail) {
      dropped = {
        droppedTailBytes: cut,
        droppedTailFile: file.path,
        droppedTailReason: scan.damage.reason,
      };
      break;
    }
    const later = files.slice(index + 1);
    for (const segment of later) fs.unlinkSync(segment.path);
    if (syncToDisk && later.length > 0) fsyncDirSync(dir);
    repaired = {
      file: file.path,
      offset: scan.damage.offset,
      reason: scan.damage.reason,
      discardedBytes: cut,
      deletedSegments: later.length,
    };
    break;
  }

  const records = segments.reduce((sum, segment) => sum + segment.records, 0);
  return {
    segments,
    recovery: { ...emptyRecovery(segments.length), ...dropped, records, repaired },
  };
}

/**
 * Checks a segment that opening skipped (see SegmentInfo.verified) before its records are read;
 * throws a JournalCorruptionError if any record is damaged or missing.
 */
export function verifySkippedSegment(segment: SegmentInfo): void {
  if (segment.verified) return;
  const scan = scanSegment(segment.path, new FileWindow(SCAN_CHUNK_BYTES));
  if (scan.damage !== null) {
    throw new JournalCorruptionError(
      segment.path,
      scan.damage.offset,
      scan.damage.reason,
      'Newer segment files follow it, so this is not an interrupted last write.',
    );
  }
  if (scan.records !== segment.records || scan.validBytes !== segment.bytes) {
    throw new JournalCorruptionError(
      segment.path,
      scan.validBytes,
      `it holds ${scan.records} records, but the next segment's name says ${segment.records}`,
      'A segment file may have been replaced.',
    );
  }
  segment.verified = true;
}

function emptyRecovery(segments: number): JournalRecovery {
  return {
    segments,
    records: 0,
    droppedTailBytes: 0,
    droppedTailFile: null,
    droppedTailReason: null,
    repaired: null,
  };
}

function truncateFile(path: string, bytes: number, syncToDisk: boolean): void {
  const fd = fs.openSync(path, 'r+');
  try {
    fs.ftruncateSync(fd, bytes);
    if (syncToDisk) fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
