// Child processes and temp folders for bench/http.ts: every one is tracked here so that
// `releaseAll` can kill and remove them whatever happened, including a failed run.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { cliPath, weekdayNoon } from '../test/integration/harness';

export { cliPath, weekdayNoon };

export interface Child {
  url: string;
  child: ChildProcess;
  /** SIGKILL by default: the benchmark servers' data is thrown away, no clean close needed. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  stderr(): string;
}

const children = new Set<ChildProcess>();
const folders = new Set<string>();

export function tempFolder(label: string): string {
  const folder = mkdtempSync(join(tmpdir(), `tbm-bench-${label}-`));
  folders.add(folder);
  return folder;
}

export function removeFolder(folder: string): void {
  rmSync(folder, { recursive: true, force: true });
  folders.delete(folder);
}

function track(child: ChildProcess): { exited: Promise<void>; stderr: () => string } {
  children.add(child);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    // Keep only the tail: a long-running child's log must not grow without bound.
    stderr = (stderr + chunk.toString()).slice(-8_000);
  });
  const exited = new Promise<void>((done) =>
    child.once('exit', () => {
      children.delete(child);
      done();
    }),
  );
  return { exited, stderr: () => stderr };
}

function stopper(child: ChildProcess, exited: Promise<void>, graceMs: number) {
  return async (signal: NodeJS.Signals = 'SIGKILL'): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    // A clean close (SIGTERM) may take a while to write its snapshot; never wait forever.
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };
}

/** Spawns `node args` and waits (at most `timeoutMs`) for the JSON line it prints when ready. */
export async function spawnReady(args: string[], timeoutMs = 30_000): Promise<Child> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const { exited, stderr } = track(child);
  const stop = stopper(child, exited, 60_000);
  try {
    const ready = await new Promise<{ url: string }>((done, fail) => {
      const timer = setTimeout(
        () => fail(new Error(`${args.join(' ')} was not ready within ${timeoutMs} ms`)),
        timeoutMs,
      );
      createInterface({ input: child.stdout }).once('line', (line) => {
        clearTimeout(timer);
        try {
          done(JSON.parse(line) as { url: string });
        } catch {
          fail(new Error(`expected a JSON ready line, got "${line}"; stderr: ${stderr()}`));
        }
      });
      void exited.then(() => {
        clearTimeout(timer);
        fail(new Error(`${args.join(' ')} exited before it was ready; stderr: ${stderr()}`));
      });
    });
    return { url: ready.url, child, stop, stderr };
  } catch (error) {
    await stop();
    throw error;
  }
}

export function spawnBareServer(): Promise<Child> {
  const script = resolve(import.meta.dirname, 'http-bare-server.ts');
  return spawnReady(['--import', 'tsx', script]);
}

export interface SandboxChildOptions {
  dataDir: string;
  port?: number;
  durability?: 'fsync' | 'none';
  /** The market clock's start (--now); a restart passes a later one so the clock runs on. */
  now?: string;
}

/** Rate limits raised so that the limiter never answers: the benchmark measures the work. */
export function sandboxArgs(options: SandboxChildOptions): string[] {
  return [
    cliPath,
    'sandbox',
    '--port',
    String(options.port ?? 0),
    '--data-dir',
    options.dataDir,
    '--json',
    '--now',
    options.now ?? weekdayNoon,
    '--key-rate-limit',
    '100000000',
    // 100 accounts at the API's default 100 orders/s each would cap the whole run at 10,000
    // orders/s by design; the benchmark measures what the server can do, not the limiter.
    '--order-rate-limit',
    '100000000',
    ...(options.durability === 'none' ? ['--durability', 'none'] : []),
  ];
}

export function spawnSandbox(options: SandboxChildOptions): Promise<Child> {
  return spawnReady(sandboxArgs(options), 120_000);
}

/** A port that was free a moment ago, for a child whose readiness we poll from its spawn. */
export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => done(port));
    });
  });
}

function healthStatus(port: number): Promise<number> {
  return new Promise((done) => {
    const probe = request(
      { host: '127.0.0.1', port, path: '/health', agent: false, timeout: 1_000 },
      (response) => {
        response.resume();
        done(response.statusCode ?? 0);
      },
    );
    probe.once('error', () => done(0));
    probe.once('timeout', () => probe.destroy());
    probe.end();
  });
}

export interface Startup {
  /** From spawn to the first 200 from GET /health. */
  ms: number;
  /** CPU the child used up to then: steadier than `ms` on a busy machine. */
  cpuSeconds: number | undefined;
  child: Child;
}

/** Spawns the sandbox on a fixed port and polls GET /health until it answers 200. */
export async function timeToHealth(
  options: SandboxChildOptions,
  timeoutMs: number,
): Promise<Startup> {
  const port = await freePort();
  const args = sandboxArgs({ ...options, port });
  const started = performance.now();
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const { exited, stderr } = track(child);
  const handle: Child = {
    url: `http://127.0.0.1:${port}`,
    child,
    stop: stopper(child, exited, 60_000),
    stderr,
  };
  let gone = false;
  void exited.then(() => (gone = true));
  while (performance.now() - started < timeoutMs) {
    if ((await healthStatus(port)) === 200) {
      const ms = performance.now() - started;
      return { ms, cpuSeconds: cpuSecondsOf(child.pid), child: handle };
    }
    if (gone) throw new Error(`the sandbox exited before it answered /health; stderr: ${stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await handle.stop();
  throw new Error(`the sandbox did not answer /health within ${timeoutMs} ms; stderr: ${stderr()}`);
}

/**
 * CPU seconds (user + system, all threads) a process has used so far, from /proc on Linux;
 * undefined elsewhere. On a shared machine this is steadier than wall time.
 */
export function cpuSecondsOf(pid: number | undefined): number | undefined {
  if (pid === undefined || process.platform !== 'linux') return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at state, field 3.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return ticks / clockTicksPerSecond;
  } catch {
    return undefined;
  }
}

/** USER_HZ: 100 on every mainstream Linux build. */
const clockTicksPerSecond = 100;

/** Kills every child on Ctrl-C or SIGTERM of the benchmark (releaseAll cannot run in 'exit'). */
export function killOnExit(): () => void {
  const onSignal = (signal: NodeJS.Signals) => {
    void releaseAll().finally(() => process.kill(process.pid, signal));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}

/** Kills every child still running and removes every temp folder. Safe to call twice. */
export async function releaseAll(): Promise<void> {
  await Promise.all(
    [...children].map(
      (child) =>
        new Promise<void>((done) => {
          if (child.exitCode !== null || child.signalCode !== null) return done();
          child.once('exit', () => done());
          child.kill('SIGKILL');
        }),
    ),
  );
  for (const folder of [...folders]) removeFolder(folder);
}
