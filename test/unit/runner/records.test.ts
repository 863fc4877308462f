import assert from 'node:assert/strict';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { Order } from '../../../api/orders';
import { RunEvent } from '../../../api/run-events';
import type { NewRun } from '../../../runner/records';
import { Redactor, RunRecorder, runFiles } from '../../../runner/records';
import { RunEvents } from '../../../runner/run-events';
import { listRuns, readRun, readRunTrading } from '../../../runner/run-folder';

const dir = mkdtempSync(join(tmpdir(), 'runner-records-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const secret = 'sk_test_5c1f9e0d7a3b44e2';

function newRun(name: string, overrides: Partial<NewRun> = {}): NewRun {
  const script = join(dir, name);
  writeFileSync(script, 'print("hello")\n', { mode: 0o644 });
  return {
    runsDir: join(dir, 'runs'),
    kind: 'run',
    script,
    config: null,
    env: 'local',
    baseUrl: 'http://127.0.0.1:1',
    secrets: [],
    ...overrides,
  };
}

function order(id: string, status: Order['status'], filled = 0): Order {
  const made: Order = {
    id,
    client_order_id: `client-${id}`,
    symbol: 'EURUSD',
    action: 'buy',
    quantity: 1000,
    filled_quantity: filled,
    order_type: 'market',
    limit_price: null,
    stop_loss: null,
    take_profit: null,
    time_in_force: 'gtc',
    status,
    avg_fill_price: filled > 0 ? 1.1 : null,
    fills: [],
    created_at: 1_700_000_000_000,
    updated_at: 1_700_000_000_000,
    parent_order_id: null,
    trigger: null,
  };
  return made;
}

test('the secret appears in no file of a run folder, even when the script prints it', async () => {
  const base = newRun('leaky.py');
  const script = base.script;
  writeFileSync(script, `# a careless script\nSECRET = "${secret}"\nprint(SECRET)\n`);
  const config = join(dir, 'strategy.json');
  writeFileSync(config, JSON.stringify({ name: 'leaky', symbols: ['EURUSD'], note: secret }));
  const recorder = await RunRecorder.create({
    ...base,
    config,
    secrets: [secret],
  });
  const seen: RunEvent[] = [];
  const events = new RunEvents(recorder, (event) => seen.push(event));
  assert.equal(events.line('stdout', `the secret is ${secret}!`), 'the secret is ***!');
  events.warning(`a warning quoting ${secret}`);
  events.order('accepted', { ...order('ord_1', 'open'), client_order_id: secret });
  await recorder.writeJson(runFiles.report, { echoed: secret });
  await recorder.finish({ status: 'succeeded' });
  const files = readdirSync(recorder.dir);
  assert.deepEqual(files.sort(), [
    'config-strategy.json',
    'events.ndjson',
    'output.log',
    'report.json',
    'run.json',
    'script-leaky.py',
  ]);
  for (const file of files) {
    const text = readFileSync(join(recorder.dir, file), 'utf8');
    assert.ok(!text.includes(secret), `${file} contains the secret`);
  }
  // Whoever watches the run (the extension's views) never gets it either.
  assert.ok(!JSON.stringify(seen).includes(secret), 'an event carried the secret');
  assert.match(readFileSync(join(recorder.dir, 'output.log'), 'utf8'), /the secret is \*\*\*!/);
  assert.match(readFileSync(join(recorder.dir, 'script-leaky.py'), 'utf8'), /print\(SECRET\)/);
});

test('a longer secret that contains a shorter one is replaced whole', () => {
  const redactor = new Redactor(['abcd', 'abcdefgh', undefined]);
  assert.equal(redactor.redact('x abcdefgh y abcd'), 'x *** y ***');
});

test('runs are listed newest first and read back through the schema', async () => {
  const runsDir = join(dir, 'listed');
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) {
    const recorder = await RunRecorder.create(newRun('plain.js', { runsDir }));
    await recorder.finish({ status: 'succeeded', started_at: 1_000 + i });
    ids.push(recorder.id);
  }
  writeFileSync(join(runsDir, 'not-a-folder.txt'), 'x');
  rmSync(join(runsDir, ids[1], runFiles.record));
  const { runs, unreadable } = await listRuns(runsDir);
  assert.deepEqual(
    runs.map((run) => run.id),
    [ids[2], ids[0]],
  );
  assert.deepEqual(
    unreadable.map((entry) => entry.id),
    [ids[1]],
  );
  const one = await readRun(runsDir, ids[0]);
  assert.ok('record' in one && one.record.status === 'succeeded');
  assert.ok('problem' in (await readRun(runsDir, '../etc')));
  assert.deepEqual(await listRuns(join(dir, 'nothing-here')), { runs: [], unreadable: [] });
});

test('a run folder and every file in it are the owner’s alone', async () => {
  if (process.platform === 'win32') return;
  const recorder = await RunRecorder.create(
    newRun('private.py', { runsDir: join(dir, 'private') }),
  );
  recorder.log('stdout', 'hello');
  await recorder.finish({ status: 'succeeded' });
  assert.equal(statSync(recorder.dir).mode & 0o777, 0o700);
  for (const file of readdirSync(recorder.dir)) {
    assert.equal(statSync(join(recorder.dir, file)).mode & 0o777, 0o600, file);
  }
});

test('run.json is rewritten once per delay, not once per change', async () => {
  const recorder = await RunRecorder.create({ ...newRun('quiet.py'), saveDelayMs: 60_000 });
  const path = join(recorder.dir, runFiles.record);
  for (let i = 0; i < 1_000; i++) recorder.update({ account_id: `acc_${i}` });
  // Not written yet: the delay has not passed.
  assert.equal(
    (JSON.parse(readFileSync(path, 'utf8')) as { account_id: string | null }).account_id,
    null,
  );
  const record = await recorder.finish({ status: 'succeeded' });
  assert.equal(record.account_id, 'acc_999');
  assert.equal(
    (JSON.parse(readFileSync(path, 'utf8')) as { account_id: string | null }).account_id,
    'acc_999',
  );
});

test('events are appended as JSON lines, each a valid run event, and read back as orders and fills', async () => {
  const recorder = await RunRecorder.create(newRun('events.py'));
  const events = new RunEvents(recorder, undefined);
  events.order('accepted', order('ord_a', 'open'));
  events.order('accepted', order('ord_b', 'open'));
  events.order('fill', order('ord_a', 'filled', 1000));
  events.fill({
    id: 'fil_1',
    order_id: 'ord_a',
    symbol: 'EURUSD',
    action: 'buy',
    price: 1.1,
    quantity: 1000,
    fee: 0.05,
    realized_pnl: null,
    t: 1_700_000_000_000,
  });
  events.account({
    account_id: 'acc',
    currency: 'USD',
    balance: 1,
    equity: 1,
    margin_used: 0,
    margin_available: 1,
    unrealized_pnl: 0,
    realized_pnl: 0,
    positions: [],
  });
  events.flushAccount();
  await recorder.finish({ status: 'succeeded', orders: events.orders, fills: events.fills });
  const lines = readFileSync(join(recorder.dir, runFiles.events), 'utf8').trim().split('\n');
  assert.deepEqual(
    lines.map((line) => RunEvent.parse(JSON.parse(line)).type),
    ['order', 'order', 'order', 'fill', 'account'],
  );
  assert.equal(events.orders, 2);
  const trading = await readRunTrading(recorder.dir);
  assert.deepEqual(
    trading.orders.map((o) => [o.id, o.status]),
    [
      ['ord_a', 'filled'],
      ['ord_b', 'open'],
    ],
  );
  assert.equal(trading.fills.length, 1);
  // A torn last line (the runner killed mid-write) is skipped, not fatal.
  writeFileSync(join(recorder.dir, runFiles.events), lines.join('\n') + '\n{"type":"ord', {
    flag: 'w',
  });
  assert.equal((await readRunTrading(recorder.dir)).skipped, 1);
});

test('a record from before events.ndjson reads with its orders and fills counted and listed', async () => {
  const runDir = join(dir, 'legacy', '20240101-000000-old-abcd');
  mkdirSync(runDir, { recursive: true });
  const legacy = {
    id: '20240101-000000-old-abcd',
    kind: 'run',
    script: '/x/old.py',
    script_copy: 'script-old.py',
    config: null,
    config_copy: null,
    env: 'local',
    base_url: null,
    account_id: 'acc',
    started_at: 1,
    ended_at: 2,
    api_window: null,
    status: 'succeeded',
    exit: { code: 0, signal: null, stopped_with: null },
    backtest: null,
    orders: [order('ord_old', 'filled', 1000)],
    fills: [],
    pnl: null,
    statistics: null,
    warnings: [],
  };
  writeFileSync(join(runDir, runFiles.record), JSON.stringify(legacy));
  const read = await readRun(join(dir, 'legacy'), legacy.id);
  assert.ok('record' in read, JSON.stringify(read));
  assert.equal(read.record.orders, 1);
  assert.deepEqual(
    (await readRunTrading(runDir)).orders.map((o) => o.id),
    ['ord_old'],
  );
});
