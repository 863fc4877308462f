// Small promise wrappers over node:fs that work on raw file descriptors (the
// lowest-overhead path for the journal's hot loop), plus directory fsync.
import * as fs from 'node:fs';

// The store holds every account's orders and keys (hashed secrets, but still the sandbox's):
// nothing in it is anyone else's business, so what the store creates is the owner's only. The
// modes are asked for at creation (not chmod'ed after), so a file is never briefly readable.
/** Mode of every file the sandbox creates (journal segments, snapshots, lock, secrets). */
export const privateFileMode = 0o600;
/** Mode of every folder the sandbox creates. */
export const privateDirMode = 0o700;

/**
 * Every call by which a running store changes its files: the journal's appends and segment
 * rolls, snapshot writes and renames, and the deletions of what a snapshot makes obsolete.
 * Tests replace it to count calls, to fail them, or to stop the "disk" after the Nth call as a
 * crash would (test/unit/store/crash-points.test.ts). Opening a store (recovery, the lock) and
 * reading use node:fs directly: they run before any of this can be interrupted.
 */
export interface StoreIo {
  /** Writes buffer[offset, offset+length) at file position `position`; resolves with bytes written. */
  write(
    fd: number,
    buffer: Uint8Array,
    offset: number,
    length: number,
    position: number,
  ): Promise<number>;
  fdatasync(fd: number): Promise<void>;
  /** Opens a file ('w', 'wx+', 'r+': node:fs flags), created with mode 0600 (privateFileMode) where it is new. */
  open(path: string, flags: string): Promise<number>;
  close(fd: number): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  /** Deletes a file; one that is already gone is not an error. */
  unlink(path: string): Promise<void>;
  /** Makes the entries created, renamed or deleted in `dir` survive a power loss (POSIX). */
  syncDir(dir: string): Promise<void>;
}

export const nodeStoreIo: StoreIo = {
  write: (fd, buffer, offset, length, position) =>
    new Promise((resolve, reject) => {
      fs.write(fd, buffer, offset, length, position, (error, written) => {
        if (error) reject(error);
        else resolve(written);
      });
    }),
  fdatasync: (fd) =>
    new Promise((resolve, reject) => {
      fs.fdatasync(fd, (error) => {
        if (error) reject(error);
        else resolve();
      });
    }),
  open: (path, flags) =>
    new Promise((resolve, reject) => {
      fs.open(path, flags, privateFileMode, (error, fd) => {
        if (error) reject(error);
        else resolve(fd);
      });
    }),
  close: (fd) =>
    new Promise((resolve, reject) => {
      fs.close(fd, (error) => {
        if (error) reject(error);
        else resolve();
      });
    }),
  rename: (from, to) => fs.promises.rename(from, to),
  unlink: (path) => fs.promises.rm(path, { force: true }),
  syncDir: (dir) => fsyncDir(dir),
};

/** Writes the whole range, looping over short writes. */
export async function writeFully(
  io: StoreIo,
  fd: number,
  buffer: Uint8Array,
  length: number,
  position: number,
): Promise<void> {
  let done = 0;
  while (done < length) {
    const written = await io.write(fd, buffer, done, length - done, position + done);
    if (written <= 0) throw new Error(`the disk accepted 0 of ${length - done} bytes`);
    done += written;
  }
}

// Windows cannot open a directory as a file, and NTFS makes a created or renamed
// entry durable through its own metadata journal, so the directory sync is a
// POSIX-only step.
const canSyncDirectories = process.platform !== 'win32';

/**
 * Makes creations, renames and deletions inside `dir` survive a power loss. On
 * POSIX a new file's directory entry is not durable until its directory is synced.
 */
export function fsyncDirSync(dir: string): void {
  if (!canSyncDirectories) return;
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

export async function fsyncDir(dir: string): Promise<void> {
  if (!canSyncDirectories) return;
  const handle = await fs.promises.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Reads exactly buffer[0, length) from `position`, unless the file ends first; returns bytes read. */
export function readAtSync(
  fd: number,
  buffer: Uint8Array,
  length: number,
  position: number,
): number {
  let done = 0;
  while (done < length) {
    const read = fs.readSync(fd, buffer, done, length - done, position + done);
    if (read === 0) break;
    done += read;
  }
  return done;
}

/** readAtSync through the thread pool, for reads long enough that the event loop should go on. */
export async function readAt(
  fd: number,
  buffer: Uint8Array,
  length: number,
  position: number,
): Promise<number> {
  let done = 0;
  while (done < length) {
    const read = await new Promise<number>((resolve, reject) => {
      fs.read(fd, buffer, done, length - done, position + done, (error, bytesRead) => {
        if (error) reject(error);
        else resolve(bytesRead);
      });
    });
    if (read === 0) break;
    done += read;
  }
  return done;
}

/** A Node system error's code (ENOENT, EEXIST, ...), or undefined for other errors. */
export function errorCode(error: unknown): string | undefined {
  if (error instanceof Error && 'code' in error && typeof error.code === 'string') {
    return error.code;
  }
  return undefined;
}

export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
