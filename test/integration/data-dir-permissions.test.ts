import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { listSnapshots } from '../../sandbox/store/snapshot';
import { cliPath, marketBuy, stopAllSandboxes, tradingSandbox, weekdayNoon } from './harness';

// The data folder as `tbm sandbox` and the runner's embedded sandbox meet it: a folder others can
// write to is refused with words that say how to fix it, and what a sandbox creates is owner-only.

const posixOnly = { skip: process.platform === 'win32' && 'Windows has no POSIX modes' };
const work = mkdtempSync(join(tmpdir(), 'tbm-perms-'));
after(async () => {
  await stopAllSandboxes();
  rmSync(work, { recursive: true, force: true });
});

/** Runs `tbm ARGS` to its end (a refusal comes at once), with its exit code and output. */
async function tbm(args: string[]) {
  const child = spawn(process.execPath, [cliPath, ...args], {
    cwd: work,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((done) => child.once('exit', done));
  return { code, stdout, stderr };
}

/** A data folder others can write to (0777), which every sandbox must refuse. */
function folderOpenToAll(name: string): string {
  const dir = join(work, name);
  mkdirSync(dir);
  chmodSync(dir, 0o777);
  return dir;
}

function assertRefusal(stderr: string, dir: string): void {
  assert.ok(stderr.includes(`The sandbox data folder "${dir}" is not safe to use`), stderr);
  assert.ok(stderr.includes(`"${dir}" (folder, mode 0777`), stderr);
  assert.match(stderr, /others can write to it/);
  assert.ok(stderr.includes(`Fix: chmod 700 ${dir}`), stderr);
}

void test(
  'tbm sandbox refuses a data folder others can write to, and says how to fix it',
  posixOnly,
  async () => {
    const dir = folderOpenToAll('sandbox-open-to-all');
    const { code, stdout, stderr } = await tbm([
      'sandbox',
      '--port',
      '0',
      '--data-dir',
      dir,
      '--json',
      '--now',
      weekdayNoon,
    ]);
    assert.equal(code, 1, stderr);
    assert.equal(stdout, '', 'it never said it was ready');
    assert.ok(stderr.startsWith('tbm sandbox: The sandbox data folder'), stderr);
    assertRefusal(stderr, dir);
    assert.deepEqual(readdirSync(dir), [], 'the refused folder is left as it was found');
  },
);

void test(
  'tbm run surfaces the same refusal from the sandbox it starts for the run',
  posixOnly,
  async () => {
    const dir = folderOpenToAll('run-open-to-all');
    const script = join(work, 'never-runs.mjs');
    writeFileSync(script, 'throw new Error("the script ran on a refused data folder");\n');
    const { code, stderr } = await tbm([
      'run',
      script,
      '--data-dir',
      dir,
      '--runs-dir',
      join(work, 'runs'),
    ]);
    assert.equal(code, 3, stderr); // environment: no sandbox
    assert.ok(stderr.includes(`tbm run: cannot start the local sandbox on ${dir}: `), stderr);
    assertRefusal(stderr, dir);
    assert.doesNotMatch(stderr, /the script ran/);
    assert.deepEqual(readdirSync(dir), []);
  },
);

/** Every entry under `dir` (itself included) that is not owner-only: folders 0700, files 0600. */
function notOwnerOnly(dir: string): string[] {
  const paths = [
    dir,
    ...(readdirSync(dir, { recursive: true }) as string[]).map((name) => join(dir, name)),
  ];
  return paths.flatMap((path) => {
    const stat = statSync(path);
    const mode = stat.mode & 0o777;
    return mode === (stat.isDirectory() ? 0o700 : 0o600) ? [] : [`${path} ${mode.toString(8)}`];
  });
}

void test(
  'a fresh data folder holds only owner-only folders (0700) and files (0600), after orders and a snapshot',
  posixOnly,
  async () => {
    // With umask 0 the sandbox's files get exactly the modes it asks for.
    const umask = process.umask(0);
    const dataDir = join(work, 'fresh', 'sandbox');
    let session: Awaited<ReturnType<typeof tradingSandbox>>;
    try {
      session = await tradingSandbox({ dataDir });
    } finally {
      process.umask(umask);
    }
    const { sandbox, call } = session;
    assert.equal((await call('POST', '/orders', marketBuy(1000))).status, 201);
    const resting = { ...marketBuy(1000), order_type: 'limit', limit_price: 0.5 };
    const answer = await call('POST', '/orders', resting);
    assert.equal(answer.status, 201, JSON.stringify(answer.body));
    const running = readdirSync(dataDir).sort();
    assert.deepEqual(running, [
      'admin-token',
      'clock.json',
      'sandbox.json',
      'store',
      'token-signing-key',
    ]);
    assert.ok(readdirSync(join(dataDir, 'store')).includes('journal.lock'));
    assert.deepEqual(notOwnerOnly(join(work, 'fresh')), []);

    assert.equal(await sandbox.stop('SIGTERM'), 0);
    assert.equal(listSnapshots(join(dataDir, 'store')).length, 1, 'SIGTERM took a snapshot');
    assert.deepEqual(notOwnerOnly(join(work, 'fresh')), []);
  },
);
