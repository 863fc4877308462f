// The running store: appends applied at once and journaled, snapshots in the background with
// their pruning, and the close. openStore (store.ts) builds it from what opening recovered.
import { asError, describeError, type StoreIo } from './durable-fs';
import { type Durability, type Journal, toJsonText } from './journal';
import { checkRecordText } from './frame';
import { captureSnapshot, pruneSnapshots, writeCapturedSnapshot } from './snapshot';
import type { SnapshotSections } from './snapshot-sections';
import type { SnapshotTiming, Store, StoreOptions, StoreRecovery, StoreStats } from './store';

const DEFAULT_SNAPSHOT_EVERY = 100_000;

/** Use openStore(); this takes what opening has recovered. */
export class JournaledStore<S, E> implements Store<S, E> {
  readonly recovery: StoreRecovery;
  private readonly options: StoreOptions<S, E>;
  private readonly durability: Durability;
  private readonly io: StoreIo;
  private readonly journal: Journal;
  private readonly serialize: (state: S) => unknown;
  private readonly snapshotEvery: number;
  private readonly currentState: S;
  /** The newest snapshot that read back: loaded at open, or written and checked since. */
  private snapshotLsn: number;
  /** The LSN the last snapshot attempt started at, failed or not. */
  private attemptedLsn = 0;
  private snapshotQueue: Promise<void> = Promise.resolve();
  private snapshotRunning = false;
  private snapshotsWritten = 0;
  private lastSnapshot: SnapshotTiming | null = null;
  private lastSnapshotError: string | null = null;
  private failure: Error | null = null;
  private phase: 'open' | 'closing' | 'closed' = 'open';
  private closing: Promise<void> | null = null;

  constructor(
    options: StoreOptions<S, E>,
    durability: Durability,
    io: StoreIo,
    journal: Journal,
    state: S,
    recovery: StoreRecovery,
    private readonly loadedSections: SnapshotSections | null,
  ) {
    this.options = options;
    this.durability = durability;
    this.io = io;
    this.journal = journal;
    this.currentState = state;
    this.recovery = recovery;
    this.snapshotLsn = recovery.snapshotLsn;
    this.serialize = options.serialize ?? ((value: S) => value);
    this.snapshotEvery = options.snapshotEvery ?? DEFAULT_SNAPSHOT_EVERY;
  }

  get state(): S {
    return this.currentState;
  }

  get stats(): StoreStats {
    return {
      lastLsn: this.journal.lastLsn,
      durableLsn: this.journal.durableLsn,
      snapshotLsn: this.snapshotLsn,
      snapshotsWritten: this.snapshotsWritten,
      lastSnapshot: this.lastSnapshot,
      lastSnapshotError: this.lastSnapshotError,
      journal: this.journal.stats,
    };
  }

  append(events: readonly E[]): Promise<number> {
    if (this.failure !== null) return Promise.reject(this.failure);
    if (this.phase !== 'open') {
      return Promise.reject(new Error(`The sandbox store in "${this.options.dir}" is closed.`));
    }
    const refusal = this.journal.appendRefusal();
    if (refusal !== null) return Promise.reject(refusal);
    if (events.length === 0) return Promise.resolve(this.journal.lastLsn);
    // One record per append: the events of one command reach the disk together or not at all,
    // so a torn tail can never keep an order and lose the idempotency record beside it.
    let text: string;
    try {
      const texts = events.map(toJsonText);
      text = texts.length === 1 ? texts[0] : `[${texts.join(',')}]`;
      checkRecordText(text);
    } catch (error) {
      return Promise.reject(asError(error));
    }
    // Everything that can refuse the batch has been checked; from here the
    // journal takes it. Apply before journaling: an event that apply() rejects
    // never reaches the disk, where it would fail again on every restart.
    const lsn = this.journal.lastLsn + 1;
    for (let index = 0; index < events.length; index++) {
      try {
        this.options.apply(this.currentState, events[index], lsn);
      } catch (error) {
        this.failure = new Error(
          `Applying event ${index + 1} of record ${lsn} failed (${describeError(error)}), so the in-memory ` +
            `state no longer matches the journal and the store accepts no more events. Nothing ` +
            `of this batch was saved. Restart the sandbox to reload the last saved state.`,
          { cause: error },
        );
        return Promise.reject(this.failure);
      }
    }
    const durable = this.journal.appendSerialized([text]);
    this.maybeSnapshotInBackground();
    return durable;
  }

  snapshot(): Promise<void> {
    if (this.phase === 'closed') {
      return Promise.reject(new Error(`The sandbox store in "${this.options.dir}" is closed.`));
    }
    return this.queueSnapshot();
  }

  close(): Promise<void> {
    this.closing ??= this.closeOnce();
    return this.closing;
  }

  private async closeOnce(): Promise<void> {
    this.phase = 'closing';
    await this.snapshotQueue;
    const wanted = this.options.snapshotOnClose ?? true;
    const healthy = this.failure === null && this.journal.failure === null;
    if (wanted && healthy && this.journal.lastLsn > this.snapshotLsn) {
      await this.queueSnapshot().catch(() => undefined);
    }
    try {
      // After the closing snapshot, which may still have read from the loaded one.
      this.loadedSections?.close();
    } finally {
      try {
        await this.journal.close();
      } finally {
        this.phase = 'closed';
      }
    }
  }

  private maybeSnapshotInBackground(): void {
    if (this.snapshotEvery <= 0 || this.snapshotRunning) return;
    // After a failed attempt (a full disk, a state too large to write), the next waits as many
    // events again: trying on every append would roll a segment and redo the work each time.
    const since = Math.max(this.snapshotLsn, this.attemptedLsn);
    if (this.journal.lastLsn - since < this.snapshotEvery) return;
    this.queueSnapshot().catch((error: unknown) => {
      this.options.onBackgroundError?.(asError(error));
    });
  }

  // Snapshots run one at a time; a failure is recorded and rethrown to the
  // caller who asked, but does not stop later snapshots.
  private queueSnapshot(): Promise<void> {
    this.snapshotRunning = true;
    const run = this.snapshotQueue.then(() => this.takeSnapshot());
    this.snapshotQueue = run.then(
      () => {
        this.snapshotRunning = false;
      },
      (error: unknown) => {
        this.snapshotRunning = false;
        this.lastSnapshotError = describeError(error);
      },
    );
    return run;
  }

  // Every step keeps this true: a restart can rebuild every acknowledged event, from the newest
  // snapshot that reads back or, should that one be damaged later, from the one before it, each
  // with the journal after it.
  //   1. roll: the segments before the new one hold only events the snapshot will cover;
  //   2. the journal is flushed: a snapshot is never ahead of what the disk has;
  //   3. the file is written, read back, and only then named (writeCapturedSnapshot);
  //   4. snapshots older than the previous checked one are deleted: the new one and the
  //      previous remain, both known to have read back;
  //   5. segments wholly before the previous one's end are deleted: both can still replay.
  // Nothing is ever deleted for a snapshot that failed: the last good pair stays as it was.
  private async takeSnapshot(): Promise<void> {
    await this.journal.roll();
    const lsn = this.journal.lastLsn;
    if (lsn === this.snapshotLsn) return;
    this.attemptedLsn = lsn;
    const serializeStarted = performance.now();
    // Synchronous, so the state cannot change while it is captured.
    const captured = captureSnapshot(this.serialize(this.currentState));
    const writeStarted = performance.now();
    await this.journal.flush();
    const written = await writeCapturedSnapshot(this.options.dir, lsn, captured, {
      durability: this.durability,
      io: this.io,
    });
    const previous = this.snapshotLsn;
    this.snapshotLsn = lsn;
    this.snapshotsWritten++;
    this.lastSnapshotError = null;
    this.lastSnapshot = {
      lsn,
      bytes: written.bytes,
      serializeMs: writeStarted - serializeStarted,
      writeMs: performance.now() - writeStarted,
    };
    await pruneSnapshots(this.options.dir, previous, this.io);
    await this.journal.deleteSegmentsBefore(previous + 1);
  }
}
