import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { problemLine, scriptProblem } from '../../../runner/script-problem';

// Tracebacks as the real interpreters print them, not as a test imagines them.
const dir = mkdtempSync(join(tmpdir(), 'script-problem-'));
const own = join(dir, 'strategy');
const write = (name: string, text: string) => {
  const path = join(name.startsWith('/') ? '' : own, name);
  spawnSync('mkdir', ['-p', own]);
  writeFileSync(path, text);
  return path;
};
const stderrOf = (command: string, script: string) =>
  spawnSync(command, [script], { cwd: own, encoding: 'utf8' }).stderr.split('\n').slice(-20);

test("Python: the message, on the deepest frame of the strategy's own files", () => {
  const script = write(
    'crash.py',
    'import json\n\ndef on_candle(c):\n    json.loads(c)\n\non_candle("{")\n',
  );
  const problem = scriptProblem(stderrOf('python3', script), own);
  assert.deepEqual(problem, {
    file: script,
    line: 4,
    column: null,
    message:
      'json.decoder.JSONDecodeError: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)',
  });
  assert.equal(
    problemLine(problem),
    `error: ${script}:4: json.decoder.JSONDecodeError: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)`,
  );
  const named = write('named.py', 'def f(c):\n    return undefined_name + c\n\nf(1)\n');
  assert.deepEqual(scriptProblem(stderrOf('python3', named), own), {
    file: named,
    line: 2,
    column: null,
    message: "NameError: name 'undefined_name' is not defined",
  });
});

test('Node: the message, on the first frame in the strategy folder, with its column', () => {
  const script = write(
    'crash.mjs',
    "function onCandle() {\n  throw new TypeError('quantity must be a number');\n}\nonCandle();\n",
  );
  assert.deepEqual(scriptProblem(stderrOf(process.execPath, script), own), {
    file: script,
    line: 2,
    column: 9,
    message: 'TypeError: quantity must be a number',
  });
});

test('a failure from outside the folder points at the nearest frame there is; no traceback, no problem', () => {
  const outside = write(
    join(dir, 'lib.mjs'),
    "export function place() {\n  throw new Error('refused');\n}\n",
  );
  const script = write('uses-lib.mjs', `import { place } from '${outside}';\nplace();\n`);
  assert.deepEqual(scriptProblem(stderrOf(process.execPath, script), own), {
    file: script,
    line: 2,
    column: 1,
    message: 'Error: refused',
  });
  assert.equal(scriptProblem(['exiting with code 3', 'goodbye'], own), null);
  assert.equal(scriptProblem([], own), null);
  assert.equal(
    scriptProblem(['  File "x.py", line 3, in f', '    f()'], own),
    null,
    'a traceback cut before its exception',
  );
});
