import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CreatedKey } from '../../api/admin';
import { routes } from '../../api/routes';
import type { SandboxProcess } from './harness';
import {
  accessToken,
  api,
  cliPath,
  createKey,
  startSandboxProcess,
  stopAllSandboxes,
} from './harness';

after(() => stopAllSandboxes());

/** Runs `tbm` and collects its output. */
async function tbm(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, [cliPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const code = await new Promise<number | null>((done) => child.once('exit', done));
  return { code, out, err };
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(path) : [path];
  });
}

/** How many times `text` occurs in the bytes of every file under `dir`. */
function occurrencesIn(dir: string, text: string): number {
  const needle = Buffer.from(text);
  let count = 0;
  for (const file of filesUnder(dir)) {
    const bytes = readFileSync(file);
    for (let at = bytes.indexOf(needle); at !== -1; at = bytes.indexOf(needle, at + 1)) count++;
  }
  return count;
}

const occurrences = (haystack: string, needle: string) => haystack.split(needle).length - 1;

describe('local administration', () => {
  let sandbox: SandboxProcess;
  before(async () => {
    sandbox = await startSandboxProcess();
  });

  test('POST /admin/keys needs the admin token from the data folder', async () => {
    const trade = await createKey(sandbox, 'trade');
    const bearer = await accessToken(sandbox.url, trade);
    const adminToken = readFileSync(join(sandbox.dataDir, 'admin-token'), 'utf8').trim();
    const body = { scope: 'read' };
    for (const [label, token] of [
      ['no token', null],
      ['an API access token', bearer],
      ['a wrong admin token', adminToken.replace(/^./, (c) => (c === 'a' ? 'b' : 'a'))],
      ['the key secret', trade.secret],
    ] as const) {
      const answer = await api<{ error: { code: string } }>(
        sandbox.url,
        token,
        'POST',
        '/admin/keys',
        body,
      );
      assert.equal(answer.status, 401, label);
      assert.equal(answer.body.error.code, 'unauthorized', label);
    }
    const created = await api(sandbox.url, adminToken, 'POST', '/admin/keys', body);
    assert.equal(created.status, 201);
    const key = CreatedKey.parse(created.body);
    assert.equal(key.scope, 'read');
    assert.equal(created.headers.get('cache-control'), 'no-store');
    assert.equal((await api(sandbox.url, adminToken, 'GET', '/account')).status, 401);
    const unknownAccount = await api(sandbox.url, adminToken, 'POST', '/admin/keys', {
      scope: 'read',
      account: 'acc_nobody',
    });
    assert.equal(unknownAccount.status, 404);
    const badScope = await api(sandbox.url, adminToken, 'POST', '/admin/keys', { scope: 'all' });
    assert.equal(badScope.status, 400);
  });

  test('the secret files in the data folder are the owner’s only (0600)', () => {
    for (const name of ['admin-token', 'token-signing-key']) {
      const mode = statSync(join(sandbox.dataDir, name)).mode & 0o777;
      assert.equal(mode.toString(8), '600', name);
    }
  });

  test('a secret is never stored in clear, nor logged, even after a restart', async () => {
    const keys = await Promise.all([
      createKey(sandbox, 'trade'),
      createKey(sandbox, 'read', 'new'),
    ]);
    const restarted = await (async () => {
      assert.equal(await sandbox.stop('SIGTERM'), 0);
      return startSandboxProcess({ dataDir: sandbox.dataDir });
    })();
    for (const key of keys) {
      // The key is in the data folder (so the search can find what is there)...
      assert.ok(occurrencesIn(restarted.dataDir, key.key_id) > 0, 'the key id is stored');
      // ...but its secret is not, in any file.
      assert.equal(occurrencesIn(restarted.dataDir, key.secret), 0, 'the secret is stored');
      assert.equal(occurrencesIn(restarted.dataDir, key.secret.slice(4)), 0);
      assert.equal(occurrences(sandbox.stderr() + restarted.stderr(), key.secret), 0);
      // And it still works.
      assert.ok((await accessToken(restarted.url, key)).length > 0);
    }
    sandbox = restarted;
  });

  test('tbm keys create prints the key once: one JSON line with --json', async () => {
    const json = await tbm([
      'keys',
      'create',
      '--scope',
      'trade',
      '--data-dir',
      sandbox.dataDir,
      '--json',
    ]);
    assert.equal(json.code, 0, json.err);
    const lines = json.out.split('\n').filter((line) => line.length > 0);
    assert.equal(lines.length, 1, json.out);
    const key = CreatedKey.strict().parse(JSON.parse(lines[0]));
    assert.equal(key.scope, 'trade');
    assert.equal(key.account_id, 'acc_default');
    assert.equal(occurrences(json.out, key.secret), 1);
    assert.equal(occurrences(json.err, key.secret), 0);
    assert.ok((await accessToken(sandbox.url, key)).length > 0);

    const human = await tbm([
      'keys',
      'create',
      '--scope',
      'read',
      '--account',
      'new',
      '--data-dir',
      sandbox.dataDir,
    ]);
    assert.equal(human.code, 0, human.err);
    const secret = /secret\s+(\S+)/.exec(human.out)?.[1] ?? '';
    assert.match(secret, /^tbs_/);
    assert.equal(occurrences(human.out + human.err, secret), 1);
    assert.match(human.err, /only now/);
    assert.equal(occurrences(sandbox.stderr(), secret), 0);
  });

  test('tbm keys create without a running sandbox fails and says why', async () => {
    const stopped = await startSandboxProcess();
    await stopped.stop('SIGTERM');
    const result = await tbm(['keys', 'create', '--scope', 'read', '--data-dir', stopped.dataDir]);
    rmSync(stopped.dataDir, { recursive: true, force: true });
    assert.notEqual(result.code, 0);
    assert.equal(result.out, '');
    assert.match(result.err, /no sandbox is running|cannot reach/);
    const badScope = await tbm([
      'keys',
      'create',
      '--scope',
      'admin',
      '--data-dir',
      sandbox.dataDir,
    ]);
    assert.notEqual(badScope.code, 0);
    assert.match(badScope.err, /--scope/);
  });
});

test('GET /openapi.json is OpenAPI 3.1, lists every route, and every $ref resolves', async () => {
  const sandbox = await startSandboxProcess();
  const answer = await api<Record<string, unknown>>(sandbox.url, null, 'GET', '/openapi.json');
  assert.equal(answer.status, 200);
  const document = answer.body;
  assert.match(String(document.openapi), /^3\.1\.\d+$/);
  const paths = document.paths as Record<string, Record<string, { operationId?: string }>>;
  for (const [operationId, spec] of Object.entries(routes)) {
    const operation = paths[spec.path]?.[spec.method.toLowerCase()];
    assert.ok(operation, `${spec.method} ${spec.path} is missing`);
    assert.equal(operation.operationId, operationId);
  }
  const documented = Object.entries(paths).flatMap(([path, methods]) =>
    Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
  );
  assert.equal(documented.length, Object.keys(routes).length, 'no path beyond the route table');

  const refs: string[] = [];
  const collect = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(collect);
    else if (node !== null && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if (key === '$ref' && typeof value === 'string') refs.push(value);
        else collect(value);
      }
    }
  };
  collect(document);
  assert.ok(refs.length > 20, `${refs.length} refs`);
  for (const ref of new Set(refs)) {
    assert.match(ref, /^#\//, `${ref} points outside the document`);
    let target: unknown = document;
    for (const raw of ref.slice(2).split('/')) {
      const part = decodeURIComponent(raw).replaceAll('~1', '/').replaceAll('~0', '~');
      target = (target as Record<string, unknown> | undefined)?.[part];
    }
    assert.ok(target !== undefined && target !== null, `${ref} does not resolve`);
  }
  // Every security requirement names a declared scheme.
  const schemes = (document.components as { securitySchemes: Record<string, unknown> })
    .securitySchemes;
  for (const methods of Object.values(paths)) {
    for (const operation of Object.values(methods) as { security?: Record<string, unknown>[] }[]) {
      for (const requirement of operation.security ?? []) {
        for (const name of Object.keys(requirement)) assert.ok(schemes[name], name);
      }
    }
  }
});
