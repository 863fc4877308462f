// The store the sandbox uses: an in-memory state, rebuilt on open from the
// newest snapshot plus the journal after it, and changed only by events that
// are journaled.
//
// append(events) applies the events to the state at once, in LSN order (so the
// next decision, e.g. the next order's margin check, sees them), and resolves
// once they are durable. Acknowledge an order to a client only after that
// promise resolves: the in-memory state may briefly be ahead of the disk. If
// the disk fails, the pending appends reject, the state may hold events that
// were not saved, and the store accepts nothing more: restart the sandbox,
// which reloads exactly what was saved.
//
//   const store = await openStore<Ledger, LedgerEvent>({
//     dir, initialState: () => ({ orders: {} }), apply: applyLedgerEvent,
//   });
//   // in a request handler: decide from store.state, then
//   const lastLsn = await store.append(events); // now reply 201 to the client
//   ...
//   await store.close(); // on shutdown: flush, snapshot, release the folder
import * as fs from 'node:fs';
import { describeError, nodeStoreIo, privateDirMode, type StoreIo } from './durable-fs';
import { type Durability, type Journal, type JournalStats, openJournal } from './journal';
import type { JournalRecovery, RepairMode } from './journal-recovery';
import {
  listSnapshots,
  loadLatestSnapshot,
  restoreSetAsideSnapshots,
  setAsideSnapshot,
  type SkippedSnapshot,
} from './snapshot';
import type { SnapshotSections } from './snapshot-sections';
import { JournaledStore } from './journaled-store';

export interface StoreOptions<S, E> {
  /** Data folder: journal segments, snapshots and the lock file. Created if missing. */
  readonly dir: string;
  /** The state of a brand-new account, before any event. */
  readonly initialState: () => S;
  /** Applies one event to the state in place. Must not throw for an event it was given before. */
  readonly apply: (state: S, event: E, lsn: number) => void;
  /** Snapshot in the background once this many events have followed the last one. Default 100,000; 0 turns it off. */
  readonly snapshotEvery?: number;
  /** Default 'fsync'. 'none' is for tests and benchmarks only. */
  readonly durability?: Durability;
  /**
   * State to snapshot: a SnapshotImage (binary sections plus JSON meta, see
   * snapshot-sections.ts), or a JSON value. Called synchronously; the sections are encoded while
   * the file is written, so they must capture what they need now. Default: the state itself,
   * which must then be plain JSON (no Map, Set, Date, BigInt).
   */
  readonly serialize?: (state: S) => unknown;
  /**
   * A snapshot back to a state: the JSON value (or an image's meta) and the image's sections
   * (none for a JSON value, or a snapshot written before sections existed). Default: the JSON
   * value as it is.
   */
  readonly deserialize?: (data: unknown, sections: SnapshotSections) => S;
  /**
   * Checks a journaled event on replay. Default: trusted as an E, since the
   * journal is checksummed and only this store writes it; pass a zod parse
   * here if events may come from an older version of the sandbox.
   */
  readonly decodeEvent?: (data: unknown) => E;
  /** Take a snapshot when closing, so the next open replays nothing. Default true. */
  readonly snapshotOnClose?: boolean;
  readonly maxSegmentBytes?: number;
  /** See JournalOptions.repair. Default 'refuse'. */
  readonly repair?: RepairMode;
  /** Failures of background snapshots (the journal still has every event). Default: ignored, visible in stats. */
  readonly onBackgroundError?: (error: Error) => void;
  /** The file calls of the running store (journal and snapshots); tests count, fail or crash them. */
  readonly io?: StoreIo;
}

export interface StoreRecovery {
  /** LSN of the snapshot the state was loaded from; 0 when it was built from initialState(). */
  readonly snapshotLsn: number;
  readonly replayedEvents: number;
  readonly openMs: number;
  /** Newer snapshots that were damaged, skipped and renamed to *.damaged. */
  readonly skippedSnapshots: readonly SkippedSnapshot[];
  /**
   * Snapshots set aside by an earlier sandbox only because it wrote their header cut short,
   * read now and put back (snapshot-header.ts).
   */
  readonly restoredSnapshots: readonly number[];
  /** The loaded snapshot's header was such a cut one, completed from the file. */
  readonly completedHeader: boolean;
  readonly journal: JournalRecovery;
}

export interface SnapshotTiming {
  readonly lsn: number;
  readonly bytes: number;
  /** Time the state was serialized synchronously: appends wait this long. */
  readonly serializeMs: number;
  readonly writeMs: number;
}

export interface StoreStats {
  readonly lastLsn: number;
  readonly durableLsn: number;
  readonly snapshotLsn: number;
  readonly snapshotsWritten: number;
  readonly lastSnapshot: SnapshotTiming | null;
  readonly lastSnapshotError: string | null;
  readonly journal: JournalStats;
}

export interface Store<S, E> {
  /** The current state; mutated in place by append(). Read it, do not change it directly. */
  readonly state: S;
  /** Applies events now and resolves with their record's LSN once durable; one append is one record. */
  append(events: readonly E[]): Promise<number>;
  /** Writes a snapshot of the current state (and then deletes segments no longer needed). */
  snapshot(): Promise<void>;
  /** Stops appends, writes what is pending, snapshots (unless disabled), releases the folder. */
  close(): Promise<void>;
  readonly stats: StoreStats;
  readonly recovery: StoreRecovery;
}

export async function openStore<S, E>(options: StoreOptions<S, E>): Promise<Store<S, E>> {
  const started = performance.now();
  const durability = options.durability ?? 'fsync';
  const io = options.io ?? nodeStoreIo;
  fs.mkdirSync(options.dir, { recursive: true, mode: privateDirMode });
  const restoredSnapshots = await restoreSetAsideSnapshots(options.dir, io);
  // If the journal files are gone but snapshots remain, continue after the newest.
  const newestNamed = listSnapshots(options.dir)[0]?.lsn ?? 0;
  const journal = openJournal({
    dir: options.dir,
    durability,
    startLsn: newestNamed + 1,
    // What the newest snapshot covers is not replayed, so not read now; should that snapshot
    // prove damaged, replay from an older one checks those segments first.
    verifyFromLsn: newestNamed + 1,
    ...(options.maxSegmentBytes !== undefined && { maxSegmentBytes: options.maxSegmentBytes }),
    ...(options.repair !== undefined && { repair: options.repair }),
    ...(options.io !== undefined && { io: options.io }),
  });
  // The loaded snapshot's file: its sections are read lazily, so it stays open until close().
  let sections: SnapshotSections | null = null;
  try {
    const skippedSnapshots: SkippedSnapshot[] = [];
    const loaded = await loadLatestSnapshot(options.dir, {
      onSkipped: (skipped) => skippedSnapshots.push(skipped),
    });
    const snapshotLsn = loaded?.lsn ?? 0;
    checkJournalCoversSnapshot(journal, snapshotLsn, options.dir, skippedSnapshots);
    // Only once the folder is known to open: a refusal leaves it exactly as it was found.
    for (const skipped of skippedSnapshots) await setAsideSnapshot(skipped.path, io);

    const deserialize = options.deserialize ?? ((data: unknown) => data as S);
    const decodeEvent = options.decodeEvent ?? ((data: unknown) => data as E);
    sections = loaded?.sections ?? null;
    const state =
      loaded !== null ? deserialize(loaded.state, loaded.sections) : options.initialState();
    const replayedEvents = journal.replay(snapshotLsn + 1, (data, lsn) => {
      try {
        // A record holds one event, or the array of events of one append.
        if (Array.isArray(data))
          for (const item of data) options.apply(state, decodeEvent(item), lsn);
        else options.apply(state, decodeEvent(data), lsn);
      } catch (error) {
        throw new Error(
          `Replaying journaled event ${lsn} failed: ${describeError(error)}. The journal is ` +
            `intact; the code that applies events no longer accepts it. Fix that code, or move ` +
            `the folder "${options.dir}" aside to start a fresh sandbox account.`,
          { cause: error },
        );
      }
    });
    const recovery: StoreRecovery = {
      snapshotLsn,
      replayedEvents,
      openMs: performance.now() - started,
      skippedSnapshots,
      restoredSnapshots,
      completedHeader: loaded?.completedHeader ?? false,
      journal: journal.recovery,
    };
    return new JournaledStore(options, durability, io, journal, state, recovery, sections);
  } catch (error) {
    sections?.discard();
    await journal.close();
    throw error;
  }
}

function checkJournalCoversSnapshot(
  journal: Journal,
  snapshotLsn: number,
  dir: string,
  skipped: readonly SkippedSnapshot[],
): void {
  if (journal.firstLsn > snapshotLsn + 1) {
    const unread = skipped.map(
      (file) => ` The snapshot at event ${file.lsn} could not be read: ${file.reason}.`,
    );
    throw new Error(
      `The sandbox data in "${dir}" is incomplete: the newest usable snapshot ends at event ` +
        `${snapshotLsn}, but the journal starts at event ${journal.firstLsn}, so events ` +
        `${snapshotLsn + 1} to ${journal.firstLsn - 1} are missing.${unread.join('')} Nothing ` +
        `was changed. Restore the folder from a backup, or move it aside to start a fresh ` +
        `sandbox account.`,
    );
  }
  if (journal.lastLsn < snapshotLsn) {
    throw new Error(
      `The sandbox data in "${dir}" is inconsistent: the snapshot covers events up to ` +
        `${snapshotLsn}, but the journal ends at event ${journal.lastLsn}. Restore the folder ` +
        `from a backup, or move it aside to start a fresh sandbox account.`,
    );
  }
}
