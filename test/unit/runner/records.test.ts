import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { listRuns, readRun, Redactor, RunRecorder, runFiles } from '../../../runner/records';

const dir = mkdtempSync(join(tmpdir(), 'runner-records-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const secret = 'sk_test_5c1f9e0d7a3b44e2';

test('the secret appears in no file of a run folder, even when the script prints it', () => {
  const script = join(dir, 'leaky.py');
  writeFileSync(script, `# a careless script\nSECRET = "${secret}"\nprint(SECRET)\n`);
  const config = join(dir, 'strategy.json');
  writeFileSync(config, JSON.stringify({ name: 'leaky', symbols: ['EURUSD'], note: secret }));
  const recorder = new RunRecorder({
    runsDir: join(dir, 'runs'),
    kind: 'run',
    script,
    config,
    env: 'local',
    baseUrl: 'http://127.0.0.1:1',
    secrets: [secret],
  });
  assert.equal(recorder.log('stdout', `the secret is ${secret}!`), 'the secret is ***!');
  recorder.warn(`a warning quoting ${secret}`);
  recorder.writeJson(runFiles.report, { echoed: secret });
  recorder.finish({ status: 'succeeded' });
  const files = readdirSync(recorder.dir);
  assert.deepEqual(files.sort(), [
    'config-strategy.json',
    'output.log',
    'report.json',
    'run.json',
    'script-leaky.py',
  ]);
  for (const file of files) {
    const text = readFileSync(join(recorder.dir, file), 'utf8');
    assert.ok(!text.includes(secret), `${file} contains the secret`);
  }
  assert.match(readFileSync(join(recorder.dir, 'output.log'), 'utf8'), /the secret is \*\*\*!/);
  assert.match(readFileSync(join(recorder.dir, 'script-leaky.py'), 'utf8'), /print\(SECRET\)/);
});

test('a longer secret that contains a shorter one is replaced whole', () => {
  const redactor = new Redactor(['abcd', 'abcdefgh', undefined]);
  assert.equal(redactor.redact('x abcdefgh y abcd'), 'x *** y ***');
});

test('runs are listed newest first and read back through the schema', () => {
  const runsDir = join(dir, 'listed');
  const script = join(dir, 'plain.js');
  writeFileSync(script, 'console.log(1)\n');
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) {
    const recorder = new RunRecorder({
      runsDir,
      kind: 'run',
      script,
      config: null,
      env: 'local',
      baseUrl: null,
      secrets: [],
    });
    recorder.finish({ status: 'succeeded', started_at: 1_000 + i });
    ids.push(recorder.id);
  }
  writeFileSync(join(runsDir, 'not-a-folder.txt'), 'x');
  rmSync(join(runsDir, ids[1], runFiles.record));
  const { runs, unreadable } = listRuns(runsDir);
  assert.deepEqual(
    runs.map((run) => run.id),
    [ids[2], ids[0]],
  );
  assert.deepEqual(
    unreadable.map((entry) => entry.id),
    [ids[1]],
  );
  const one = readRun(runsDir, ids[0]);
  assert.ok('record' in one && one.record.status === 'succeeded');
  assert.ok('problem' in readRun(runsDir, '../etc'));
  assert.deepEqual(listRuns(join(dir, 'nothing-here')), { runs: [], unreadable: [] });
});

test('a run folder and every file in it are the owner’s alone', () => {
  if (process.platform === 'win32') return;
  const script = join(dir, 'plain.py');
  writeFileSync(script, 'print("hello")\n', { mode: 0o644 });
  const recorder = new RunRecorder({
    runsDir: join(dir, 'private-runs'),
    kind: 'run',
    script,
    config: null,
    env: 'local',
    baseUrl: 'http://127.0.0.1:1',
    secrets: [],
  });
  recorder.log('stdout', 'hello');
  recorder.finish({ status: 'succeeded' });
  assert.equal(statSync(recorder.dir).mode & 0o777, 0o700);
  for (const file of readdirSync(recorder.dir)) {
    assert.equal(statSync(join(recorder.dir, file)).mode & 0o777, 0o600, file);
  }
});
