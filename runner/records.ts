import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { RunEnvironment } from '../api/script-environment';
import { BatchedFile } from './batched-file';
import type { RunRecord } from './record-schema';

export const runFiles = {
  record: 'run.json',
  log: 'output.log',
  events: 'events.ndjson',
  report: 'report.json',
  /** The backtest's report as a page (no scripts): what the editor and a browser show. */
  reportPage: 'report.html',
} as const;

/** Where runs are kept in a workspace: `.timber/runs` under it. */
export function workspaceRunsDir(workspace: string): string {
  return join(workspace, '.timber', 'runs');
}

/** Output past this is not written to `output.log` (a flooding script must not fill the disk). */
export const maxLogBytes = 32 * 1024 * 1024;

/**
 * Replaces every secret in a text with `***`. Everything written into a run folder goes through
 * here, so a script that prints its secret leaves no trace of it on disk.
 */
export class Redactor {
  private readonly secrets: string[];
  constructor(secrets: readonly (string | undefined)[]) {
    // Longest first, so a secret containing another is replaced whole.
    this.secrets = secrets
      .filter((secret): secret is string => secret !== undefined && secret.length >= 4)
      .sort((a, b) => b.length - a.length);
  }
  redact(text: string): string {
    let result = text;
    for (const secret of this.secrets) result = result.split(secret).join('***');
    return result;
  }
}

function runId(script: string, at: Date): string {
  const stamp = at.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const name = basename(script)
    .replace(/\.[^.]+$/, '')
    .replace(/[^A-Za-z0-9_-]/g, '_')
    .slice(0, 40);
  return `${stamp}-${name}-${randomBytes(2).toString('hex')}`;
}

export interface NewRun {
  runsDir: string;
  kind: RunRecord['kind'];
  script: string;
  config: string | null;
  env: RunEnvironment;
  baseUrl: string | null;
  secrets: readonly (string | undefined)[];
  /** How long a change to `run.json` may wait before it is written (default 1 s). */
  saveDelayMs?: number;
}

/**
 * One run's folder: `run.json` (the summary), `output.log`, `events.ndjson` (every run event but
 * the output lines, which `output.log` has), and copies of the script and its config. Every
 * write is asynchronous and batched, and everything written is redacted.
 */
export class RunRecorder {
  private record: RunRecord;
  private logBytes = 0;
  private logTruncated = false;
  private saveTimer: NodeJS.Timeout | null = null;
  private saving: Promise<void> = Promise.resolve();
  private finished: Promise<RunRecord> | null = null;
  /** Problems writing the folder itself (a full disk): reported once each, never thrown at a run. */
  private readonly writeProblems = new Set<string>();

  private constructor(
    readonly id: string,
    readonly dir: string,
    record: RunRecord,
    private readonly redactor: Redactor,
    private readonly log_: BatchedFile,
    private readonly events: BatchedFile,
    private readonly saveDelayMs: number,
  ) {
    this.record = record;
  }

  static async create(options: NewRun): Promise<RunRecorder> {
    const started = new Date();
    const redactor = new Redactor(options.secrets);
    const id = runId(options.script, started);
    const dir = join(resolve(options.runsDir), id);
    // Owner-only, like everything else the run writes: the record names accounts and orders.
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const script = resolve(options.script);
    const scriptCopy = `script-${basename(script)}`;
    await copyRedacted(redactor, script, join(dir, scriptCopy));
    let configCopy: string | null = null;
    if (options.config !== null && existsSync(options.config)) {
      configCopy = `config-${basename(options.config)}`;
      await copyRedacted(redactor, options.config, join(dir, configCopy));
    }
    const record: RunRecord = {
      id,
      kind: options.kind,
      script,
      script_copy: scriptCopy,
      config: options.config === null ? null : resolve(options.config),
      config_copy: configCopy,
      env: options.env,
      base_url: options.baseUrl,
      account_id: null,
      started_at: started.getTime(),
      ended_at: null,
      api_window: null,
      status: 'running',
      exit: null,
      backtest: null,
      orders: 0,
      fills: 0,
      pnl: null,
      statistics: null,
      warnings: [],
    };
    // The files report write failures to the recorder, made once they are open.
    const made: { recorder?: RunRecorder } = {};
    const onError = (file: string) => (error: Error) => made.recorder?.writeFailed(file, error);
    const [log, events] = await Promise.all([
      BatchedFile.open(join(dir, runFiles.log), { mode: 0o600, onError: onError(runFiles.log) }),
      BatchedFile.open(join(dir, runFiles.events), {
        mode: 0o600,
        onError: onError(runFiles.events),
      }),
    ]);
    const recorder = new RunRecorder(
      id,
      dir,
      record,
      redactor,
      log,
      events,
      options.saveDelayMs ?? 1_000,
    );
    made.recorder = recorder;
    await recorder.save();
    return recorder;
  }

  get current(): RunRecord {
    return this.record;
  }

  redact(text: string): string {
    return this.redactor.redact(text);
  }

  /** Appends a line of output (redacted) to `output.log` and returns it as written. */
  log(stream: 'stdout' | 'stderr' | 'runner', text: string): string {
    const line = this.redact(text);
    const entry = `${stream === 'stdout' ? '' : `[${stream}] `}${line}\n`;
    const bytes = Buffer.byteLength(entry);
    if (this.logBytes + bytes > maxLogBytes) {
      if (!this.logTruncated) {
        this.logTruncated = true;
        this.log_.append(`[runner] output past ${maxLogBytes} bytes is not kept\n`);
      }
      return line;
    }
    this.logBytes += bytes;
    this.log_.append(entry);
    return line;
  }

  /** Appends a run event, as JSON already redacted, to `events.ndjson`. */
  eventLine(json: string): void {
    this.events.append(`${json}\n`);
  }

  warn(message: string): void {
    this.record.warnings.push(this.redact(message));
    this.log('runner', `warning: ${message}`);
    this.scheduleSave();
  }

  update(patch: Partial<RunRecord>): void {
    this.record = { ...this.record, ...patch };
    this.scheduleSave();
  }

  /** Writes a further JSON file into the run folder (redacted like the rest). */
  writeJson(name: string, value: unknown): Promise<void> {
    return writeAtomically(join(this.dir, name), this.redact(JSON.stringify(value, null, 2)));
  }

  /** Writes a further text file into the run folder (redacted like the rest). */
  writeText(name: string, text: string): Promise<void> {
    return writeAtomically(join(this.dir, name), this.redact(text));
  }

  /** Writes everything still pending and closes the files; the record as it was finished. */
  finish(patch: Partial<RunRecord>): Promise<RunRecord> {
    this.finished ??= (async () => {
      this.record = { ...this.record, ended_at: Date.now(), ...patch };
      await Promise.all([this.log_.close(), this.events.close()]);
      await this.save();
      return this.record;
    })();
    return this.finished;
  }

  private scheduleSave(): void {
    if (this.saveTimer !== null || this.finished !== null) return;
    this.saveTimer = setTimeout(() => void this.save(), this.saveDelayMs);
  }

  private save(): Promise<void> {
    if (this.saveTimer !== null) clearTimeout(this.saveTimer);
    this.saveTimer = null;
    const text = this.redact(JSON.stringify(this.record, null, 2));
    this.saving = this.saving.then(() =>
      writeAtomically(join(this.dir, runFiles.record), text).catch((error: unknown) =>
        this.writeFailed(runFiles.record, error as Error),
      ),
    );
    return this.saving;
  }

  private writeFailed(file: string, error: Error): void {
    if (this.writeProblems.has(file)) return;
    this.writeProblems.add(file);
    this.record.warnings.push(this.redact(`could not write ${file}: ${error.message}`));
  }
}

async function writeAtomically(path: string, text: string): Promise<void> {
  await writeFile(`${path}.tmp`, text, { mode: 0o600 });
  await rename(`${path}.tmp`, path);
}

async function copyRedacted(redactor: Redactor, from: string, to: string): Promise<void> {
  const text = await readFile(from, 'utf8');
  const redacted = redactor.redact(text);
  if (redacted === text) {
    await copyFile(from, to);
    await chmod(to, 0o600);
  } else await writeFile(to, redacted, { mode: 0o600 });
}
