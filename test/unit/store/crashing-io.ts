// A file-system layer that "crashes" at its Nth call, for crash-point tests in the spirit of
// SQLite's and FoundationDB's: the calls before it reach the disk, it and every later one do
// not (they throw), as if the power went at that moment.
//
// Two ways the moment can look on disk:
// - 'torn': a write that is the Nth call reaches the disk in part (its first half), as a write
//   cut by a power loss can;
// - 'unsynced': in addition, everything not yet made durable is lost: file contents written
//   since that file's last fdatasync, and files created, renamed or deleted since their folder's
//   last sync are put back as they were. This is the worst a POSIX disk may do, and it catches a
//   missing fsync that the first mode cannot see.
// Closing a file changes nothing on disk, so it always goes through.
import * as fs from 'node:fs';
import { dirname } from 'node:path';
import { nodeStoreIo, type StoreIo } from '../../../sandbox/store/durable-fs';

export type CrashMode = 'torn' | 'unsynced';

export class SimulatedCrash extends Error {
  constructor() {
    super('simulated crash: the disk takes no more calls');
  }
}

/** What a crash must undo for one file written since its last fdatasync. */
interface UnsyncedFile {
  /** Where it is now: a rename carries its unsynced contents along. */
  path: string;
  /** Its bytes at the last sync (or when opened); null if it was created since. */
  readonly synced: Buffer | null;
}

/** A change to a folder's entries not yet made durable by syncing the folder. */
type EntryChange =
  | { kind: 'created'; path: string }
  | { kind: 'renamed'; from: string; to: string; replaced: string | null }
  | { kind: 'deleted'; path: string; kept: string };

export class CrashingIo implements StoreIo {
  /** Calls made so far (those that reached the disk). */
  calls = 0;
  crashed = false;
  private readonly files = new Map<number, { path: string; unsynced: UnsyncedFile | null }>();
  /** Files closed with writes not yet synced. */
  private readonly closedUnsynced: UnsyncedFile[] = [];
  private readonly entries: EntryChange[] = [];
  private kept = 0;

  /** `crashAt`: the number of calls that reach the disk; Infinity never crashes. */
  constructor(
    private readonly crashAt: number,
    private readonly mode: CrashMode,
    private readonly keepDir: string,
  ) {}

  async write(fd: number, buffer: Uint8Array, offset: number, length: number, position: number) {
    if (this.calls === this.crashAt && this.mode === 'torn' && length > 1) {
      await nodeStoreIo.write(fd, buffer, offset, length >> 1, position);
    }
    this.step();
    this.noteWrite(fd);
    return nodeStoreIo.write(fd, buffer, offset, length, position);
  }

  fdatasync(fd: number): Promise<void> {
    this.step();
    const file = this.files.get(fd);
    if (file !== undefined) file.unsynced = null;
    // The real call is left out: what a crash keeps is decided here, and the test runs faster.
    return Promise.resolve();
  }

  async open(path: string, flags: string): Promise<number> {
    this.step();
    const existed = fs.existsSync(path);
    const before = existed && this.mode === 'unsynced' ? fs.readFileSync(path) : null;
    const fd = await nodeStoreIo.open(path, flags);
    if (!existed) this.entries.push({ kind: 'created', path });
    // Opening with 'w' empties the file: that too is lost unless synced.
    const unsynced = flags.startsWith('w') && existed ? { path, synced: before } : null;
    this.files.set(fd, { path, unsynced });
    return fd;
  }

  close(fd: number): Promise<void> {
    const file = this.files.get(fd);
    this.files.delete(fd);
    if (file?.unsynced) this.closedUnsynced.push(file.unsynced);
    return nodeStoreIo.close(fd);
  }

  async rename(from: string, to: string): Promise<void> {
    this.step();
    const replaced = fs.existsSync(to) ? this.keep(to) : null;
    await nodeStoreIo.rename(from, to);
    this.entries.push({ kind: 'renamed', from, to, replaced });
    for (const file of this.unsyncedFiles()) if (file.path === from) file.path = to;
  }

  async unlink(path: string): Promise<void> {
    this.step();
    if (!fs.existsSync(path)) return;
    const kept = this.keep(path);
    await nodeStoreIo.unlink(path);
    this.entries.push({ kind: 'deleted', path, kept });
  }

  syncDir(dir: string): Promise<void> {
    this.step();
    for (let index = this.entries.length - 1; index >= 0; index--) {
      const change = this.entries[index];
      const path = change.kind === 'renamed' ? change.to : change.path;
      if (dirname(path) === dir) this.entries.splice(index, 1);
    }
    return Promise.resolve();
  }

  /**
   * After the crash, before anything reopens the folder: in 'unsynced' mode, puts back what was
   * not durable. Call with every file of the store closed.
   */
  settle(): void {
    if (this.mode !== 'unsynced') return;
    for (const file of this.unsyncedFiles()) {
      if (file.synced === null) fs.writeFileSync(file.path, '');
      else if (fs.existsSync(file.path)) fs.writeFileSync(file.path, file.synced);
    }
    for (const change of this.entries.reverse()) {
      switch (change.kind) {
        case 'created':
          fs.rmSync(change.path, { force: true });
          break;
        case 'renamed':
          if (fs.existsSync(change.to)) fs.renameSync(change.to, change.from);
          if (change.replaced !== null) fs.renameSync(change.replaced, change.to);
          break;
        case 'deleted':
          fs.renameSync(change.kept, change.path);
          break;
        default: {
          const unknown: never = change;
          throw new Error(`unknown change ${JSON.stringify(unknown)}`);
        }
      }
    }
  }

  private unsyncedFiles(): UnsyncedFile[] {
    const open = [...this.files.values()].flatMap((file) => file.unsynced ?? []);
    return [...this.closedUnsynced, ...open];
  }

  private step(): void {
    if (this.calls >= this.crashAt) {
      this.crashed = true;
      throw new SimulatedCrash();
    }
    this.calls++;
  }

  private noteWrite(fd: number): void {
    if (this.mode !== 'unsynced') return;
    let file = this.files.get(fd);
    if (file === undefined) {
      // Opened before the store's calls came here (the journal's segment, at open): Linux names it.
      file = { path: fs.readlinkSync(`/proc/self/fd/${fd}`), unsynced: null };
      this.files.set(fd, file);
    }
    file.unsynced ??= { path: file.path, synced: fs.readFileSync(file.path) };
  }

  /** A hard link to what `path` holds now, so a crash can put it back. */
  private keep(path: string): string {
    const kept = `${this.keepDir}/kept-${this.kept++}`;
    fs.linkSync(path, kept);
    return kept;
  }
}
