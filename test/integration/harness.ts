import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { SandboxReady } from '../../api/run-events';

export const cliPath = resolve(import.meta.dirname, '../../dist/cli.js');
/** A Wednesday at noon UTC: every forex, index and commodity session is open. */
export const weekdayNoon = '2024-03-06T12:00:00Z';

export interface SandboxProcess {
  url: string;
  dataDir: string;
  child: ChildProcess;
  /** Everything the process wrote to stderr so far. */
  stderr(): string;
  /** Sends a signal and resolves with the exit code (or signal name) once the process is gone. */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

export interface StartOptions {
  /** Reuse a data folder (for restarts); a fresh temp folder otherwise. */
  dataDir?: string;
  /** `--now` (default: `weekdayNoon`); null starts without it (the market clock follows the wall). */
  now?: string | null;
  args?: string[];
}

const started = new Set<SandboxProcess>();
/** Every data folder a sandbox ran on, including those stopped or restarted along the way. */
const dataDirsUsed = new Set<string>();

/** Starts `tbm sandbox` as a real process on a free port and waits until it says it is ready. */
export async function startSandboxProcess(options: StartOptions = {}): Promise<SandboxProcess> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'tbm-test-'));
  const args = [
    cliPath,
    'sandbox',
    '--port',
    '0',
    '--data-dir',
    dataDir,
    '--json',
    ...(options.now === null ? [] : ['--now', options.now ?? weekdayNoon]),
  ];
  const child = spawn(process.execPath, [...args, ...(options.args ?? [])], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | string>((done) =>
    child.once('exit', (code, signal) => done(code ?? signal ?? -1)),
  );
  const ready = await new Promise<SandboxReady>((done, fail) => {
    const lines = createInterface({ input: child.stdout });
    lines.once('line', (line) => {
      try {
        done(SandboxReady.parse(JSON.parse(line)));
      } catch {
        fail(
          new Error(`sandbox printed "${line}" instead of its JSON ready line; stderr: ${stderr}`),
        );
      }
    });
    void exited.then((code) =>
      fail(new Error(`sandbox exited (${code}) before it was ready; stderr: ${stderr}`)),
    );
  });
  const handle: SandboxProcess = {
    url: ready.url,
    dataDir,
    child,
    stderr: () => stderr,
    stop: async (signal = 'SIGTERM') => {
      started.delete(handle);
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
  started.add(handle);
  dataDirsUsed.add(dataDir);
  return handle;
}

/** Stops every sandbox a test file started (call from `after`), and removes every folder they used. */
export async function stopAllSandboxes(options: { keepData?: boolean } = {}): Promise<void> {
  await Promise.all([...started].map((sandbox) => sandbox.stop('SIGKILL')));
  if (options.keepData) return;
  for (const dir of dataDirsUsed) rmSync(dir, { recursive: true, force: true });
  dataDirsUsed.clear();
}

export interface Key {
  key_id: string;
  secret: string;
  scope: 'read' | 'trade';
  account_id: string;
}

/** Creates a key through the real `tbm keys create` command. */
export async function createKey(
  sandbox: Pick<SandboxProcess, 'dataDir'>,
  scope: 'read' | 'trade',
  account = 'default',
): Promise<Key> {
  const child = spawn(
    process.execPath,
    [
      cliPath,
      'keys',
      'create',
      '--scope',
      scope,
      '--account',
      account,
      '--data-dir',
      sandbox.dataDir,
      '--json',
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const code = await new Promise<number | null>((done) => child.once('exit', done));
  if (code !== 0) throw new Error(`tbm keys create failed (${code}): ${err}`);
  return JSON.parse(out) as Key;
}

/** Exchanges a key for an access token. */
export async function accessToken(url: string, key: Key): Promise<string> {
  const response = await fetch(`${url}/oauth/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: key.key_id,
      client_secret: key.secret,
    }),
  });
  if (response.status !== 200)
    throw new Error(`token exchange failed: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { access_token: string }).access_token;
}

export interface Answer<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

/** A JSON request with a bearer token; answers status, headers and parsed body. */
export async function api<T = unknown>(
  url: string,
  token: string | null,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer<T>> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: {
      ...(token !== null && { Authorization: `Bearer ${token}` }),
      ...(body !== undefined && { 'Content-Type': 'application/json' }),
      ...headers,
    },
    ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: (text ? JSON.parse(text) : null) as T,
  };
}

/** A sandbox with a trade key on the default account and its token: the usual test setup. */
export async function tradingSandbox(options: StartOptions = {}) {
  const sandbox = await startSandboxProcess(options);
  const key = await createKey(sandbox, 'trade');
  const token = await accessToken(sandbox.url, key);
  return {
    sandbox,
    key,
    token,
    call: <T = unknown>(
      method: string,
      path: string,
      body?: unknown,
      headers?: Record<string, string>,
    ) => api<T>(sandbox.url, token, method, path, body, headers),
  };
}

export const marketBuy = (quantity = 1000, extra: Record<string, unknown> = {}) => ({
  symbol: 'EURUSD',
  action: 'buy',
  quantity,
  order_type: 'market',
  time_in_force: 'gtc',
  ...extra,
});

/**
 * Calls `probe` until it returns something other than undefined, or fails after `timeoutMs`
 * with `what` in the message. For waiting on the sandbox's own clock (fills, exits), never a sleep.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  { timeoutMs = 30_000, intervalMs = 100 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
