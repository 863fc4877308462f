import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { UnsafeDataDirError } from '../../../sandbox/service/data-dir-check';
import { readRuntimeInfo } from '../../../sandbox/service/runtime-info';

function dataDirWith(t: TestContext, content: string | null): string {
  const dir = fs.mkdtempSync(join(tmpdir(), 'tbm-runtime-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  if (content !== null) fs.writeFileSync(join(dir, 'sandbox.json'), content, { mode: 0o600 });
  return dir;
}

const info = (url: string) => JSON.stringify({ url, pid: 1234, started_at: 1_700_000_000_000 });

void test('the runtime file is trusted only for a loopback URL', (t) => {
  const read = (content: string | null) => readRuntimeInfo(dataDirWith(t, content))?.url ?? null;
  assert.equal(read(info('http://127.0.0.1:8080')), 'http://127.0.0.1:8080');
  assert.equal(read(info('http://localhost:9')), 'http://localhost:9');
  assert.equal(read(info('http://[::1]:8080')), 'http://[::1]:8080');
  assert.equal(read(info('http://0.0.0.0:8080')), 'http://127.0.0.1:8080', 'every interface');
  assert.equal(read(info('http://evil.example:8080')), null, 'where the admin token must not go');
  assert.equal(read(info('http://10.0.0.5:8080')), null);
  assert.equal(read(info('http://user:pw@127.0.0.1:8080')), null);
  assert.equal(read(info('https://127.0.0.1:8080')), null);
  assert.equal(read('{"url": 5}'), null);
  assert.equal(read('not json'), null);
  assert.equal(read(null), null);
});

void test('a runtime file in a folder others can write is refused in words', (t) => {
  if (process.platform === 'win32') return;
  const dir = dataDirWith(t, info('http://127.0.0.1:8080'));
  fs.chmodSync(dir, 0o777);
  assert.throws(() => readRuntimeInfo(dir), UnsafeDataDirError);
  assert.throws(() => readRuntimeInfo(dir), /chmod 700/);
});
