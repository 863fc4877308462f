// `tbm lint` as a process on fixture files: the text and JSON formats, exit codes, and files it
// skips with a note (binary, too large) instead of hanging on them.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { cliPath } from './harness';

const root = resolve(import.meta.dirname, '../..');
const fixtures = 'test/integration/fixtures/lint';
const work = mkdtempSync(join(tmpdir(), 'cli-lint-'));
const now = ['--now', '2024-03-06T12:00:00Z'];
after(() => rmSync(work, { recursive: true, force: true }));

function tbm(
  args: string[],
  cwd = root,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [cliPath, ...args], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  return new Promise((done) =>
    child.once('exit', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    }),
  );
}

test('text: one line per finding, file:line:col severity code message; exit 1 on errors', async () => {
  const { code, stdout, stderr } = await tbm(['lint', ...now, fixtures]);
  assert.equal(code, 1, stderr);
  assert.deepEqual(stdout.trim().split('\n'), [
    `${fixtures}/config/strategy.json:4:23 error params_order params.fast (200) must be below params.slow (50): the fast average is the shorter one`,
    `${fixtures}/orders.order.json:3:15 error unknown_symbol unknown symbol "EURUSX": did you mean EURUSD, EURISK?`,
    `${fixtures}/orders.order.json:13:19 error limit_price_required limit_price is required for a limit order: add a limit_price, or make it a market order (order_type "market")`,
  ]);
  assert.match(stderr, /3 errors, 0 warnings in \d+ files checked/);
});

test('json: an array of 1-based findings with their end', async () => {
  const { code, stdout } = await tbm([
    'lint',
    ...now,
    '--format',
    'json',
    `${fixtures}/orders.order.json`,
  ]);
  assert.equal(code, 1);
  const lines = JSON.parse(stdout) as Record<string, unknown>[];
  assert.deepEqual(lines[0], {
    file: `${fixtures}/orders.order.json`,
    line: 3,
    column: 15,
    endLine: 3,
    endColumn: 23,
    severity: 'error',
    code: 'unknown_symbol',
    message: 'unknown symbol "EURUSX": did you mean EURUSD, EURISK?',
  });
  assert.equal(lines.length, 2);
});

test('clean files exit 0 with nothing on stdout; warnings alone do not fail', async () => {
  const clean = await tbm(['lint', ...now, `${fixtures}/clean`]);
  assert.equal(clean.code, 0, clean.stdout + clean.stderr);
  assert.equal(clean.stdout, '');
  // The examples backtest up to 2024-03-23, after this market clock: warnings only.
  const examples = await tbm(['lint', ...now, 'examples']);
  assert.equal(examples.code, 0);
  assert.match(
    examples.stdout,
    /^examples\/sma-crossover\/strategy.json:14:\d+ warning backtest_range /m,
  );
  const json = await tbm(['lint', ...now, '--format', 'json', `${fixtures}/clean`]);
  assert.deepEqual(JSON.parse(json.stdout), []);
});

test('binary, oversized and special files are skipped with a note, never a hang', async () => {
  const folder = join(work, 'odd');
  mkdirSync(folder, { recursive: true });
  writeFileSync(
    join(folder, 'image.order.json'),
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 1]),
  );
  writeFileSync(join(folder, 'huge.order.json'), `[${'{"symbol":"EURUSD"},'.repeat(300_000)}{}]`);
  // Reading a named pipe would block until a writer comes: it must be skipped, not read.
  assert.equal(spawnSync('mkfifo', [join(folder, 'pipe.order.json')]).status, 0);
  const { code, stderr, stdout } = await tbm([
    'lint',
    ...now,
    folder,
    join(folder, 'pipe.order.json'),
  ]);
  assert.equal(code, 0, stderr);
  assert.equal(stdout, '');
  assert.match(stderr, /image\.order\.json: not checked: a binary file/);
  assert.match(stderr, /huge\.order\.json: not checked: \d+ bytes, over the 5000000-byte limit/);
  assert.match(stderr, /pipe\.order\.json: not checked: not a regular file/);
});

test('usage: a path that does not exist, a wrong format', async () => {
  const missing = await tbm(['lint', 'no/such/place']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /tbm lint: no\/such\/place does not exist/);
  const format = await tbm(['lint', '--format', 'xml', fixtures]);
  assert.equal(format.code, 2);
  assert.match(format.stderr, /--format must be text or json/);
});

test('orders inline in Python and TypeScript are checked where they are written; look-alikes are not', async () => {
  const folder = join(work, 'inline');
  mkdirSync(folder, { recursive: true });
  writeFileSync(
    join(folder, 'strategy.py'),
    [
      'import requests',
      '',
      'def on_candle(candle, ctx):',
      '    ctx.buy("EURUSD", 1000, stop_loss=2.5)',
      '    order = {"symbol": "EURUSD", "action": "buy", "quantity": 1000, "order_type": "limit", "time_in_force": "gtc"}',
      '    requests.post(BASE + "/orders", json=order)',
      '    headers = {"symbol": "EURUSD", "Accept": "application/json"}',
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(folder, 'strategy.ts'),
    [
      "await client.placeOrder({ symbol: 'EURUSX', action: 'buy', quantity: 1000, order_type: 'market', time_in_force: 'gtc' });",
      "const config = { symbol: 'EURUSD', interval: '1m' };",
      '',
    ].join('\n'),
  );
  const { code, stdout, stderr } = await tbm(['lint', ...now, '--format', 'json', folder]);
  assert.equal(code, 1, stderr);
  const findings = (
    JSON.parse(stdout) as { file: string; line: number; column: number; code: string }[]
  ).map((each) => [each.file.split(/[\\/]/).at(-1), each.line, each.column, each.code]);
  assert.deepEqual(findings, [
    ['strategy.py', 4, 39, 'invalid_protection'],
    ['strategy.py', 5, 83, 'limit_price_required'],
    ['strategy.ts', 1, 35, 'unknown_symbol'],
  ]);
});
