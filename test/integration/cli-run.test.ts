import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { RunEvent } from '../../api/run-events';
import { readRunTrading } from '../../runner/run-folder';
import type { SandboxProcess } from './harness';
import {
  accessToken,
  api,
  cliPath,
  createKey,
  startSandboxProcess,
  stopAllSandboxes,
  waitFor,
} from './harness';

// `tbm run` as a user runs it: a real sandbox process, real scripts, a real runs folder.

const root = resolve(import.meta.dirname, '../..');
const work = mkdtempSync(join(tmpdir(), 'cli-run-'));
const runsDir = join(work, 'runs');
let sandbox: SandboxProcess;
/** Its own, with 3 orders a second: the others' orders must not share its window. */
let strict: SandboxProcess;
const children = new Set<ChildProcess>();

before(async () => {
  [sandbox, strict] = await Promise.all([
    startSandboxProcess(),
    startSandboxProcess({ args: ['--order-rate-limit', '3'] }),
  ]);
});
after(async () => {
  for (const child of children) child.kill('SIGKILL');
  await stopAllSandboxes();
  rmSync(work, { recursive: true, force: true });
});

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

function tbm(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [cliPath, ...args], {
    cwd: work,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const finished = new Promise<Finished>((done) =>
    child.once('exit', (code) => {
      children.delete(child);
      done({ code, stdout, stderr });
    }),
  );
  return { child, finished, stderr: () => stderr };
}

const run = (
  script: string,
  extra: string[] = [],
  env: Record<string, string> = {},
  on: SandboxProcess = sandbox,
) =>
  tbm(['run', join(work, script), '--data-dir', on.dataDir, '--runs-dir', runsDir, ...extra], env)
    .finished;

function script(name: string, source: string): void {
  writeFileSync(join(work, name), source);
}

/** A script that trades over plain fetch with the TIMBER_* environment, as any script may. */
const tradingScript = `
const base = process.env.TIMBER_BASE_URL;
const secret = process.env.TIMBER_API_SECRET;
// Kept outside the run folder, so the test can look for it inside.
(await import('node:fs')).writeFileSync(process.env.SECRET_OUT, secret);
const token = await (await fetch(base + '/oauth/token', {
  method: 'POST',
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify({ grant_type: 'client_credentials', client_id: process.env.TIMBER_API_KEY_ID, client_secret: secret }),
})).json();
const count = Number(process.env.ORDER_COUNT ?? '2');
const answers = await Promise.all(Array.from({ length: count }, () => fetch(base + '/orders', {
  method: 'POST',
  headers: { Authorization: 'Bearer ' + token.access_token, 'Content-Type': 'application/json' },
  body: JSON.stringify({ symbol: 'EURUSD', action: 'buy', quantity: 1000, order_type: 'market', time_in_force: 'gtc' }),
})));
console.log('statuses ' + answers.map((a) => a.status).join(','));
console.log('my secret is ' + secret);
`;

function runFolder(stderr: string): string {
  const id = /run (\S+) started/.exec(stderr)?.[1];
  assert.ok(id, `no run id in: ${stderr}`);
  return join(runsDir, id);
}

test('a script trades on the local sandbox; its orders are recorded and its secret is nowhere on disk', async () => {
  script('trader.mjs', tradingScript);
  const secretFile = join(work, 'secret.txt');
  const result = await run('trader.mjs', [], { SECRET_OUT: secretFile, ORDER_COUNT: '2' });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /statuses 201,201/);
  assert.match(result.stdout, /my secret is \*\*\*/);
  const secret = readFileSync(secretFile, 'utf8');
  assert.ok(secret.length > 8);
  assert.ok(!result.stdout.includes(secret) && !result.stderr.includes(secret));
  const dir = runFolder(result.stderr);
  const record = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as {
    status: string;
    env: string;
    orders: number;
    fills: number;
    exit: { code: number };
  };
  assert.equal(record.status, 'succeeded');
  assert.equal(record.env, 'local');
  assert.equal(record.exit.code, 0);
  assert.deepEqual([record.orders, record.fills], [2, 2]);
  // The orders as the account's stream told them, each as it last stood.
  const trading = await readRunTrading(dir);
  assert.deepEqual(
    trading.orders.map((order) => [order.symbol, order.status]),
    [
      ['EURUSD', 'filled'],
      ['EURUSD', 'filled'],
    ],
  );
  assert.equal(trading.fills.length, 2);
  assert.match(result.stderr, /order .* buy 1000 EURUSD market @ [\d.]+ {2}filled/);
  for (const file of readdirSync(dir)) {
    const text = readFileSync(join(dir, file), 'utf8');
    assert.ok(!text.includes(secret), `${file} holds the secret`);
  }
});

test('--events prints the run as JSON lines: its start, output, orders and fills, and its end', async () => {
  script('evented.mjs', tradingScript);
  const result = await run('evented.mjs', ['--events'], {
    SECRET_OUT: join(work, 'secret-events.txt'),
    ORDER_COUNT: '2',
  });
  assert.equal(result.code, 0, result.stderr);
  const events = result.stdout
    .trim()
    .split('\n')
    .map((line) => RunEvent.parse(JSON.parse(line)));
  const types = events.map((event) => event.type);
  assert.equal(types[0], 'started');
  assert.equal(types.at(-1), 'finished');
  assert.ok(types.includes('line') && types.includes('account'), types.join(' '));
  const orders = events.flatMap((event) => (event.type === 'order' ? [event] : []));
  assert.deepEqual(orders.filter((event) => event.change === 'accepted').length, 2, result.stdout);
  const fills = events.flatMap((event) => (event.type === 'fill' ? [event.fill] : []));
  assert.equal(fills.length, 2);
  // The script's calls as the runner saw them: a token, two orders; the key's window of 10,000.
  const use = events.flatMap((event) => (event.type === 'api' ? [event] : []));
  assert.equal(
    use.reduce((sum, event) => sum + event.requests, 0),
    3,
    JSON.stringify(use),
  );
  assert.equal(use.at(-1)?.rate_limit?.limit, 10_000);
  for (const fill of fills) assert.ok(orders.some((event) => event.order.id === fill.order_id));
  const finished = events.at(-1);
  assert.ok(finished?.type === 'finished');
  assert.deepEqual([finished.status, finished.orders, finished.fills], ['succeeded', 2, 2]);
  const secret = readFileSync(join(work, 'secret-events.txt'), 'utf8');
  assert.ok(!result.stdout.includes(secret), 'an event carried the secret');
  const printed = events.flatMap((event) => (event.type === 'line' ? [event.text] : []));
  assert.ok(printed.includes('my secret is ***'), printed.join('\n'));
});

test('a script flooding orders is told that the sandbox rate-limits it', async () => {
  script('flood.mjs', tradingScript);
  const result = await run(
    'flood.mjs',
    [],
    { SECRET_OUT: join(work, 'secret-flood.txt'), ORDER_COUNT: '10' },
    strict,
  );
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /429/);
  assert.match(result.stderr, /refused \d+ requests? with 429 rate_limited/);
});

test('a crashing script: exit code 1, its exit code and last stderr lines in plain words', async () => {
  script(
    'crash.mjs',
    `console.error('loading the model');\nconsole.error('out of cheese');\nprocess.exit(4);\n`,
  );
  const result = await run('crash.mjs');
  assert.equal(result.code, 1);
  assert.match(
    result.stderr,
    /the script exited with code 4; its last lines on stderr:\n\s+loading the model\n\s+out of cheese/,
  );
  const record = JSON.parse(readFileSync(join(runFolder(result.stderr), 'run.json'), 'utf8')) as {
    status: string;
    exit: { code: number };
  };
  assert.equal(record.status, 'failed');
  assert.equal(record.exit.code, 4);
  assert.doesNotMatch(result.stderr, /^error: /m, 'no traceback, no problem line');
});

test('a script that throws: the error on its own line, as a problem matcher reads it', async () => {
  const path = join(work, 'throws.mjs');
  script(
    'throws.mjs',
    `function onCandle() {\n  throw new RangeError('no candles yet');\n}\nonCandle();\n`,
  );
  const result = await run('throws.mjs');
  assert.equal(result.code, 1);
  assert.ok(
    result.stderr.split('\n').includes(`error: ${path}:2:9: RangeError: no candles yet`),
    result.stderr,
  );
  const events = await run('throws.mjs', ['--events']);
  const finished = RunEvent.parse(JSON.parse(events.stdout.trim().split('\n').at(-1) ?? '{}'));
  assert.ok(finished.type === 'finished');
  assert.deepEqual(finished.problem, {
    file: path,
    line: 2,
    column: 9,
    message: 'RangeError: no candles yet',
  });
});

test('a hanging script that never calls the API is reported, then stopped by Ctrl-C', async () => {
  script(
    'hang.mjs',
    `process.on('SIGINT', () => { console.log('stopping cleanly'); process.exit(0); });
     setInterval(() => {}, 1000);
     console.log('waiting forever');`,
  );
  const running = tbm([
    'run',
    join(work, 'hang.mjs'),
    '--data-dir',
    sandbox.dataDir,
    '--runs-dir',
    runsDir,
    '--no-request-warning',
    '1',
  ]);
  await waitFor('the no-request warning', () =>
    Promise.resolve(/made no API request in 1 s/.test(running.stderr()) ? true : undefined),
  );
  running.child.kill('SIGINT');
  const result = await running.finished;
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /stopping cleanly/);
  const record = JSON.parse(readFileSync(join(runFolder(result.stderr), 'run.json'), 'utf8')) as {
    status: string;
    warnings: string[];
    exit: { stopped_with: string };
  };
  assert.equal(record.status, 'stopped');
  assert.equal(record.exit.stopped_with, 'SIGINT');
  assert.match(record.warnings.join('\n'), /made no API request in 1 s/);
});

test('--env live refuses without --confirm-live; bad scripts and options are usage errors', async () => {
  script('any.mjs', 'console.log(1)\n');
  const live = await run('any.mjs', ['--env', 'live']);
  assert.equal(live.code, 2);
  assert.match(live.stderr, /real money.*--confirm-live/);
  const unsupported = await run('notes.txt');
  assert.equal(unsupported.code, 2);
  assert.match(unsupported.stderr, /\.py.*\.js.*\.ts/);
  const noCredentials = await tbm(['run', join(work, 'any.mjs'), '--env', 'sandbox'], {
    TIMBER_API_KEY_ID: '',
    TIMBER_API_SECRET: '',
  }).finished;
  assert.equal(noCredentials.code, 3);
  assert.match(noCredentials.stderr, /TIMBER_API_KEY_ID and TIMBER_API_SECRET/);
  const help = await tbm(['run', '--help']).finished;
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Exit codes:/);
});

test('tbm runs lists the runs newest first and shows one', async () => {
  script('quick.mjs', `console.log('quick run output');\n`);
  const first = await run('quick.mjs');
  const second = await run('quick.mjs');
  const [firstId, secondId] = [first, second].map((r) => runFolder(r.stderr).split(/[\\/]/).at(-1));
  const listing = await tbm(['runs', '--runs-dir', runsDir, '--json']).finished;
  assert.equal(listing.code, 0);
  const ids = (JSON.parse(listing.stdout) as { runs: { id: string }[] }).runs.map((r) => r.id);
  assert.ok(firstId !== undefined && secondId !== undefined);
  assert.ok(ids.includes(firstId) && ids.includes(secondId), ids.join(' '));
  assert.ok(ids.indexOf(secondId) < ids.indexOf(firstId), ids.join(' '));
  const shown = await tbm(['runs', 'show', secondId ?? '', '--runs-dir', runsDir]).finished;
  assert.equal(shown.code, 0);
  assert.match(shown.stdout, /status {6}succeeded, exit code 0/);
  assert.match(shown.stdout, /quick run output/);
  const missing = await tbm(['runs', 'show', 'no-such-run', '--runs-dir', runsDir]).finished;
  assert.equal(missing.code, 2);
});

test('without a running sandbox, tbm run starts one for the run', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cli-run-embedded-'));
  try {
    script('account.mjs', tradingScript);
    const result = await tbm(
      ['run', join(work, 'account.mjs'), '--data-dir', dataDir, '--runs-dir', runsDir],
      { SECRET_OUT: join(work, 'secret-embedded.txt'), ORDER_COUNT: '0' },
    ).finished;
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /started a local sandbox for this run/);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('both SMA twins start live on the local sandbox, reconcile the order left open before, and stop on Ctrl-C', async () => {
  // An order a previous run left open: each twin's start must find it.
  const key = await createKey(sandbox, 'trade');
  const token = await accessToken(sandbox.url, key);
  const resting = await api<{ id: string }>(sandbox.url, token, 'POST', '/orders', {
    symbol: 'EURUSD',
    action: 'buy',
    quantity: 1000,
    order_type: 'limit',
    limit_price: 0.5,
    time_in_force: 'gtc',
  });
  assert.equal(resting.status, 201);
  const twins = [
    { file: 'sma_crossover.py', started: /reconciled: 1 open order/ },
    { file: 'sma_crossover.ts', started: /1 open order\(s\) left by a previous run/ },
  ];
  for (const twin of twins) {
    const running = tbm([
      'run',
      join(root, 'examples', 'sma-crossover', twin.file),
      '--data-dir',
      sandbox.dataDir,
      '--runs-dir',
      runsDir,
    ]);
    let stdout = '';
    running.child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    await waitFor(`${twin.file} to reconcile`, () =>
      Promise.resolve(twin.started.test(stdout) ? true : undefined),
    );
    running.child.kill('SIGINT');
    const result = await running.finished;
    assert.equal(result.code, 0, result.stderr);
    const record = JSON.parse(readFileSync(join(runFolder(result.stderr), 'run.json'), 'utf8')) as {
      status: string;
      warnings: string[];
    };
    assert.equal(record.status, 'stopped');
    assert.deepEqual(record.warnings, []);
  }
  const still = await api<{ status: string }>(
    sandbox.url,
    token,
    'GET',
    `/orders/${resting.body.id}`,
  );
  assert.equal(still.body.status, 'open', 'a run must leave the orders it did not place alone');
});

test('on a Saturday (real clock), tbm run says once when the symbols of its strategy open', async () => {
  const weekend = await startSandboxProcess({ now: '2024-03-09T12:00:00Z' });
  const folder = join(work, 'weekend');
  mkdirSync(folder);
  writeFileSync(
    join(folder, 'strategy.json'),
    JSON.stringify({ name: 'weekend', symbols: ['EURUSD', 'GBPUSD', 'US500'] }),
  );
  writeFileSync(join(folder, 'idle.mjs'), `console.log('looking at the market');\n`);
  const result = await tbm([
    'run',
    join(folder, 'idle.mjs'),
    '--data-dir',
    weekend.dataDir,
    '--runs-dir',
    runsDir,
  ]).finished;
  assert.equal(result.code, 0, result.stderr);
  // The sandbox's market clock (--now) is not the wall clock: market time, and the wait.
  assert.match(
    result.stderr,
    /\[tbm\] warning: EURUSD and GBPUSD are closed until Sun 22:00 UTC market time, in 1 d 10 h \([^)]+ your time\); orders until then are refused/,
  );
  assert.match(result.stderr, /warning: US500 is closed until Sun 23:00 UTC market time/);
  assert.equal(result.stderr.match(/EURUSD and GBPUSD are closed/g)?.length, 1);
  const events = readFileSync(join(runFolder(result.stderr), 'events.ndjson'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => RunEvent.parse(JSON.parse(line)));
  const closed = events.flatMap((event) =>
    event.type === 'warning' && event.code === 'market_closed' ? [event.message] : [],
  );
  assert.equal(closed.length, 2, JSON.stringify(events));
});
