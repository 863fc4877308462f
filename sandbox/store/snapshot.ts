// Snapshots: the whole state as of one LSN, so a restart replays only the
// journal after it.
//
// A snapshot file is snapshot-<lsn, 16 digits>.tbsnap: a header line with the
// LSN, then binary sections and a JSON index describing them, each checksummed
// (see snapshot-file.ts). A state with no binary parts is all JSON, in the index.
// It is written to a temp file, fsync'd, renamed into place and the folder fsync'd, so a crash leaves
// either the old set of snapshots or the new one, never a half-written file
// under a snapshot name. The newest two are kept: if the newest is damaged, the
// older one (plus the journal after it) still restores the state.
import * as fs from 'node:fs';
import { join } from 'node:path';
import { describeError, errorCode, fsyncDir } from './durable-fs';
import { readSnapshotFile, writeSnapshotFile } from './snapshot-file';
import { type SectionSource, SnapshotImage, type SnapshotSections } from './snapshot-sections';

const SNAPSHOT_PATTERN = /^snapshot-(\d{16})\.tbsnap$/;
/** Snapshots kept after a new one is written: the new one and its predecessor. */
export const SNAPSHOTS_KEPT = 2;

export function snapshotFileName(lsn: number): string {
  return `snapshot-${String(lsn).padStart(16, '0')}.tbsnap`;
}

export interface SnapshotFile {
  readonly lsn: number;
  readonly path: string;
}

export interface LoadedSnapshot {
  readonly lsn: number;
  /** The JSON part: the whole state, or the meta of a SnapshotImage. */
  readonly state: unknown;
  /** The binary sections of a SnapshotImage; none for a state that was all JSON. */
  readonly sections: SnapshotSections;
  readonly path: string;
}

/** A snapshot that could not be used, and why. */
export interface SkippedSnapshot {
  readonly lsn: number;
  readonly path: string;
  readonly reason: string;
}

export interface WrittenSnapshot {
  readonly lsn: number;
  readonly path: string;
  readonly bytes: number;
}

export interface WriteSnapshotOptions {
  /** 'none' skips the fsyncs (tests, benchmarks). Default 'fsync'. */
  readonly durability?: 'fsync' | 'none';
}

/** Snapshot files in `dir`, newest (highest LSN) first. */
export function listSnapshots(dir: string): SnapshotFile[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return [];
    throw error;
  }
  return names
    .map((name) => ({ name, match: SNAPSHOT_PATTERN.exec(name) }))
    .filter((entry) => entry.match !== null)
    .map((entry) => ({ lsn: Number(entry.match![1]), path: join(dir, entry.name) }))
    .sort((a, b) => b.lsn - a.lsn);
}

/** A state captured for writing: its JSON part as text, and its binary sections. */
export interface CapturedSnapshot {
  readonly metaJson: string;
  readonly sections: readonly SectionSource[];
}

/**
 * Captures `state` synchronously, so it cannot change underneath: a SnapshotImage (its meta as
 * JSON text, its sections as they are), or any other value as plain JSON.
 */
export function captureSnapshot(state: unknown): CapturedSnapshot {
  const isImage = state instanceof SnapshotImage;
  const json: string | undefined = JSON.stringify(isImage ? state.meta : state);
  if (json === undefined) throw new TypeError('The snapshot state must be a JSON value.');
  return { metaJson: json, sections: isImage ? [...state.sections] : [] };
}

/** Writes `state` (a SnapshotImage, or a plain JSON value) as the snapshot at `lsn`. */
export async function writeSnapshot(
  dir: string,
  lsn: number,
  state: unknown,
  options: WriteSnapshotOptions = {},
): Promise<WrittenSnapshot> {
  return writeCapturedSnapshot(dir, lsn, captureSnapshot(state), options);
}

/** Writes state already serialized as JSON text, with no binary sections. */
export function writeSnapshotJson(
  dir: string,
  lsn: number,
  json: string,
  options: WriteSnapshotOptions = {},
): Promise<WrittenSnapshot> {
  return writeCapturedSnapshot(dir, lsn, { metaJson: json, sections: [] }, options);
}

/**
 * Writes a captured state. The store captures synchronously (so the state cannot change
 * underneath) and then hands the capture here.
 */
export async function writeCapturedSnapshot(
  dir: string,
  lsn: number,
  captured: CapturedSnapshot,
  options: WriteSnapshotOptions = {},
): Promise<WrittenSnapshot> {
  const syncToDisk = (options.durability ?? 'fsync') === 'fsync';
  await fs.promises.mkdir(dir, { recursive: true });
  const path = join(dir, snapshotFileName(lsn));
  const temporary = `${path}.tmp-${process.pid}`;
  let bytes: number;
  try {
    bytes = await writeSnapshotFile(
      temporary,
      lsn,
      captured.metaJson,
      captured.sections,
      syncToDisk,
    );
  } catch (error) {
    await fs.promises.rm(temporary, { force: true });
    throw new Error(
      `Could not write the snapshot "${path}": ${describeError(error)}. The journal still holds ` +
        `every event, so nothing is lost; free disk space and the next snapshot will be taken.`,
      { cause: error },
    );
  }
  await fs.promises.rename(temporary, path);
  if (syncToDisk) await fsyncDir(dir);
  await pruneSnapshots(dir);
  return { lsn, path, bytes };
}

/** Deletes all but the newest SNAPSHOTS_KEPT snapshots, and temp files left by a crash. */
async function pruneSnapshots(dir: string): Promise<void> {
  for (const old of listSnapshots(dir).slice(SNAPSHOTS_KEPT)) {
    await fs.promises.rm(old.path, { force: true });
  }
  const ownTemp = `.tmp-${process.pid}`;
  for (const name of await fs.promises.readdir(dir)) {
    if (name.startsWith('snapshot-') && name.includes('.tmp-') && !name.endsWith(ownTemp)) {
      await fs.promises.rm(join(dir, name), { force: true });
    }
  }
}

/** Reads and checks one snapshot file; throws an Error saying what is wrong with it. */
export async function readSnapshot(file: SnapshotFile): Promise<LoadedSnapshot> {
  const { meta, sections } = await readSnapshotFile(file.path, file.lsn);
  return { lsn: file.lsn, state: meta, sections, path: file.path };
}

export interface LoadSnapshotOptions {
  /** Called for each newer snapshot that was damaged and skipped. */
  readonly onSkipped?: (skipped: SkippedSnapshot) => void;
}

/**
 * The newest snapshot that reads back intact, or null when there is none.
 * Damaged newer ones are skipped (and reported through onSkipped).
 */
export async function loadLatestSnapshot(
  dir: string,
  options: LoadSnapshotOptions = {},
): Promise<LoadedSnapshot | null> {
  for (const file of listSnapshots(dir)) {
    try {
      return await readSnapshot(file);
    } catch (error) {
      options.onSkipped?.({ ...file, reason: describeError(error) });
    }
  }
  return null;
}

/**
 * Renames a damaged snapshot to <name>.damaged, so it is kept for inspection
 * but no longer counts as one of the snapshots kept.
 */
export async function setAsideSnapshot(path: string): Promise<string> {
  const aside = `${path}.damaged`;
  await fs.promises.rename(path, aside);
  return aside;
}
