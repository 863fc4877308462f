// Helpers for the Python SDK's integration tests: run a Python script as a child process with
// the TIMBER_* environment, read its stdout line by line, wait for lines, stop it; and a TCP
// proxy the tests use to drop a script's connections on purpose.
import { streamUrlFor } from '../../api/script-environment';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer, connect } from 'node:net';
import type { Server, Socket } from 'node:net';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Key } from './harness';

export const repoRoot = resolve(import.meta.dirname, '../..');
export const sdkPythonDir = resolve(repoRoot, 'sdk/python');
export const pythonScripts = resolve(sdkPythonDir, 'tests/scripts');

export interface PythonRun {
  child: ChildProcess;
  lines: string[];
  stderr(): string;
  /** Resolves with the first stdout line (seen or to come) matching `pattern`. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Resolves once stdout has `count` lines matching `pattern`. */
  waitForCount(pattern: RegExp, count: number, timeoutMs?: number): Promise<string[]>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const running = new Set<PythonRun>();

/** The environment the runner gives a script, for one key on one sandbox (or session) URL. */
export function timberEnv(
  baseUrl: string,
  key: Pick<Key, 'key_id' | 'secret'>,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    TIMBER_BASE_URL: baseUrl,
    TIMBER_STREAM_URL: streamUrlFor(baseUrl),
    TIMBER_ENV: 'local',
    TIMBER_API_KEY_ID: key.key_id,
    TIMBER_API_SECRET: key.secret,
    TIMBER_RUN_ID: 'test-run',
    ...extra,
  };
}

export function runPython(
  script: string,
  env: Record<string, string>,
  args: string[] = [],
): PythonRun {
  const child = spawn('python3', ['-u', script, ...args], {
    cwd: repoRoot,
    env: { ...process.env, PYTHONPATH: sdkPythonDir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let stderr = '';
  const waiters = new Set<() => void>();
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  createInterface({ input: child.stdout }).on('line', (line) => {
    lines.push(line);
    for (const wake of waiters) wake();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.once('exit', (code, signal) => {
      done({ code, signal });
      for (const wake of waiters) wake();
    }),
  );
  const waitForCount = (pattern: RegExp, count: number, timeoutMs = 30_000) =>
    new Promise<string[]>((done, fail) => {
      const check = () => {
        const matching = lines.filter((line) => pattern.test(line));
        if (matching.length >= count) {
          cleanup();
          done(matching);
        } else if (child.exitCode !== null || child.signalCode !== null) {
          cleanup();
          fail(
            new Error(
              `python exited (${child.exitCode ?? child.signalCode}) with ${matching.length} of ${count} lines matching ${pattern}\nstdout:\n${lines.join('\n')}\nstderr:\n${stderr}`,
            ),
          );
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        fail(
          new Error(
            `timed out after ${timeoutMs} ms waiting for ${count} lines matching ${pattern}\nstdout:\n${lines.join('\n')}\nstderr:\n${stderr}`,
          ),
        );
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });
  const run: PythonRun = {
    child,
    lines,
    stderr: () => stderr,
    waitForCount,
    waitForLine: async (pattern, timeoutMs) => (await waitForCount(pattern, 1, timeoutMs))[0],
    exited,
    stop: async (signal = 'SIGINT') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const outcome = await exited;
      running.delete(run);
      return outcome;
    },
  };
  running.add(run);
  void exited.then(() => running.delete(run));
  return run;
}

/** Kills every Python child still running (call from `after`). */
export async function stopAllPython(): Promise<void> {
  await Promise.all([...running].map((run) => run.stop('SIGKILL')));
}

/** A TCP proxy in front of a sandbox; `drop()` cuts every connection through it. */
export interface Proxy {
  url: string;
  connections(): number;
  drop(): void;
  close(): Promise<void>;
}

export async function startProxy(targetUrl: string): Promise<Proxy> {
  const target = new URL(targetUrl);
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server: Server = createServer((client) => {
    accepted++;
    const upstream = connect(Number(target.port), target.hostname);
    sockets.add(client);
    sockets.add(upstream);
    const forget = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', forget).on('close', forget);
    upstream.on('error', forget).on('close', forget);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no port');
  return {
    url: `http://127.0.0.1:${address.port}`,
    connections: () => accepted,
    drop: () => {
      for (const socket of sockets) socket.destroy();
      sockets.clear();
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}
