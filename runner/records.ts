import { randomBytes } from 'node:crypto';
import {
  closeSync,
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { RunEnvironment } from './record-schema';
import { RunRecord } from './record-schema';

export const runFiles = { record: 'run.json', log: 'output.log', report: 'report.json' } as const;

/** Where runs are kept when no folder is given: `.timber/runs` under the workspace. */
export function defaultRunsDir(workspace: string = process.cwd()): string {
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
}

/** One run's folder: `run.json`, `output.log`, and copies of the script and its config. */
export class RunRecorder {
  readonly id: string;
  readonly dir: string;
  private record: RunRecord;
  private readonly redactor: Redactor;
  private logFd: number | null;
  private logBytes = 0;
  private logTruncated = false;

  constructor(options: NewRun) {
    const started = new Date();
    this.redactor = new Redactor(options.secrets);
    this.id = runId(options.script, started);
    this.dir = join(resolve(options.runsDir), this.id);
    // Owner-only, like everything else the run writes: the record names accounts and orders.
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const script = resolve(options.script);
    const scriptCopy = `script-${basename(script)}`;
    this.copyRedacted(script, scriptCopy);
    let configCopy: string | null = null;
    if (options.config !== null && existsSync(options.config)) {
      configCopy = `config-${basename(options.config)}`;
      this.copyRedacted(options.config, configCopy);
    }
    this.record = {
      id: this.id,
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
      orders: [],
      fills: [],
      pnl: null,
      statistics: null,
      warnings: [],
    };
    this.logFd = openSync(join(this.dir, runFiles.log), 'a', 0o600);
    this.save();
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
    if (this.logFd === null) return line;
    const entry = `${stream === 'stdout' ? '' : `[${stream}] `}${line}\n`;
    const bytes = Buffer.byteLength(entry);
    if (this.logBytes + bytes > maxLogBytes) {
      if (!this.logTruncated) {
        this.logTruncated = true;
        writeSync(this.logFd, `[runner] output past ${maxLogBytes} bytes is not kept\n`);
      }
      return line;
    }
    this.logBytes += bytes;
    writeSync(this.logFd, entry);
    return line;
  }

  warn(message: string): void {
    this.record.warnings.push(this.redact(message));
    this.log('runner', `warning: ${message}`);
  }

  update(patch: Partial<RunRecord>): void {
    this.record = { ...this.record, ...patch };
    this.save();
  }

  /** Writes a further JSON file into the run folder (redacted like the rest). */
  writeJson(name: string, value: unknown): void {
    this.writeText(name, JSON.stringify(value, null, 2));
  }

  finish(patch: Partial<RunRecord>): RunRecord {
    this.update({ ended_at: Date.now(), ...patch });
    if (this.logFd !== null) closeSync(this.logFd);
    this.logFd = null;
    return this.record;
  }

  private save(): void {
    this.writeText(runFiles.record, JSON.stringify(this.record, null, 2));
  }

  private writeText(name: string, text: string): void {
    const path = join(this.dir, name);
    writeFileSync(`${path}.tmp`, this.redact(text), { mode: 0o600 });
    renameSync(`${path}.tmp`, path);
  }

  private copyRedacted(from: string, name: string): void {
    const text = readFileSync(from);
    const redacted = this.redact(text.toString('utf8'));
    if (redacted === text.toString('utf8')) {
      copyFileSync(from, join(this.dir, name));
      chmodSync(join(this.dir, name), 0o600);
    } else writeFileSync(join(this.dir, name), redacted, { mode: 0o600 });
  }
}

export interface RunListing {
  runs: RunRecord[];
  /** Folders whose run.json is missing or unreadable, with why. */
  unreadable: { id: string; problem: string }[];
}

/** Every run in a folder, newest first. */
export function listRuns(runsDir: string): RunListing {
  if (!existsSync(runsDir)) return { runs: [], unreadable: [] };
  const runs: RunRecord[] = [];
  const unreadable: RunListing['unreadable'] = [];
  for (const entry of readdirSync(runsDir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const result = readRun(runsDir, entry.name);
    if ('record' in result) runs.push(result.record);
    else unreadable.push({ id: entry.name, problem: result.problem });
  }
  runs.sort((a, b) => b.started_at - a.started_at || b.id.localeCompare(a.id));
  return { runs, unreadable };
}

export function readRun(
  runsDir: string,
  id: string,
): { record: RunRecord; dir: string } | { problem: string } {
  if (!/^[A-Za-z0-9_.-]+$/.test(id) || id.startsWith('.')) return { problem: 'not a run id' };
  const dir = join(runsDir, id);
  let text: string;
  try {
    text = readFileSync(join(dir, runFiles.record), 'utf8');
  } catch {
    return { problem: `no ${runFiles.record} in ${dir}` };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { problem: `${runFiles.record} is not valid JSON` };
  }
  const parsed = RunRecord.safeParse(json);
  if (!parsed.success)
    return {
      problem: `${runFiles.record} does not match this version: ${parsed.error.issues[0]?.message}`,
    };
  return { record: parsed.data, dir };
}
