// What the data folder's store says about itself, in the API's words (GET /health), and the
// lines the sandbox logs about it when it starts: a damaged snapshot is never silent.
import { basename } from 'node:path';
import type { StorageHealth } from '../../api/admin';
import type { StoreRecovery, StoreStats } from '../store/store';

export function storageHealth(recovery: StoreRecovery, stats: StoreStats): StorageHealth {
  return {
    last_event: stats.lastLsn,
    snapshot_event: stats.snapshotLsn,
    damaged_snapshots: recovery.skippedSnapshots.map((skipped) => ({
      file: `${basename(skipped.path)}.damaged`,
      event: skipped.lsn,
      reason: skipped.reason,
    })),
    restored_snapshots: [...recovery.restoredSnapshots],
    dropped_tail_bytes: recovery.journal.droppedTailBytes,
    last_snapshot_error: stats.lastSnapshotError,
  };
}

/** One line for each thing the start found that a user should know of. */
export function recoveryLines(recovery: StoreRecovery): string[] {
  const lines: string[] = [];
  if (recovery.journal.droppedTailBytes > 0) {
    lines.push(
      `dropped a torn final journal record (${recovery.journal.droppedTailBytes} bytes) left by a crash`,
    );
  }
  for (const skipped of recovery.skippedSnapshots) {
    lines.push(
      `the snapshot at event ${skipped.lsn} could not be read (${skipped.reason}); it was set ` +
        `aside as ${basename(skipped.path)}.damaged and the state rebuilt from an older ` +
        `snapshot and the journal, so nothing is lost`,
    );
  }
  if (recovery.restoredSnapshots.length > 0) {
    lines.push(
      `put back ${recovery.restoredSnapshots.length} snapshot(s) an earlier version had set ` +
        `aside over a header it cut short (events ${recovery.restoredSnapshots.join(', ')})`,
    );
  }
  if (recovery.completedHeader) {
    lines.push(
      `read snapshot ${recovery.snapshotLsn} through a header an earlier version cut short; ` +
        'the next snapshot is written whole',
    );
  }
  return lines.map((line) => `[sandbox] ${line}`);
}
