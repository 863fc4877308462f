import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  environmentVariables,
  readScriptEnvironment,
  scriptEnvironmentVariables,
} from '../../api/script-environment';
import type { ScriptEnvironment } from '../../api/script-environment';
import { repoRoot, sdkPythonDir } from './sdk-python-process';

// The TIMBER_* environment is one contract (api/script-environment.ts); the Python SDK reads it
// with its own code. Both are fed the same environments, and must accept the same ones, read the
// same values, and name the same variable when they refuse one.

const names = environmentVariables;
/** Unset, or one of the values; `usual` (a valid value) half the time, so that many pass. */
const maybe = <T>(usual: T, ...others: T[]) =>
  fc.oneof(
    { weight: 1, arbitrary: fc.constantFrom<T | undefined>(undefined, ...others) },
    { weight: 1, arbitrary: fc.constant<T | undefined>(usual) },
  );

const environments = fc.record(
  {
    [names.env]: maybe('local', '', 'sandbox', 'live', 'backtest', 'prod'),
    [names.baseUrl]: maybe(
      'http://127.0.0.1:8080',
      '',
      'https://sandbox.example.org/',
      'http://127.0.0.1:9/sessions/ses_1//',
      'HTTPS://Upper.Example:443/api',
      'http://h.example/a/?q=1#frag',
      'http://',
      'http:///x',
      'ftp://files.example',
      'localhost:8080',
    ),
    [names.streamUrl]: maybe('ws://127.0.0.1:8080/stream', '', 'wss://x.example/s', 'http://x'),
    [names.keyId]: maybe('key_1', ''),
    [names.secret]: maybe('sk_live_secret', ''),
    [names.configPath]: maybe('/work/strategy.json', ''),
    [names.runId]: maybe('20241207-run-1', ''),
  },
  { requiredKeys: [] },
);

/** What the Python SDK makes of each environment, in one process. */
function readByPython(cases: Record<string, string | undefined>[]): unknown[] {
  const program = `
import json, sys
import timber
out = []
for case in json.load(sys.stdin):
    try:
        e = timber.Environment.from_env(case)
        out.append({"ok": True, "base_url": e.base_url, "stream_url": e.stream_url, "env": e.env,
                    "key_id": e.key_id, "secret": e.secret, "config_path": e.config_path,
                    "run_id": e.run_id})
    except timber.ConfigError as error:
        out.append({"ok": False, "problem": str(error)})
print(json.dumps(out))
`;
  const clean = cases.map((c) =>
    Object.fromEntries(Object.entries(c).filter((entry) => entry[1] !== undefined)),
  );
  const result = spawnSync('python3', ['-c', program], {
    cwd: repoRoot,
    env: { ...process.env, PYTHONPATH: sdkPythonDir },
    input: JSON.stringify(clean),
    encoding: 'utf8',
  });
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout) as unknown[];
}

/** What the contract makes of it, shaped as the Python side answers (a connection required). */
function readByContract(variables: Record<string, string | undefined>): unknown {
  const reading = readScriptEnvironment(variables);
  if (!reading.ok) return { ok: false, problem: reading.problem };
  const { environment } = reading;
  const connection = environment.connection;
  if (connection === null)
    return { ok: false, problem: `${names.baseUrl}, ${names.keyId}, ${names.secret} are not set` };
  return {
    ok: true,
    base_url: connection.baseUrl,
    stream_url: connection.streamUrl,
    env: environment.env,
    key_id: connection.keyId,
    secret: connection.secret,
    config_path: environment.configPath,
    run_id: environment.runId,
  };
}

/** The variables a refusal names: both sides must point the user at the same ones. */
function named(answer: unknown): unknown {
  const value = answer as { ok: boolean; problem?: string };
  if (value.ok) return answer;
  return { ok: false, names: [...new Set(value.problem?.match(/TIMBER_[A-Z_]+/g) ?? [])].sort() };
}

test('the Python SDK reads the TIMBER_* environment exactly as the contract does', () => {
  const cases = fc.sample(environments, { numRuns: 400, seed: 20261207 });
  const python = readByPython(cases);
  assert.equal(python.length, cases.length);
  let accepted = 0;
  cases.forEach((variables, index) => {
    const contract = readByContract(variables);
    if ((contract as { ok: boolean }).ok) accepted++;
    assert.deepEqual(named(python[index]), named(contract), JSON.stringify(variables));
  });
  // The sample must exercise both sides of the rules, not only refusals.
  assert.ok(accepted > 20 && accepted < cases.length - 20, `${accepted} of ${cases.length}`);
});

test('what the runner builds, both SDKs read back unchanged', () => {
  const spec: ScriptEnvironment = {
    env: 'sandbox',
    runId: 'run-7',
    configPath: '/w/strategy.json',
    connection: {
      baseUrl: 'https://sandbox.example.org',
      streamUrl: 'wss://sandbox.example.org/stream',
      keyId: 'key_7',
      secret: 'sk_7',
    },
    inProcess: null,
  };
  const variables = scriptEnvironmentVariables(spec);
  const reading = readScriptEnvironment(variables);
  assert.deepEqual(reading, { ok: true, environment: spec });
  assert.deepEqual(readByPython([variables]), [readByContract(variables)]);
  const backtest = scriptEnvironmentVariables({
    env: 'backtest',
    runId: null,
    configPath: null,
    connection: null,
    inProcess: {
      range: { symbols: ['EURUSD'], interval: '1m', from: 1, to: 2, balance: 5 },
      resultFile: '/tmp/result.json',
    },
  });
  const back = readScriptEnvironment(backtest);
  assert.ok(back.ok);
  assert.deepEqual(back.environment.inProcess?.range.symbols, ['EURUSD']);
  const broken = readScriptEnvironment({ ...backtest, [names.backtest]: '{"symbols":[]}' });
  assert.ok(!broken.ok && broken.problem.startsWith(`${names.backtest}: symbols`));
});
