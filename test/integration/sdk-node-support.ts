// Helpers of the Node SDK's integration tests: bundle a TypeScript strategy with the runner's
// bundler (esbuild-wasm; `@timber-studio/sdk` and `ws` the copies prebundled in dist/), run it as a real
// process with a TIMBER_* environment, and watch its output line by line.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { bundleTypeScript } from '../../runner/bundle-typescript';

const root = resolve(import.meta.dirname, '../..');
const folders = new Set<string>();
const children = new Set<ChildProcess>();
const cleanups: (() => void)[] = [];

/** A temp folder removed by `cleanUpScripts`. */
export function scratchFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sdk-node-it-'));
  folders.add(dir);
  return dir;
}

/** Bundles a strategy script (a path, or its source text) as the runner does, into a runnable .mjs. */
export async function bundleStrategy(
  script: { path: string } | { source: string },
): Promise<string> {
  let entry: string;
  if ('path' in script) entry = resolve(root, script.path);
  else {
    entry = join(scratchFolder(), 'strategy.ts');
    writeFileSync(entry, script.source);
  }
  const bundle = await bundleTypeScript(entry, root);
  cleanups.push(bundle.cleanup);
  return bundle.file;
}

/** Writes a strategy config into a scratch folder and answers its path. */
export function configFile(config: unknown): string {
  const path = join(scratchFolder(), 'strategy.json');
  writeFileSync(path, JSON.stringify(config));
  return path;
}

export interface RunningScript {
  lines: string[];
  stderr(): string;
  /** Resolves with the first stdout line (from the start) matching `pattern`. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  exited: Promise<number | string>;
  child: ChildProcess;
}

export function runScript(bundle: string, env: Record<string, string>): RunningScript {
  const child = spawn(process.execPath, [bundle], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  const lines: string[] = [];
  let stderr = '';
  const waiters = new Set<{ pattern: RegExp; resolve: (line: string) => void }>();
  createInterface({ input: child.stdout }).on('line', (line) => {
    lines.push(line);
    for (const waiter of waiters) {
      if (waiter.pattern.test(line)) {
        waiters.delete(waiter);
        waiter.resolve(line);
      }
    }
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | string>((done) =>
    child.once('exit', (code, signal) => {
      children.delete(child);
      done(code ?? signal ?? -1);
    }),
  );
  return {
    lines,
    child,
    exited,
    stderr: () => stderr,
    waitForLine: (pattern, timeoutMs = 60_000) => {
      const found = lines.find((line) => pattern.test(line));
      if (found !== undefined) return Promise.resolve(found);
      return new Promise<string>((resolveLine, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(
            new Error(
              `no line matching ${pattern} within ${timeoutMs} ms; stdout:\n${lines.join('\n')}\nstderr:\n${stderr}`,
            ),
          );
        }, timeoutMs);
        const waiter = {
          pattern,
          resolve: (line: string) => {
            clearTimeout(timer);
            resolveLine(line);
          },
        };
        waiters.add(waiter);
        void exited.then(() => {
          if (!waiters.has(waiter)) return;
          waiters.delete(waiter);
          clearTimeout(timer);
          reject(
            new Error(
              `the script exited before printing ${pattern}; stdout:\n${lines.join('\n')}\nstderr:\n${stderr}`,
            ),
          );
        });
      });
    },
  };
}

/** Kills every script still running and removes the scratch folders. */
export async function cleanUpScripts(): Promise<void> {
  await Promise.all(
    [...children].map(
      (child) =>
        new Promise<void>((done) => {
          child.once('exit', () => done());
          child.kill('SIGKILL');
        }),
    ),
  );
  for (const cleanup of cleanups.splice(0)) cleanup();
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
  folders.clear();
}
