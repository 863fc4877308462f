// Runs the Python SDK's own unittest suite (sdk/python/tests) so `npm test` covers it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { repoRoot } from './sdk-python-process';

test('the Python SDK unit tests pass (python3 -m unittest discover sdk/python/tests)', () => {
  const result = spawnSync('python3', ['-m', 'unittest', 'discover', '-s', 'sdk/python/tests'], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(result.error, undefined, `python3 could not run: ${String(result.error)}`);
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stderr, /Ran \d+ tests/);
  assert.match(result.stderr, /\nOK/);
});
