// Snapshots: the whole state as of one LSN, so a restart replays only the
// journal after it.
//
// A snapshot file is snapshot-<lsn, 16 digits>.tbsnap: a header line with the
// LSN, then binary sections and a JSON index describing them, each checksummed
// (see snapshot-file.ts). A state with no binary parts is all JSON, in the index.
// It is written to a temp file, fsync'd, read back and checked as a restart would read it, and
// only then renamed into place and the folder fsync'd: a crash leaves either the old set of
// snapshots or the new one, and no file that did not read back ever carries a snapshot name.
//
// What may be deleted is the store's to say (store.ts): pruneSnapshots deletes only what is
// older than the snapshot it is told to keep.
import * as fs from 'node:fs';
import { join } from 'node:path';
import { describeError, errorCode, nodeStoreIo, privateDirMode, type StoreIo } from './durable-fs';
import { readSnapshotFile, verifySnapshotFile, writeSnapshotFile } from './snapshot-file';
import { type SectionSource, SnapshotImage, type SnapshotSections } from './snapshot-sections';

const SNAPSHOT_PATTERN = /^snapshot-(\d{16})\.tbsnap$/;
const SET_ASIDE_PATTERN = /^snapshot-(\d{16})\.tbsnap\.damaged$/;

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
  /** Its header was a version 2 one cut short by an earlier sandbox, completed on reading. */
  readonly completedHeader: boolean;
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
  /** The file calls that change the folder (tests crash or fail them). Default node:fs. */
  readonly io?: StoreIo;
}

/** Snapshot files in `dir`, newest (highest LSN) first. */
export function listSnapshots(dir: string): SnapshotFile[] {
  return listMatching(dir, SNAPSHOT_PATTERN);
}

/** Snapshots set aside as damaged (<name>.damaged), newest first. */
export function listSetAsideSnapshots(dir: string): SnapshotFile[] {
  return listMatching(dir, SET_ASIDE_PATTERN);
}

function listMatching(dir: string, pattern: RegExp): SnapshotFile[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return [];
    throw error;
  }
  return names
    .map((name) => ({ name, match: pattern.exec(name) }))
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
 * underneath) and then hands the capture here. The file is checked as a restart would read it
 * before it is renamed into place; one that does not read back is deleted and the promise
 * rejects with what was wrong, so a bad write never takes the place of a good snapshot.
 */
export async function writeCapturedSnapshot(
  dir: string,
  lsn: number,
  captured: CapturedSnapshot,
  options: WriteSnapshotOptions = {},
): Promise<WrittenSnapshot> {
  const syncToDisk = (options.durability ?? 'fsync') === 'fsync';
  const io = options.io ?? nodeStoreIo;
  await fs.promises.mkdir(dir, { recursive: true, mode: privateDirMode });
  const path = join(dir, snapshotFileName(lsn));
  const temporary = `${path}.tmp-${process.pid}`;
  let bytes: number;
  try {
    bytes = await writeSnapshotFile(
      io,
      temporary,
      lsn,
      captured.metaJson,
      captured.sections,
      syncToDisk,
    );
  } catch (error) {
    await io.unlink(temporary).catch(() => undefined);
    throw new Error(
      `Could not write the snapshot "${path}": ${describeError(error)}. The journal still holds ` +
        `every event, so nothing is lost; free disk space and the next snapshot will be taken.`,
      { cause: error },
    );
  }
  try {
    await verifySnapshotFile(temporary, lsn);
  } catch (error) {
    await io.unlink(temporary).catch(() => undefined);
    throw new Error(
      `The snapshot just written for event ${lsn} did not read back (${describeError(error)}), ` +
        `so it was deleted and the previous snapshot is kept. The journal still holds every ` +
        `event; nothing is lost. Please report this: it is a fault in the sandbox or the disk.`,
      { cause: error },
    );
  }
  await io.rename(temporary, path);
  if (syncToDisk) await io.syncDir(dir);
  return { lsn, path, bytes };
}

/**
 * Deletes the snapshots older than `keepFromLsn`, then temp files a crash left (never this
 * process's own, which may be being written). Resolves with the LSNs deleted.
 */
export async function pruneSnapshots(
  dir: string,
  keepFromLsn: number,
  io: StoreIo = nodeStoreIo,
): Promise<number[]> {
  const doomed = listSnapshots(dir).filter((file) => file.lsn < keepFromLsn);
  for (const old of doomed) await io.unlink(old.path);
  const ownTemp = `.tmp-${process.pid}`;
  for (const name of await fs.promises.readdir(dir)) {
    if (name.startsWith('snapshot-') && name.includes('.tmp-') && !name.endsWith(ownTemp)) {
      await io.unlink(join(dir, name));
    }
  }
  return doomed.map((file) => file.lsn);
}

/** Reads and checks one snapshot file; throws an Error saying what is wrong with it. */
export async function readSnapshot(file: SnapshotFile): Promise<LoadedSnapshot> {
  const { meta, sections, completedHeader } = await readSnapshotFile(file.path, file.lsn);
  return { lsn: file.lsn, state: meta, sections, path: file.path, completedHeader };
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
export async function setAsideSnapshot(path: string, io: StoreIo = nodeStoreIo): Promise<string> {
  const aside = `${path}.damaged`;
  await io.rename(path, aside);
  return aside;
}

/**
 * Puts back the snapshots that were set aside but read now: those that earlier sandboxes wrote
 * with a cut version 2 header, which this version completes (snapshot-header.ts). A sandbox
 * that refused to start because of them then starts with all its data. Others stay aside.
 * Resolves with the LSNs put back.
 */
export async function restoreSetAsideSnapshots(
  dir: string,
  io: StoreIo = nodeStoreIo,
): Promise<number[]> {
  const restored: number[] = [];
  const live = new Set(listSnapshots(dir).map((file) => file.lsn));
  for (const file of listSetAsideSnapshots(dir)) {
    if (live.has(file.lsn) || !hasCutHeader(file.path)) continue;
    try {
      await verifySnapshotFile(file.path, file.lsn);
    } catch {
      continue;
    }
    await io.rename(file.path, join(dir, snapshotFileName(file.lsn)));
    restored.push(file.lsn);
  }
  return restored;
}

/** Whether the file starts like a version 2 header with no end: cheap, no CRC read. */
function hasCutHeader(path: string): boolean {
  const head = Buffer.alloc(128);
  const fd = fs.openSync(path, 'r');
  try {
    const read = fs.readSync(fd, head, 0, head.length, 0);
    const text = head.toString('latin1', 0, read);
    return read === head.length && text.startsWith(CUT_HEADER_START) && !text.includes('\n');
  } finally {
    fs.closeSync(fd);
  }
}

const CUT_HEADER_START = '{"format":"timber-sandbox-snapshot","version":2,';
