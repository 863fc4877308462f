// Reading records back, fast: one read syscall per 4 MiB chunk, one string
// decode per ~64 KiB of ASCII records, and JSON.parse on substrings. JSON.parse
// itself is most of the cost (measured in bench/store.ts).
import * as fs from 'node:fs';
import { describeError } from './durable-fs';
import { ASCII_FLAG, FileWindow, FRAME_HEADER_BYTES, LENGTH_MASK, readU32 } from './frame';
import { type SegmentInfo, verifySkippedSegment } from './journal-recovery';

export type RecordVisitor = (value: unknown, lsn: number) => void;

const REPLAY_CHUNK_BYTES = 4 * 1024 * 1024;

/** Visits every record with LSN >= fromLsn in the given segments; returns how many. */
export function replaySegments(
  segments: readonly SegmentInfo[],
  fromLsn: number,
  onRecord: RecordVisitor,
): number {
  let first = 0;
  while (first + 1 < segments.length && segments[first + 1].firstLsn <= fromLsn) first++;
  const window = new FileWindow(REPLAY_CHUNK_BYTES);
  let delivered = 0;
  // A copy, so a visitor that deletes segments cannot disturb the iteration.
  for (const segment of segments.slice(first)) {
    if (segment.firstLsn + segment.records <= fromLsn) continue;
    verifySkippedSegment(segment);
    const fd = fs.openSync(segment.path, 'r');
    try {
      window.reset(fd, segment.bytes);
      delivered += replaySegment(window, segment, fromLsn, onRecord);
    } finally {
      fs.closeSync(fd);
    }
  }
  return delivered;
}

function replaySegment(
  window: FileWindow,
  segment: SegmentInfo,
  fromLsn: number,
  onRecord: RecordVisitor,
): number {
  let position = 0;
  let lsn = segment.firstLsn;
  let delivered = 0;
  const end = segment.bytes;
  while (position < end) {
    let i = window.at(position, FRAME_HEADER_BYTES);
    if (i < 0) throw replayError(segment, position, 'the file is shorter than when it was opened');
    const word = readU32(window.buffer, i + 4);
    const payloadBytes = word & LENGTH_MASK;
    if (lsn >= fromLsn) {
      i = window.at(position, FRAME_HEADER_BYTES + payloadBytes);
      if (i < 0)
        throw replayError(segment, position, 'the file is shorter than when it was opened');
      const start = i + FRAME_HEADER_BYTES;
      const text =
        word >= ASCII_FLAG
          ? window.ascii(start, payloadBytes)
          : window.buffer.toString('utf8', start, start + payloadBytes);
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (error) {
        throw replayError(segment, position, `record ${lsn} is not JSON (${describeError(error)})`);
      }
      onRecord(value, lsn);
      delivered++;
    }
    position += FRAME_HEADER_BYTES + payloadBytes;
    lsn++;
  }
  return delivered;
}

function replayError(segment: SegmentInfo, position: number, reason: string): Error {
  return new Error(
    `Replaying the journal file "${segment.path}" failed at byte ${position}: ${reason}. ` +
      `Another program may have changed the file; restart the sandbox so it is checked again.`,
  );
}
