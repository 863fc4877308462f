import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { SandboxReady } from '../../api/run-events';

// The embedded sandbox as a child process of the extension host: started on demand, watched,
// restarted with backoff when it dies, stopped with the extension. Knows nothing of VS Code, so
// it is tested with a fake child.

export type SandboxState =
  | { kind: 'stopped' }
  | { kind: 'starting'; attempt: number }
  | { kind: 'running'; url: string; pid: number; attached: boolean }
  | { kind: 'restarting'; inMs: number; why: string }
  | { kind: 'failed'; why: string };

export interface SupervisorOptions {
  /** Starts `tbm sandbox --json` on this port (0: any free one) and data folder. */
  spawn: (port: number) => ChildProcess;
  /** A sandbox already running on the data folder, to attach to instead of starting one. */
  findRunning: () => Promise<{ url: string; pid: number } | null>;
  /** Whether the sandbox at this URL answers `/health`: an attached one is checked with it. */
  healthy: (url: string) => Promise<boolean>;
  /** How often an attached sandbox is checked (default 10 s). */
  healthEveryMs?: number;
  port: number;
  /** Every line the sandbox writes on stderr, and the supervisor's own notes. */
  log: (line: string) => void;
  onState: (state: SandboxState) => void;
  /** How long a start may take before it counts as failed (default 30 s). */
  startTimeoutMs?: number;
  /** Restart delays: doubled from `baseMs` up to `capMs` (defaults 500 ms, 30 s). */
  backoff?: { baseMs: number; capMs: number };
  /** Crashes in a row after which it stops trying (default 5); a run of 60 s resets the count. */
  maxCrashes?: number;
  /** SIGTERM, then SIGKILL after this long (default 5 s). */
  stopGraceMs?: number;
  setTimer?: (run: () => void, ms: number) => { cancel(): void };
  now?: () => number;
}

const stableMs = 60_000;

/** Why a sandbox's start failed, read from what it wrote: a port in use is named. */
export function startFailure(stderr: string, port: number): string {
  if (/EADDRINUSE/.test(stderr))
    return `port ${port} is already in use on 127.0.0.1 (another program holds it)`;
  const last = stderr.trim().split('\n').slice(-3).join(' / ');
  return last === '' ? 'it exited without a word' : last;
}

export class SandboxSupervisor {
  private state: SandboxState = { kind: 'stopped' };
  private child: ChildProcess | null = null;
  private wanted = false;
  private crashes = 0;
  private runningSince = 0;
  private retry: { cancel(): void } | null = null;
  private starting: Promise<string> | null = null;
  private portInUse = false;
  private healthTimer: { cancel(): void } | null = null;

  constructor(private readonly options: SupervisorOptions) {}

  get current(): SandboxState {
    return this.state;
  }

  /** The sandbox's URL once it runs: attaches to a running one, or starts it. */
  start(): Promise<string> {
    this.wanted = true;
    if (this.state.kind === 'running') return Promise.resolve(this.state.url);
    this.starting ??= this.launch().finally(() => (this.starting = null));
    return this.starting;
  }

  /** Stops the sandbox it started (one it attached to is left running) and any restart. */
  async stop(): Promise<void> {
    this.wanted = false;
    this.retry?.cancel();
    this.retry = null;
    this.healthTimer?.cancel();
    this.healthTimer = null;
    const child = this.child;
    this.child = null;
    if (child !== null && child.exitCode === null && child.signalCode === null) {
      const gone = new Promise<void>((done) => child.once('exit', () => done()));
      child.kill('SIGTERM');
      const timer = this.timer(() => child.kill('SIGKILL'), this.options.stopGraceMs ?? 5_000);
      await gone;
      timer.cancel();
    }
    this.set({ kind: 'stopped' });
  }

  private async launch(): Promise<string> {
    const running = await this.options.findRunning();
    if (running !== null) {
      this.set({ kind: 'running', url: running.url, pid: running.pid, attached: true });
      this.options.log(`attached to the sandbox already running on ${running.url}`);
      this.watchAttached(running.url);
      return running.url;
    }
    // A port in use would fail every retry the same way: the next start takes any free port.
    const port = this.portInUse ? 0 : this.options.port;
    this.set({ kind: 'starting', attempt: this.crashes + 1 });
    const child = this.options.spawn(port);
    this.child = child;
    let stderr = '';
    child.stderr?.setEncoding('utf8');
    createInterface({ input: child.stderr! }).on('line', (line) => {
      stderr = `${stderr}${line}\n`.slice(-4_000);
      this.options.log(line);
    });
    try {
      const ready = await this.readyLine(child, port, () => stderr);
      this.runningSince = this.now();
      this.set({ kind: 'running', url: ready.url, pid: ready.pid, attached: false });
      child.once('exit', (code, signal) => this.exited(child, code, signal));
      return ready.url;
    } catch (error) {
      this.child = null;
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      const why = (error as Error).message;
      if (/already in use/.test(why) && port !== 0) {
        this.portInUse = true;
        this.options.log(`${why}; starting on a free port instead`);
        return this.launch();
      }
      this.set({ kind: 'failed', why });
      throw error;
    }
  }

  private readyLine(child: ChildProcess, port: number, stderr: () => string) {
    return new Promise<SandboxReady>((done, fail) => {
      const timer = this.timer(
        () => fail(new Error(`the sandbox did not start within ${this.startTimeout / 1000} s`)),
        this.startTimeout,
      );
      createInterface({ input: child.stdout! }).once('line', (line) => {
        timer.cancel();
        try {
          done(SandboxReady.parse(JSON.parse(line)));
        } catch {
          fail(new Error(`the sandbox printed "${line.slice(0, 200)}" instead of its ready line`));
        }
      });
      child.once('exit', () => {
        timer.cancel();
        // Its last words may still be on their way through the stderr pipe.
        setImmediate(() =>
          fail(new Error(`the sandbox could not start: ${startFailure(stderr(), port)}`)),
        );
      });
      child.once('error', (error) => {
        timer.cancel();
        fail(new Error(`the sandbox could not be started: ${error.message}`));
      });
    });
  }

  /** One this extension did not start gives no exit event: it is asked, and replaced if gone. */
  private watchAttached(url: string): void {
    this.healthTimer = this.timer(() => {
      this.healthTimer = null;
      void this.options.healthy(url).then((alive) => {
        if (!this.wanted || this.state.kind !== 'running' || this.state.url !== url) return;
        if (alive) return this.watchAttached(url);
        this.options.log(`the sandbox on ${url} no longer answers; starting one`);
        this.set({ kind: 'stopped' });
        this.start().catch(() => {});
      });
    }, this.options.healthEveryMs ?? 10_000);
  }

  private exited(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.child !== child || !this.wanted) return;
    this.child = null;
    if (this.now() - this.runningSince >= stableMs) this.crashes = 0;
    this.crashes += 1;
    const why = `the sandbox stopped unexpectedly (${signal ?? `exit code ${code}`})`;
    if (this.crashes > (this.options.maxCrashes ?? 5)) {
      this.set({ kind: 'failed', why: `${why}, ${this.crashes} times in a row; not restarting` });
      return;
    }
    const { baseMs, capMs } = this.options.backoff ?? { baseMs: 500, capMs: 30_000 };
    const inMs = Math.min(capMs, baseMs * 2 ** (this.crashes - 1));
    this.options.log(`${why}; restarting in ${inMs} ms`);
    this.set({ kind: 'restarting', inMs, why });
    this.retry = this.timer(() => {
      this.retry = null;
      if (this.wanted) this.start().catch(() => {});
    }, inMs);
  }

  private get startTimeout(): number {
    return this.options.startTimeoutMs ?? 30_000;
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  private timer(run: () => void, ms: number): { cancel(): void } {
    if (this.options.setTimer) return this.options.setTimer(run, ms);
    const handle = setTimeout(run, ms);
    return { cancel: () => clearTimeout(handle) };
  }

  private set(state: SandboxState): void {
    this.state = state;
    this.options.onState(state);
  }
}

/** A sandbox state in words, for the views and the status bar. */
export function describeSandbox(state: SandboxState): string {
  switch (state.kind) {
    case 'stopped':
      return 'stopped';
    case 'starting':
      return state.attempt > 1 ? `starting (attempt ${state.attempt})` : 'starting';
    case 'running':
      return `${state.attached ? 'attached' : 'running'} on ${state.url}`;
    case 'restarting':
      return `restarting in ${Math.ceil(state.inMs / 1000)} s`;
    case 'failed':
      return `failed: ${state.why}`;
    default:
      return state satisfies never;
  }
}
