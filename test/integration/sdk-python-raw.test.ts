// A script with no SDK at all (plain urllib and a hand-made WebSocket) works on the sandbox
// with nothing but the TIMBER_* environment: token, candles, an order and its stream event.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { Account } from '../../api/account';
import { stopAllSandboxes, tradingSandbox } from './harness';
import { pythonScripts, repoRoot, runPython, stopAllPython, timberEnv } from './sdk-python-process';

after(async () => {
  await stopAllPython();
  await stopAllSandboxes();
});

test('examples/raw/raw_urllib.py trades with plain urllib and reads its order event', async () => {
  const { sandbox, key, call } = await tradingSandbox();
  const run = runPython(join(repoRoot, 'examples/raw/raw_urllib.py'), timberEnv(sandbox.url, key));
  const outcome = await run.exited;
  assert.equal(outcome.code, 0, run.stderr());
  assert.match(run.lines[0] ?? '', /^last close \d+\.\d+ over 5 candles$/);
  const orderLine = run.lines.find((line) => line.startsWith('order '));
  const orderId = orderLine?.split(' ')[1];
  assert.match(orderLine ?? '', /^order \S+ filled$/);
  assert.ok(run.lines.includes(`stream: order ${orderId} accepted`), run.lines.join('\n'));
  assert.match(run.lines.at(-1) ?? '', /^equity \d+\.\d\d USD$/);
  const account = (await call<Account>('GET', '/account')).body;
  assert.equal(account.positions.find((p) => p.symbol === 'EURUSD')?.quantity, 1000);
});

test("the Python SDK's client lists every instrument with its steps", async () => {
  const { sandbox, key } = await tradingSandbox();
  const run = runPython(join(pythonScripts, 'list_instruments.py'), timberEnv(sandbox.url, key));
  const outcome = await run.exited;
  assert.equal(outcome.code, 0, run.stderr());
  const [count, kinds] =
    /^(\d+) instruments of kinds (.*)$/.exec(run.lines[0] ?? '')?.slice(1) ?? [];
  assert.ok(Number(count) >= 500, run.lines.join('\n'));
  assert.equal(kinds, 'commodity forex index');
  assert.match(run.lines[1] ?? '', /^EURUSD step [\d.]+ tick [\d.e-]+$/);
});
