// Small promise wrappers over node:fs that work on raw file descriptors (the
// lowest-overhead path for the journal's hot loop), plus directory fsync.
import * as fs from 'node:fs';

/** The two calls on the journal's hot path; tests replace them to count or to fail. */
export interface JournalIo {
  /** Writes buffer[offset, offset+length) at file position `position`; resolves with bytes written. */
  write(
    fd: number,
    buffer: Buffer,
    offset: number,
    length: number,
    position: number,
  ): Promise<number>;
  fdatasync(fd: number): Promise<void>;
}

export const nodeJournalIo: JournalIo = {
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
};

/** Writes the whole range, looping over short writes. */
export async function writeFully(
  io: JournalIo,
  fd: number,
  buffer: Buffer,
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

export function openFd(path: string, flags: string): Promise<number> {
  return new Promise((resolve, reject) => {
    fs.open(path, flags, 0o644, (error, fd) => {
      if (error) reject(error);
      else resolve(fd);
    });
  });
}

export function closeFd(fd: number): Promise<void> {
  return new Promise((resolve, reject) => {
    fs.close(fd, (error) => {
      if (error) reject(error);
      else resolve();
    });
  });
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
export function readAtSync(fd: number, buffer: Buffer, length: number, position: number): number {
  let done = 0;
  while (done < length) {
    const read = fs.readSync(fd, buffer, done, length - done, position + done);
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
