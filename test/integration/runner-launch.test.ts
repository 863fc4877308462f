import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { LaunchOptions, OutputStream } from '../../runner/launch';
import { LaunchError, launchScript, RunCancelled } from '../../runner/launch';
import { sdkPaths, studioRoot } from '../../runner/project';

// Real processes: Node, TypeScript through esbuild, and Python, started and stopped.

const dir = mkdtempSync(join(tmpdir(), 'runner-launch-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const root = studioRoot(import.meta.dirname);

/** Starts a script from the test folder, with the SDKs of this checkout. */
const launch = (options: Omit<LaunchOptions, 'cwd' | 'root'>) =>
  launchScript({ cwd: dir, root, ...options });

function script(name: string, source: string): string {
  const path = join(dir, name);
  writeFileSync(path, source);
  return path;
}

/** Starts a script and resolves once it printed `ready` (its signal handlers are in place). */
async function startUntilReady(path: string, stopGraceMs = 200) {
  const lines: { stream: OutputStream; text: string }[] = [];
  let ready!: () => void;
  const isReady = new Promise<void>((done) => (ready = done));
  const running = await launch({
    script: path,
    env: { TIMBER_ENV: 'local' },
    stopGraceMs,
    onLine: (stream, line) => {
      lines.push({ stream, text: line.text });
      if (line.text === 'ready') ready();
    },
  });
  await Promise.race([
    isReady,
    running.exited.then((exit) => {
      throw new Error(`the script exited (${JSON.stringify(exit)}) before it was ready`);
    }),
  ]);
  return { running, lines };
}

test('stop escalates to SIGKILL when a script ignores SIGINT and SIGTERM', async () => {
  const path = script(
    'stubborn.mjs',
    `process.on('SIGINT', () => console.log('ignoring SIGINT'));
     process.on('SIGTERM', () => console.log('ignoring SIGTERM'));
     setInterval(() => {}, 1000);
     console.log('ready');`,
  );
  const { running } = await startUntilReady(path);
  const exit = await running.stop();
  assert.equal(exit.stoppedWith, 'SIGKILL');
  assert.equal(exit.signal, 'SIGKILL');
  assert.equal(exit.code, null);
});

test('a script that handles SIGINT is stopped by it alone, and its goodbye is kept', async () => {
  const path = script(
    'polite.mjs',
    `process.on('SIGINT', () => { console.log('cleaning up'); process.exit(0); });
     setInterval(() => {}, 1000);
     console.log('ready');`,
  );
  const { running, lines } = await startUntilReady(path, 10_000);
  const exit = await running.stop();
  assert.deepEqual(exit, { code: 0, signal: null, stoppedWith: 'SIGINT' });
  assert.equal(lines.at(-1)?.text, 'cleaning up');
});

test('a crash reports its exit code and keeps the last lines of stderr', async () => {
  const path = script('crash.js', `console.error('about to fail');\nthrow new Error('boom');\n`);
  const running = await launch({ script: path, env: {}, onLine: () => {} });
  const exit = await running.exited;
  assert.equal(exit.code, 1);
  assert.equal(exit.stoppedWith, null);
  const tail = running.stderrTail().join('\n');
  assert.match(tail, /about to fail/);
  assert.match(tail, /Error: boom/);
});

test('unsupported, missing and uncompilable scripts are refused in plain words', async () => {
  await assert.rejects(
    launch({ script: script('notes.txt', 'hello'), env: {}, onLine: () => {} }),
    (error: Error) => error instanceof LaunchError && /\.py.*\.js.*\.ts/.test(error.message),
  );
  await assert.rejects(
    launch({ script: join(dir, 'absent.py'), env: {}, onLine: () => {} }),
    (error: Error) => error instanceof LaunchError && /does not exist/.test(error.message),
  );
  await assert.rejects(
    launch({ script: script('broken.ts', 'const x: = ;'), env: {}, onLine: () => {} }),
    (error: Error) =>
      error instanceof LaunchError && /cannot compile broken\.ts/.test(error.message),
  );
});

test('a script sees the TIMBER_* it is given and none of the runner’s own', async () => {
  process.env.TIMBER_API_SECRET = 'inherited-secret-must-not-pass';
  try {
    const path = script(
      'env.mjs',
      `console.log(JSON.stringify(Object.keys(process.env).filter((k) => k.startsWith('TIMBER_')).sort()));
       console.log(process.env.TIMBER_API_SECRET ?? 'none');`,
    );
    const out: string[] = [];
    const running = await launch({
      script: path,
      env: { TIMBER_ENV: 'local', TIMBER_RUN_ID: 'r1' },
      onLine: (_stream, line) => out.push(line.text),
    });
    assert.equal((await running.exited).code, 0);
    assert.deepEqual(out, ['["TIMBER_ENV","TIMBER_RUN_ID"]', 'none']);
  } finally {
    delete process.env.TIMBER_API_SECRET;
  }
});

test('TypeScript is bundled and run, with ws importable from the temp bundle', async () => {
  const path = script(
    'typed.ts',
    `import { WebSocket } from 'ws';
     const sides: Array<'buy' | 'sell'> = ['buy', 'sell'];
     console.log(sides.join(','), typeof WebSocket);`,
  );
  const out: string[] = [];
  const running = await launch({
    script: path,
    env: {},
    onLine: (_stream, line) => out.push(line.text),
  });
  const exit = await running.exited;
  assert.equal(exit.code, 0, out.join('\n') + running.stderrTail().join('\n'));
  assert.deepEqual(out, ['buy,sell function']);
});

test('TypeScript runs from the shipped files alone: no node_modules, no node on PATH', async () => {
  // What an installed extension holds (see .vscodeignore), copied into a bare folder.
  const installed = join(dir, 'installed');
  const paths = sdkPaths(root);
  const copied = sdkPaths(installed);
  cpSync(paths.esbuildWasm, copied.esbuildWasm, { recursive: true });
  mkdirSync(join(installed, 'dist', 'sdk', 'node'), { recursive: true });
  for (const bundle of ['nodeBundle', 'wsBundle'] as const) cpSync(paths[bundle], copied[bundle]);
  cpSync(paths.python, copied.python, { recursive: true });
  writeFileSync(join(installed, 'package.json'), '{ "type": "module" }\n');
  const path = script(
    'installed.ts',
    `import { Strategy } from '@timber-studio/sdk';
     import { WebSocket } from 'ws';
     const kinds: string[] = [typeof Strategy, typeof WebSocket];
     console.log(kinds.join(','), import.meta.url.startsWith('file:'));`,
  );
  const out: string[] = [];
  const path_ = process.env.PATH;
  process.env.PATH = join(dir, 'no-tools');
  let running;
  try {
    running = await launchScript({
      script: path,
      cwd: dir,
      root: installed,
      env: {},
      onLine: (_stream, line) => out.push(line.text),
    });
  } finally {
    process.env.PATH = path_;
  }
  const exit = await running.exited;
  assert.equal(exit.code, 0, out.join('\n') + running.stderrTail().join('\n'));
  assert.deepEqual(out, ['function,function true']);
});

test('Python runs unbuffered with the SDK folder on its path', async (t) => {
  const path = script(
    'path.py',
    `import os, sys\nprint([p for p in sys.path if p.endswith(os.path.join('sdk', 'python'))] != [])\nprint(os.environ['TIMBER_ENV'])\n`,
  );
  const out: string[] = [];
  let running;
  try {
    running = await launch({
      script: path,
      env: { TIMBER_ENV: 'backtest' },
      onLine: (_stream, line) => out.push(line.text),
    });
  } catch (error) {
    if (error instanceof LaunchError && /python3 was not found/.test(error.message)) {
      t.skip('python3 is not installed');
      return;
    }
    throw error;
  }
  assert.equal((await running.exited).code, 0);
  assert.deepEqual(out, ['True', 'backtest']);
});

test('binary output and a flood without newlines reach the reader as bounded, escaped lines', async () => {
  const path = script(
    'flood.mjs',
    `process.stdout.write(Buffer.from([0x00, 0xff, 0x1b, 0x0a]));
     process.stdout.write('y'.repeat(5 * 1024 * 1024));`,
  );
  let count = 0;
  let longest = 0;
  let first = '';
  const running = await launch({
    script: path,
    env: {},
    maxLineBytes: 4096,
    onLine: (_stream, line) => {
      if (count === 0) first = line.text;
      count += 1;
      longest = Math.max(longest, line.text.length);
    },
  });
  assert.equal((await running.exited).code, 0);
  assert.equal(first, '\\x00\\xff\\x1b');
  assert.equal(count, 1 + (5 * 1024 * 1024) / 4096);
  assert.equal(longest, 4096);
});

test('a run cancelled before its script starts never starts it', async () => {
  const marker = join(dir, 'started-anyway');
  const source = `require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'x');`;
  const early = new AbortController();
  early.abort();
  await assert.rejects(
    launch({ script: script('never.js', source), env: {}, onLine: () => {}, signal: early.signal }),
    RunCancelled,
  );
  // Aborted while esbuild bundles the TypeScript: still nothing starts.
  const during = new AbortController();
  const launching = launch({
    script: script(
      'never-either.ts',
      `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(marker)}, 'x');`,
    ),
    env: {},
    onLine: () => {},
    signal: during.signal,
  });
  during.abort();
  await assert.rejects(launching, RunCancelled);
  await new Promise((done) => setTimeout(done, 300));
  assert.equal(existsSync(marker), false, 'a cancelled script ran');
});

test('an abort after the start stops the script, and it runs in the folder it is given', async () => {
  const out: string[] = [];
  const abort = new AbortController();
  const running = await launch({
    script: script('where.mjs', `console.log(process.cwd()); setInterval(() => {}, 1000);`),
    env: {},
    signal: abort.signal,
    stopGraceMs: 2_000,
    onLine: (_stream, line) => {
      out.push(line.text);
      abort.abort();
    },
  });
  const exit = await running.exited;
  assert.equal(exit.stoppedWith, 'SIGINT');
  assert.deepEqual(out, [dir]);
});
