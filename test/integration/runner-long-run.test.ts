import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { RunEvent } from '../../api/run-events';
import { localConnection } from '../../runner/connections';
import { attachLocalSandbox } from '../../runner/local-sandbox';
import { studioRoot } from '../../runner/project';
import { readRunTrading } from '../../runner/run-folder';
import { runScript } from '../../runner/run-script';
import type { SandboxProcess } from './harness';
import { startSandboxProcess, stopAllSandboxes } from './harness';

// A run outlives its tokens: the sandbox issues access tokens for 2 s, the script trades for
// about 12 s. The runner must still see every order and fill, on its stream and from the API.

const work = mkdtempSync(join(tmpdir(), 'runner-long-run-'));
let sandbox: SandboxProcess;

before(async () => {
  sandbox = await startSandboxProcess({ args: ['--token-lifetime', '2'] });
});
after(async () => {
  await stopAllSandboxes();
  rmSync(work, { recursive: true, force: true });
});

/** One market order a second, each with a token fetched for it (the script's own tokens expire too). */
const slowTrader = `
const base = process.env.TIMBER_BASE_URL;
for (let i = 0; i < 12; i++) {
  const token = await (await fetch(base + '/oauth/token', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ grant_type: 'client_credentials', client_id: process.env.TIMBER_API_KEY_ID, client_secret: process.env.TIMBER_API_SECRET }),
  })).json();
  const answer = await fetch(base + '/orders', {
    method: 'POST',
    headers: { Authorization: 'Bearer ' + token.access_token, 'Content-Type': 'application/json' },
    body: JSON.stringify({ symbol: 'EURUSD', action: i % 2 ? 'sell' : 'buy', quantity: 1000, order_type: 'market', time_in_force: 'gtc' }),
  });
  console.log('order ' + i + ' ' + answer.status);
  await new Promise((done) => setTimeout(done, 1000));
}
`;

/** About 12 s of trading: a run that hangs fails the test, not the CI job. */
const hangLimit = { timeout: 300_000 };

test('a run longer than its tokens records every order and fill', hangLimit, async () => {
  const script = join(work, 'slow-trader.mjs');
  writeFileSync(script, slowTrader);
  const local = await attachLocalSandbox(sandbox.dataDir);
  assert.ok(local, 'the sandbox process is not attachable');
  const events: RunEvent[] = [];
  const outcome = await runScript({
    script,
    config: null,
    runsDir: join(work, 'runs'),
    cwd: work,
    root: studioRoot(import.meta.dirname),
    connection: await localConnection(local),
    onEvent: (event) => events.push(event),
  });
  const lines = events.flatMap((event) => (event.type === 'line' ? [event.text] : []));
  assert.equal(outcome.record.status, 'succeeded', lines.join('\n'));
  assert.equal(lines.filter((line) => / 201$/.test(line)).length, 12, lines.join('\n'));
  // From the stream, across its reconnects at each token's expiry: all twelve, none twice.
  assert.deepEqual([outcome.record.orders, outcome.record.fills], [12, 12]);
  const fills = events.flatMap((event) => (event.type === 'fill' ? [event.fill.id] : []));
  assert.equal(new Set(fills).size, 12);
  // From the API at the end, with a token renewed long after the first expired.
  assert.deepEqual(outcome.record.warnings, []);
  assert.equal(outcome.record.statistics?.fees !== undefined, true);
  assert.ok((outcome.record.pnl?.fees ?? 0) > 0, JSON.stringify(outcome.record.pnl));
  const trading = await readRunTrading(outcome.dir);
  assert.equal(trading.orders.length, 12);
  assert.ok(trading.orders.every((order) => order.status === 'filled'));
});
