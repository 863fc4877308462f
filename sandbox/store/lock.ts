// One writer per data directory. Two sandboxes appending to the same journal
// (say, two VS Code windows on one workspace) would interleave their writes and
// corrupt it, so the journal holds a lock file naming its process id.
//
// A lock left by a process that no longer exists (it crashed, or was killed) is
// stale and is taken over. Without native addons there is no flock(), so two
// processes that find the same stale lock at the same instant could both take
// it; that needs two sandboxes to start within a millisecond after a crash.
import * as fs from 'node:fs';
import { join, resolve } from 'node:path';
import { errorCode, privateFileMode } from './durable-fs';

export const LOCK_FILE_NAME = 'journal.lock';

/** Directories locked by this process, so a second open in the same process is refused too. */
const heldByThisProcess = new Set<string>();

export interface DirectoryLock {
  readonly path: string;
  release(): void;
}

export function acquireDirectoryLock(dir: string): DirectoryLock {
  const lockPath = join(resolve(dir), LOCK_FILE_NAME);
  if (heldByThisProcess.has(lockPath)) {
    throw new Error(
      `The sandbox data folder "${dir}" is already open in this process. Close the other store first.`,
    );
  }
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      fs.writeFileSync(lockPath, `${process.pid}\n`, { flag: 'wx', mode: privateFileMode });
      heldByThisProcess.add(lockPath);
      return { path: lockPath, release: () => releaseLock(lockPath) };
    } catch (error) {
      if (errorCode(error) !== 'EEXIST') throw error;
    }
    const owner = readOwner(lockPath);
    if (owner !== null && isAlive(owner)) {
      throw new Error(
        `The sandbox data folder "${dir}" is in use by another process (pid ${owner}). ` +
          `Stop that sandbox first; if no sandbox is running, delete "${lockPath}".`,
      );
    }
    removeIfPresent(lockPath);
  }
  throw new Error(`Could not take the lock "${lockPath}": another process keeps replacing it.`);
}

function releaseLock(lockPath: string): void {
  if (!heldByThisProcess.delete(lockPath)) return;
  removeIfPresent(lockPath);
}

function readOwner(lockPath: string): number | null {
  try {
    const pid = Number.parseInt(fs.readFileSync(lockPath, 'utf8').trim(), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  // Our own pid in the file but not in heldByThisProcess means an earlier process
  // with the same pid left it (containers often restart with the same pid).
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return errorCode(error) === 'EPERM';
  }
}

function removeIfPresent(path: string): void {
  try {
    fs.unlinkSync(path);
  } catch (error) {
    if (errorCode(error) !== 'ENOENT') throw error;
  }
}
