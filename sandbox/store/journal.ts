// The append-only journal: every acknowledged event is on disk before its
// promise resolves.
//
// Group commit: appends are encoded into a pending buffer at once (so LSN order
// is call order) and one writer loop drains it: one write and one fdatasync per
// batch. While a batch is in flight, new appends collect in the other buffer and
// go out together in the next round, so many concurrent appenders share each sync.
// The first append after an idle period waits one setImmediate, so every request
// handled in the same event-loop turn joins the same batch.
//
// Framing, segment naming and recovery on open are in frame.ts and journal-recovery.ts.
import * as fs from 'node:fs';
import { join } from 'node:path';
import {
  asError,
  describeError,
  nodeStoreIo,
  privateDirMode,
  type StoreIo,
  writeFully,
} from './durable-fs';
import { checkRecordText, encodeFrame, frameBytesBound } from './frame';
import {
  type JournalRecovery,
  recoverSegments,
  type RepairMode,
  segmentFileName,
  type SegmentInfo,
} from './journal-recovery';
import { type RecordVisitor, replaySegments } from './journal-replay';
import { acquireDirectoryLock, type DirectoryLock } from './lock';
import { LsnWaiters } from './lsn-waiters';

/** 'fsync': an append resolves once its bytes are fdatasync'd. 'none': once written (tests, benchmarks). */
export type Durability = 'fsync' | 'none';

export interface JournalOptions {
  /** Data folder; created if missing. Holds journal-<first LSN>.tbj segments and journal.lock. */
  readonly dir: string;
  readonly durability?: Durability;
  /** A segment is closed and a new one started once it has passed this size. Default 64 MiB. */
  readonly maxSegmentBytes?: number;
  /** LSN of the first record when the folder holds no journal yet (e.g. after a snapshot). Default 1. */
  readonly startLsn?: number;
  /** What to do with damage that is not a torn tail: refuse to open (default) or cut it off. */
  readonly repair?: RepairMode;
  /** Replaces the file calls of a running journal, for tests that count, fail or crash them. */
  readonly io?: StoreIo;
  /** See RecoverOptions.verifyFromLsn: segments wholly before it are checked only if replayed. */
  readonly verifyFromLsn?: number;
}

export interface JournalStats {
  readonly firstLsn: number;
  readonly lastLsn: number;
  readonly durableLsn: number;
  readonly segments: number;
  /** Since open: records appended, write batches, fdatasync calls, bytes written. */
  readonly appended: number;
  readonly batches: number;
  readonly syncs: number;
  readonly bytesWritten: number;
}

interface RollWaiter {
  resolve(): void;
  reject(error: Error): void;
}

const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;
const INITIAL_BATCH_BYTES = 256 * 1024;
/** A batch buffer larger than this (after a burst) is dropped rather than kept for reuse. */
const MAX_KEPT_BATCH_BYTES = 16 * 1024 * 1024;

export function openJournal(options: JournalOptions): Journal {
  fs.mkdirSync(options.dir, { recursive: true, mode: privateDirMode });
  const lock = acquireDirectoryLock(options.dir);
  try {
    const durability = options.durability ?? 'fsync';
    const { segments, recovery } = recoverSegments({
      dir: options.dir,
      startLsn: options.startLsn ?? 1,
      repair: options.repair ?? 'refuse',
      syncToDisk: durability === 'fsync',
      ...(options.verifyFromLsn !== undefined && { verifyFromLsn: options.verifyFromLsn }),
    });
    const active = segments.at(-1)!;
    const fd = fs.openSync(active.path, 'r+');
    return new Journal(options, durability, lock, segments, recovery, fd);
  } catch (error) {
    lock.release();
    throw error;
  }
}

export class Journal {
  readonly dir: string;
  /** What opening found: record count, and any torn tail that was cut off. */
  readonly recovery: JournalRecovery;
  private readonly durability: Durability;
  private readonly maxSegmentBytes: number;
  private readonly io: StoreIo;
  private readonly lock: DirectoryLock;
  private readonly segments: SegmentInfo[];
  private activeFd: number;
  private nextLsn: number;
  private durable: number;
  private pending: Buffer = Buffer.allocUnsafe(INITIAL_BATCH_BYTES);
  private pendingBytes = 0;
  private spare: Buffer | null = Buffer.allocUnsafe(INITIAL_BATCH_BYTES);
  private readonly waiters = new LsnWaiters();
  private rollWaiters: RollWaiter[] = [];
  private drainScheduled = false;
  private draining = false;
  private drainDone: Promise<void> = Promise.resolve();
  private failed: Error | null = null;
  private phase: 'open' | 'closing' | 'closed' = 'open';
  private closing: Promise<void> | null = null;
  private appended = 0;
  private batches = 0;
  private syncs = 0;
  private bytesWritten = 0;

  /** Use openJournal(); this constructor takes what it has already recovered. */
  constructor(
    options: JournalOptions,
    durability: Durability,
    lock: DirectoryLock,
    segments: SegmentInfo[],
    recovery: JournalRecovery,
    activeFd: number,
  ) {
    this.dir = options.dir;
    this.durability = durability;
    this.maxSegmentBytes = options.maxSegmentBytes ?? DEFAULT_SEGMENT_BYTES;
    this.io = options.io ?? nodeStoreIo;
    this.lock = lock;
    this.segments = segments;
    this.recovery = recovery;
    this.activeFd = activeFd;
    const active = segments.at(-1)!;
    this.nextLsn = active.firstLsn + active.records;
    this.durable = this.nextLsn - 1;
  }

  /** LSN of the oldest record still on disk (older segments may have been deleted). */
  get firstLsn(): number {
    return this.segments[0].firstLsn;
  }

  /** LSN of the newest appended record, durable or not; firstLsn - 1 when empty. */
  get lastLsn(): number {
    return this.nextLsn - 1;
  }

  /** The disk error that stopped the journal, or null while it is healthy. */
  get failure(): Error | null {
    return this.failed;
  }

  /** Every record up to this LSN is on disk. */
  get durableLsn(): number {
    return this.durable;
  }

  get stats(): JournalStats {
    return {
      firstLsn: this.firstLsn,
      lastLsn: this.lastLsn,
      durableLsn: this.durable,
      segments: this.segments.length,
      appended: this.appended,
      batches: this.batches,
      syncs: this.syncs,
      bytesWritten: this.bytesWritten,
    };
  }

  /** Appends one JSON-serializable value; resolves with its LSN once it is durable. */
  append(value: unknown): Promise<number> {
    return this.appendMany([value]);
  }

  /** Appends values with consecutive LSNs; resolves with the last LSN once all are durable. */
  appendMany(values: readonly unknown[]): Promise<number> {
    let texts: string[];
    try {
      texts = values.map(toJsonText);
    } catch (error) {
      return Promise.reject(asError(error));
    }
    return this.appendSerialized(texts);
  }

  /**
   * Appends texts that are already JSON (each the output of JSON.stringify; the
   * journal does not parse them again). Used by the store, which serializes
   * events before applying them.
   */
  appendSerialized(jsonTexts: readonly string[]): Promise<number> {
    const refusal = this.appendRefusal();
    if (refusal !== null) return Promise.reject(refusal);
    if (jsonTexts.length === 0) return this.flush();
    try {
      for (const text of jsonTexts) checkRecordText(text);
    } catch (error) {
      return Promise.reject(asError(error));
    }
    for (const text of jsonTexts) {
      const needed = this.pendingBytes + frameBytesBound(text);
      if (needed > this.pending.length) this.growPending(needed);
      this.pendingBytes = encodeFrame(this.pending, this.pendingBytes, text);
    }
    this.nextLsn += jsonTexts.length;
    this.appended += jsonTexts.length;
    return this.waitFor(this.nextLsn - 1);
  }

  /** Resolves with lastLsn once everything appended so far is durable. */
  flush(): Promise<number> {
    if (this.failed !== null) return Promise.reject(this.failed);
    if (this.durable === this.lastLsn) return Promise.resolve(this.durable);
    return this.waitFor(this.lastLsn);
  }

  /**
   * Starts a new segment once everything appended so far is written, so that
   * older segments can later be deleted whole. Does nothing if the current
   * segment is still empty.
   */
  roll(): Promise<void> {
    const refusal = this.appendRefusal();
    if (refusal !== null) return Promise.reject(refusal);
    return new Promise((resolve, reject) => {
      this.rollWaiters.push({ resolve, reject });
      this.scheduleDrain();
    });
  }

  /**
   * Deletes whole segments whose records all have LSN < `lsn` (e.g. everything
   * a snapshot covers). The segment being written is never deleted. Resolves
   * with the number of files deleted.
   */
  async deleteSegmentsBefore(lsn: number): Promise<number> {
    const doomed: SegmentInfo[] = [];
    while (this.segments.length > 1 && this.segments[1].firstLsn <= lsn) {
      doomed.push(this.segments.shift()!);
    }
    // Oldest first, each made durable before the next: a crash part-way must
    // leave a contiguous journal, never one with a hole in the middle.
    for (let index = 0; index < doomed.length; index++) {
      try {
        await this.io.unlink(doomed[index].path);
        if (this.durability === 'fsync') await this.io.syncDir(this.dir);
      } catch (error) {
        this.segments.unshift(...doomed.slice(index));
        throw new Error(
          `Could not delete the old journal segment "${doomed[index].path}": ` +
            `${describeError(error)}. It is kept; nothing is lost.`,
          { cause: error },
        );
      }
    }
    return doomed.length;
  }

  /**
   * Calls `onRecord` for every written record with LSN >= fromLsn, in order,
   * synchronously. Records still waiting for their write are not included; call
   * after flush() for a complete view. Returns the number of records delivered.
   * Checksums were verified when the journal was opened and are not re-checked.
   */
  replay(fromLsn: number, onRecord: RecordVisitor): number {
    if (this.phase === 'closed') throw new Error(`The journal in "${this.dir}" is closed.`);
    return replaySegments(this.segments, fromLsn, onRecord);
  }

  /** Writes what is pending, then closes the file and releases the folder. Appends after close reject. */
  close(): Promise<void> {
    this.closing ??= this.closeOnce();
    return this.closing;
  }

  private async closeOnce(): Promise<void> {
    this.phase = 'closing';
    let flushError: unknown = null;
    try {
      if (this.failed === null) await this.flush();
    } catch (error) {
      flushError = error;
    }
    while (this.draining || this.drainScheduled) await this.drainDone;
    this.phase = 'closed';
    try {
      await this.io.close(this.activeFd);
    } finally {
      this.lock.release();
    }
    if (flushError !== null) throw asError(flushError);
  }

  /** Why an append would be refused right now (closed, or stopped by a disk error), or null. */
  appendRefusal(): Error | null {
    if (this.failed !== null) return this.failed;
    if (this.phase !== 'open') {
      return new Error(`The journal in "${this.dir}" is closed; reopen it to append.`);
    }
    return null;
  }

  private waitFor(lsn: number): Promise<number> {
    const durable = this.waiters.add(lsn);
    this.scheduleDrain();
    return durable;
  }

  private growPending(needed: number): void {
    const grown = Buffer.allocUnsafe(Math.max(needed, this.pending.length * 2));
    this.pending.copy(grown, 0, 0, this.pendingBytes);
    this.pending = grown;
  }

  private scheduleDrain(): void {
    if (this.draining || this.drainScheduled) return;
    this.drainScheduled = true;
    this.drainDone = new Promise((resolve) => {
      setImmediate(() => {
        this.drainScheduled = false;
        void this.drain().then(resolve, resolve);
      });
    });
  }

  // `draining` is set and cleared synchronously around the loop: an append that
  // arrives after the loop's last check must see it cleared and schedule again.
  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.failed === null && (this.pendingBytes > 0 || this.rollWaiters.length > 0)) {
        const rolls = this.rollWaiters;
        this.rollWaiters = [];
        if (this.pendingBytes > 0) await this.writePending();
        if (rolls.length > 0) await this.rollNow(rolls);
      }
    } finally {
      this.draining = false;
    }
  }

  private async writePending(): Promise<void> {
    const batch = this.pending;
    const bytes = this.pendingBytes;
    const lastLsn = this.nextLsn - 1;
    this.pending = this.spare ?? Buffer.allocUnsafe(INITIAL_BATCH_BYTES);
    this.spare = null;
    this.pendingBytes = 0;
    try {
      if (this.segments.at(-1)!.bytes >= this.maxSegmentBytes) {
        await this.startSegment(this.durable + 1);
      }
      const active = this.segments.at(-1)!;
      await writeFully(this.io, this.activeFd, batch, bytes, active.bytes);
      if (this.durability === 'fsync') {
        await this.io.fdatasync(this.activeFd);
        this.syncs++;
      }
      active.bytes += bytes;
      active.records += lastLsn - this.durable;
      this.durable = lastLsn;
      this.batches++;
      this.bytesWritten += bytes;
      this.waiters.resolveThrough(lastLsn);
    } catch (error) {
      this.fail(error);
    }
    if (batch.length <= MAX_KEPT_BATCH_BYTES) this.spare = batch;
  }

  private async rollNow(rolls: RollWaiter[]): Promise<void> {
    if (this.failed === null && this.segments.at(-1)!.bytes > 0) {
      try {
        await this.startSegment(this.durable + 1);
      } catch (error) {
        this.fail(error);
      }
    }
    for (const waiter of rolls) {
      if (this.failed === null) waiter.resolve();
      else waiter.reject(this.failed);
    }
  }

  private async startSegment(firstLsn: number): Promise<void> {
    const path = join(this.dir, segmentFileName(firstLsn));
    const fd = await this.io.open(path, 'wx+');
    // The new file's directory entry must be durable before records go into it.
    if (this.durability === 'fsync') await this.io.syncDir(this.dir);
    const previousFd = this.activeFd;
    this.activeFd = fd;
    this.segments.push({ firstLsn, path, bytes: 0, records: 0, verified: true });
    await this.io.close(previousFd);
  }

  // After a failed write or sync the file's contents are unknown (and on Linux a
  // failed fsync may have dropped the dirty pages), so nothing more is accepted.
  private fail(cause: unknown): void {
    this.failed = new Error(
      `The journal in "${this.dir}" could not save to disk (${describeError(cause)}) and has ` +
        `stopped accepting events, so that nothing unsaved is reported as saved. Everything ` +
        `acknowledged before this is safe. Free disk space or fix the disk, then restart the sandbox.`,
      { cause },
    );
    this.waiters.rejectAll(this.failed);
    for (const waiter of this.rollWaiters) waiter.reject(this.failed);
    this.rollWaiters = [];
    this.pendingBytes = 0;
  }
}

/** JSON.stringify that refuses values with no JSON form (undefined, functions). */
export function toJsonText(value: unknown): string {
  const text: string | undefined = JSON.stringify(value);
  if (text === undefined) {
    throw new TypeError(`Only JSON values can be journaled, not ${typeof value}.`);
  }
  return text;
}
