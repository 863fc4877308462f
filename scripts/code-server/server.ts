// Starts code-server from its cache folder on a loopback port, isolated from this machine's own
// VS Code state: every folder it writes (user data, extensions, XDG config/data/cache) is in one
// state folder, a temp one that stop() removes unless one is given (the studio keeps its own),
// and nothing reaches for the network.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { codeServerCacheDir, codeServerEntry, describeMissing, missingForStart } from './install';
import { stopProcessTree } from './processes';

/** Settings written before the first start so the workbench opens quietly and offline. */
export const quietUserSettings: Readonly<Record<string, unknown>> = {
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'workbench.startupEditor': 'none',
  'workbench.enableExperiments': false,
  'workbench.tips.enabled': false,
  'security.workspace.trust.enabled': false,
  'git.enabled': false,
  'npm.autoDetect': 'off',
  'remote.autoForwardPorts': false,
};

export interface StartCodeServerOptions {
  /** code-server's cache folder; `codeServerCacheDir()` by default. */
  installDir?: string;
  /**
   * Where user data, extensions and XDG folders are kept, from one start to the next; by default
   * a temp folder that stop() removes.
   */
  stateDir?: string;
  /**
   * Added to (and overriding) `quietUserSettings`, written when the state folder has no settings
   * yet (always, for a temp one): a kept folder keeps what its user changed.
   */
  userSettings?: Record<string, unknown>;
  /** .vsix packages installed (replacing any earlier version) before the server starts. */
  extensions?: string[];
  /** Loopback port to listen on; 0 (default) takes a free one. */
  port?: number;
  /** Extra environment for the server, and so for the extension host it starts. */
  env?: Record<string, string>;
  /** How long to wait for /healthz; 30 s by default. */
  readyTimeoutMs?: number;
}

export interface CodeServer {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** `127.0.0.1:PORT`, the authority of this server's `vscode-remote://` URIs. */
  authority: string;
  /** The state folder: user data, extensions and XDG folders (removed by stop() if temp). */
  root: string;
  /** The server's process id; its extension host and ptyHost are its descendants. */
  pid: number;
  /** A path on this machine as the workbench names it: `vscode-remote://127.0.0.1:PORT/abs/path`. */
  remoteUri(absolutePath: string): string;
  /** Everything the server printed so far. */
  output(): string;
  /** Resolves when the server's process ends, for whatever reason. */
  exited: Promise<void>;
  /** Ends the server and its children (extension host, ptyHost), then removes a temp `root`. */
  stop(): Promise<void>;
}

/** Starts code-server and resolves once `GET /healthz` answers. */
export async function startCodeServer(options: StartCodeServerOptions = {}): Promise<CodeServer> {
  const installDir = options.installDir ?? codeServerCacheDir();
  const missing = missingForStart(installDir);
  if (missing.length > 0) {
    throw new Error(`Cannot start code-server:\n${describeMissing(missing)}`);
  }
  const temporary = options.stateDir === undefined;
  const root = options.stateDir ?? mkdtempSync(join(tmpdir(), 'timber-code-server-'));
  const userDataDir = join(root, 'user-data');
  const extensionsDir = join(root, 'extensions');
  const settings = join(userDataDir, 'User', 'settings.json');
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  if (!existsSync(settings))
    writeFileSync(
      settings,
      JSON.stringify({ ...quietUserSettings, ...options.userSettings }, null, 2),
    );
  const configFile = join(root, 'config.yaml');
  writeFileSync(configFile, 'auth: none\ncert: false\n');
  const closedPort = await findClosedPort();
  const gallery = `http://127.0.0.1:${closedPort}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    XDG_CONFIG_HOME: join(root, 'xdg-config'),
    XDG_DATA_HOME: join(root, 'xdg-data'),
    XDG_CACHE_HOME: join(root, 'xdg-cache'),
    EXTENSIONS_GALLERY: JSON.stringify({
      serviceUrl: `${gallery}/gallery`,
      itemUrl: `${gallery}/items`,
      resourceUrlTemplate: `${gallery}/resources/{publisher}/{name}/{version}/{path}`,
    }),
    ...options.env,
  };
  const folders = ['--user-data-dir', userDataDir, '--extensions-dir', extensionsDir];
  try {
    for (const vsix of options.extensions ?? [])
      await runToEnd(
        process.execPath,
        [codeServerEntry(installDir), ...folders, '--install-extension', vsix, '--force'],
        env,
        `installing ${vsix} into code-server`,
      );
  } catch (error) {
    if (temporary) rmSync(root, { recursive: true, force: true });
    throw error;
  }

  const child = spawn(
    process.execPath,
    [
      codeServerEntry(installDir),
      '--auth',
      'none',
      '--bind-addr',
      `127.0.0.1:${options.port ?? 0}`,
      '--config',
      configFile,
      ...folders,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      '--ignore-last-opened',
    ],
    // Its own process group, so a Ctrl-C in the terminal reaches the caller, which stops it.
    { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env },
  );
  let output = '';
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const stop = async () => {
    await stopProcessTree(child);
    if (temporary) rmSync(root, { recursive: true, force: true });
  };
  try {
    const url = await listeningUrl(child, () => output);
    await waitForHealth(url, options.readyTimeoutMs ?? 30_000, () => output);
    const authority = new URL(url).host;
    return {
      url,
      authority,
      root,
      pid: child.pid!,
      remoteUri: (absolutePath) => `vscode-remote://${authority}${encodeURI(absolutePath)}`,
      output: () => output,
      exited,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Runs code-server's command line for one job (installing an extension) and waits for it. */
function runToEnd(command: string, args: string[], env: NodeJS.ProcessEnv, what: string) {
  return new Promise<void>((done, fail) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', fail);
    child.once('close', (code) =>
      code === 0 ? done() : fail(new Error(`${what} failed (exit ${code}):\n${output.trim()}`)),
    );
  });
}

/**
 * code-server binds port 0 and prints the port it got, which avoids racing another process for a
 * port picked in advance. The line is from code-server's logger and fixed for a pinned version.
 */
function listeningUrl(child: ChildProcess, output: () => string): Promise<string> {
  return new Promise((done, fail) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      const match = /HTTP server listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(line);
      if (match?.[1] !== undefined) {
        lines.removeAllListeners('line');
        // Keep draining stdout so the server never blocks on a full pipe.
        child.stdout!.on('data', () => {});
        done(match[1]);
      }
    });
    child.once('exit', (code, signal) =>
      fail(
        new Error(
          `code-server exited (${code ?? signal}) before it was listening. It printed:\n${output()}`,
        ),
      ),
    );
  });
}

async function waitForHealth(url: string, timeoutMs: number, output: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${url}/healthz`);
      if (response.ok) return;
      lastError = `HTTP ${response.status}`;
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(
    `code-server at ${url} did not answer /healthz within ${timeoutMs} ms (${lastError}). ` +
      `It printed:\n${output()}`,
  );
}

/** A loopback port nothing listens on, for the extension gallery: every request to it fails fast. */
async function findClosedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  await new Promise((done) => server.close(done));
  if (address === null || typeof address === 'string') throw new Error('no loopback port');
  return address.port;
}
