import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';

export interface BatchedFileOptions {
  /** Created with this mode if missing (run folders are owner-only). */
  mode: number;
  /** How long an appended line may wait to be written. */
  flushMs?: number;
  /** Written at once past this many pending bytes, whatever the timer. */
  batchBytes?: number;
  /** A failed write: the file takes nothing more, the run goes on. */
  onError: (error: Error) => void;
}

/**
 * Appends text to a file in batches: one write per flush of everything appended since, never on
 * the caller's path. A script printing 100,000 lines a second costs a few writes a second, and
 * the extension host's event loop never waits on the disk.
 */
export class BatchedFile {
  private pending: string[] = [];
  private pendingBytes = 0;
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();
  private failed = false;
  private closed = false;

  private constructor(
    private readonly handle: FileHandle,
    private readonly options: BatchedFileOptions,
  ) {}

  static async open(path: string, options: BatchedFileOptions): Promise<BatchedFile> {
    return new BatchedFile(await open(path, 'a', options.mode), options);
  }

  append(text: string): void {
    if (this.failed || this.closed) return;
    this.pending.push(text);
    this.pendingBytes += text.length;
    if (this.pendingBytes >= (this.options.batchBytes ?? 256 * 1024)) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.options.flushMs ?? 100);
  }

  /** Resolves once everything appended so far is written. */
  flush(): Promise<void> {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (this.pending.length === 0) return this.writing;
    const text = this.pending.join('');
    this.pending = [];
    this.pendingBytes = 0;
    this.writing = this.writing.then(async () => {
      if (this.failed) return;
      try {
        await this.handle.appendFile(text, 'utf8');
      } catch (error) {
        this.failed = true;
        this.options.onError(error as Error);
      }
    });
    return this.writing;
  }

  async close(): Promise<void> {
    if (this.closed) return this.writing;
    await this.flush();
    this.closed = true;
    await this.handle.close();
  }
}
