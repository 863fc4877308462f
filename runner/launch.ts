import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { basename, delimiter, extname, resolve } from 'node:path';
import { bundleTypeScript } from './bundle-typescript';
import type { OutputLine } from './lines';
import { LineSplitter } from './lines';
import { sdkPaths } from './project';

export type ScriptKind = 'python' | 'node' | 'typescript';
export type OutputStream = 'stdout' | 'stderr';

/**
 * A problem with the script or the machine, said so a user can fix it; nothing was started.
 * `kind`: how the command was called (usage), the machine (environment), or the script itself.
 */
export class LaunchError extends Error {
  constructor(
    message: string,
    readonly kind: 'usage' | 'environment' | 'script' = 'usage',
  ) {
    super(message);
  }
}

/** The run was cancelled (its abort signal fired) before the script was started. */
export class RunCancelled extends Error {
  constructor() {
    super('the run was cancelled before its script started');
  }
}

export function scriptKind(script: string): ScriptKind {
  const extension = extname(script).toLowerCase();
  if (extension === '.py') return 'python';
  if (extension === '.js' || extension === '.mjs') return 'node';
  if (extension === '.ts' || extension === '.mts') return 'typescript';
  throw new LaunchError(
    `cannot run "${basename(script)}": the runner starts .py (Python), .js/.mjs (Node) and .ts (TypeScript) scripts`,
  );
}

export interface ScriptExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The strongest signal the runner had to send to stop it, if it was stopped. */
  stoppedWith: NodeJS.Signals | null;
}

export interface LaunchOptions {
  script: string;
  /** Added to the runner's own environment (the TIMBER_* contract). */
  env: Record<string, string>;
  /** The script's working folder. */
  cwd: string;
  /** The Timber Studio folder whose SDKs the script imports (see `studioRoot`). */
  root: string;
  /** Aborted before the start, nothing starts (`RunCancelled`); after, the script is stopped. */
  signal?: AbortSignal;
  /** The Python interpreter for .py scripts (default: `python3` on PATH). */
  python?: string;
  onLine: (stream: OutputStream, line: OutputLine) => void;
  /** Opens an IPC channel: the Node SDK sends progress messages through it. */
  onMessage?: (message: unknown) => void;
  /** How long each of SIGINT and SIGTERM is given before the next, stronger signal. */
  stopGraceMs?: number;
  maxLineBytes?: number;
  /** Lines of stderr kept to explain a crash. */
  stderrTailLines?: number;
}

export interface RunningScript {
  pid: number;
  kind: ScriptKind;
  exited: Promise<ScriptExit>;
  /** SIGINT, then SIGTERM after the grace, then SIGKILL; resolves once the process is gone. */
  stop(): Promise<ScriptExit>;
  /** The last lines the script wrote to stderr. */
  stderrTail(): string[];
}

/**
 * What starts a script: `launchScript`, or another that starts it its own way (the editor's
 * debugger) and reports the same things back.
 */
export type ScriptLauncher = (options: LaunchOptions) => Promise<RunningScript>;

/** Starts a script with the interpreter its extension calls for; TypeScript is bundled first. */
export async function launchScript(options: LaunchOptions): Promise<RunningScript> {
  const script = resolve(options.script);
  const kind = scriptKind(script);
  if (!existsSync(script) || !statSync(script).isFile())
    throw new LaunchError(`the script ${script} does not exist; check the path`);
  const { root, signal } = options;
  if (signal?.aborted) throw new RunCancelled();
  // The TIMBER_* of the runner's own environment are not passed on: a script sees exactly the
  // connection the runner chose for it (never, say, a hosted secret during a local run).
  const inherited = Object.entries(process.env).filter(([name]) => !name.startsWith('TIMBER_'));
  const env: NodeJS.ProcessEnv = { ...Object.fromEntries(inherited), ...options.env };
  let command: string;
  let args: string[];
  let cleanup = () => {};
  if (kind === 'python') {
    command = options.python ?? 'python3';
    args = ['-u', script];
    const { python } = sdkPaths(root);
    env.PYTHONPATH = env.PYTHONPATH ? `${python}${delimiter}${env.PYTHONPATH}` : python;
    env.PYTHONUNBUFFERED = '1';
    env.PYTHONIOENCODING = 'utf-8';
  } else {
    command = process.execPath;
    // Inside VS Code the runner's execPath is Electron: make it behave as plain Node.
    if (process.versions.electron) env.ELECTRON_RUN_AS_NODE = '1';
    if (kind === 'typescript') {
      const bundle = await bundleTypeScript(script, root);
      cleanup = bundle.cleanup;
      args = ['--enable-source-maps', bundle.file];
    } else {
      args = [script];
    }
  }
  let child: ChildProcess;
  try {
    // Bundling takes a moment: a cancel that came meanwhile still starts nothing.
    if (signal?.aborted) throw new RunCancelled();
    child = await spawnChecked(command, args, {
      cwd: options.cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe', ...(options.onMessage ? (['ipc'] as const) : [])],
    });
  } catch (error) {
    cleanup();
    throw error;
  }
  const running = watch(child, kind, options, cleanup);
  if (signal !== undefined) {
    const stopOnAbort = () => void running.stop();
    if (signal.aborted) stopOnAbort();
    else {
      signal.addEventListener('abort', stopOnAbort, { once: true });
      void running.exited.then(() => signal.removeEventListener('abort', stopOnAbort));
    }
  }
  return running;
}

function spawnChecked(
  command: string,
  args: string[],
  spawnOptions: Parameters<typeof spawn>[2],
): Promise<ChildProcess> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, spawnOptions);
    child.once('spawn', () => done(child));
    child.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT')
        fail(
          new LaunchError(
            command === 'python3'
              ? 'python3 was not found on PATH; install Python 3.9 or later to run .py scripts'
              : command === process.execPath
                ? `${command} was not found; check the installation`
                : `the Python interpreter ${command} was not found; choose another (setting timber.python.path)`,
            'environment',
          ),
        );
      else fail(new LaunchError(`cannot start ${command}: ${error.message}`, 'environment'));
    });
  });
}

function watch(
  child: ChildProcess,
  kind: ScriptKind,
  options: LaunchOptions,
  cleanup: () => void,
): RunningScript {
  const tailSize = options.stderrTailLines ?? 20;
  const tail: string[] = [];
  const splitterFor = (stream: OutputStream) =>
    new LineSplitter(
      (line) => {
        if (stream === 'stderr') {
          tail.push(line.text);
          if (tail.length > tailSize) tail.shift();
        }
        options.onLine(stream, line);
      },
      options.maxLineBytes === undefined ? {} : { maxLineBytes: options.maxLineBytes },
    );
  const pipes = (['stdout', 'stderr'] as const).map((stream) => {
    const splitter = splitterFor(stream);
    const source = child[stream];
    return new Promise<void>((done) => {
      if (!source) return done();
      source.on('data', (chunk: Buffer) => splitter.push(chunk));
      source.once('close', () => {
        splitter.end();
        done();
      });
    });
  });
  if (options.onMessage) child.on('message', options.onMessage);
  let stoppedWith: NodeJS.Signals | null = null;
  const processGone = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.once('exit', (code, signal) => done({ code, signal })),
  );
  const exited = (async (): Promise<ScriptExit> => {
    const status = await processGone;
    // A grandchild may hold the pipes open: do not wait for it forever.
    await Promise.race([
      Promise.all(pipes),
      new Promise((done) => setTimeout(done, 2_000).unref()),
    ]);
    cleanup();
    return { ...status, stoppedWith };
  })();
  let stopping: Promise<ScriptExit> | undefined;
  const grace = options.stopGraceMs ?? 5_000;
  const stop = () =>
    (stopping ??= (async () => {
      for (const signal of ['SIGINT', 'SIGTERM', 'SIGKILL'] as const) {
        if (child.exitCode !== null || child.signalCode !== null) break;
        stoppedWith = signal;
        child.kill(signal);
        if (signal === 'SIGKILL') break;
        const gone = await Promise.race([
          processGone.then(() => true),
          new Promise<false>((done) => setTimeout(() => done(false), grace).unref()),
        ]);
        if (gone) break;
      }
      return exited;
    })());
  return { pid: child.pid ?? -1, kind, exited, stop, stderrTail: () => [...tail] };
}
