// Revoking an API key on a real sandbox process: at once, for good, and idempotent. A revoked
// key gets no token; its access and refresh tokens are refused before they expire; its stream
// connections (live and replay sessions) are closed with 4401 and a reason; and a restart, from
// the journal or from a snapshot, keeps it revoked. `tbm keys list` and `tbm keys revoke`.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { AdminKey, AdminKeyList } from '../../api/admin';
import type { Session } from '../../api/sessions';
import type { Key, SandboxProcess } from './harness';
import {
  accessToken,
  api,
  cliPath,
  createKey,
  startSandboxProcess,
  stopAllSandboxes,
} from './harness';
import { closeAllStreams, openStream } from './stream-harness';

after(async () => {
  closeAllStreams();
  await stopAllSandboxes();
});

interface ErrorBody {
  error: { code: string; message: string };
}

const adminTokenOf = (sandbox: SandboxProcess) =>
  readFileSync(join(sandbox.dataDir, 'admin-token'), 'utf8').trim();

async function tokens(url: string, key: Key) {
  const answer = await api<{ access_token: string; refresh_token: string }>(
    url,
    null,
    'POST',
    '/oauth/token',
    { grant_type: 'client_credentials', client_id: key.key_id, client_secret: key.secret },
  );
  assert.equal(answer.status, 200);
  return { access: answer.body.access_token, refresh: answer.body.refresh_token };
}

async function tbm(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, [cliPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const code = await new Promise<number | null>((done) => child.once('exit', done));
  return { code, out, err };
}

/** What a refused caller of a revoked key is told: the key, and that it was revoked. */
const revokedMessage = (keyId: string) => new RegExp(`the key ${keyId} was revoked at \\d{4}-`);

describe('revoking a key', () => {
  let sandbox: SandboxProcess;
  let admin: string;
  let revoked: Key;
  let kept: Key;
  let issued: { access: string; refresh: string };

  before(async () => {
    sandbox = await startSandboxProcess();
    admin = adminTokenOf(sandbox);
    [revoked, kept] = await Promise.all([createKey(sandbox, 'trade'), createKey(sandbox, 'trade')]);
    issued = await tokens(sandbox.url, revoked);
  });

  test('stops its tokens and streams at once, and only its own', async () => {
    const live = await openStream(sandbox.url, issued.access);
    await live.next('authenticated', (m) => m.type === 'authenticated');
    const created = await api<Session>(sandbox.url, issued.access, 'POST', '/sandbox/sessions', {
      symbols: ['EURUSD'],
      interval: '1m',
      from: Date.UTC(2024, 2, 6, 12, 0),
      to: Date.UTC(2024, 2, 6, 14, 0),
    });
    assert.equal(created.status, 201);
    const replay = await openStream(created.body.base_url, issued.access);
    await replay.next('authenticated', (m) => m.type === 'authenticated');
    const keptToken = await accessToken(sandbox.url, kept);
    const keptStream = await openStream(sandbox.url, keptToken);
    await keptStream.next('authenticated', (m) => m.type === 'authenticated');

    const answer = await api(sandbox.url, admin, 'DELETE', `/admin/keys/${revoked.key_id}`);
    assert.equal(answer.status, 200);
    const key = AdminKey.strict().parse(answer.body);
    assert.equal(key.key_id, revoked.key_id);
    assert.equal(typeof key.revoked_at, 'number');

    for (const stream of [live, replay]) {
      const error = await stream.next('the revocation', (m) => m.type === 'error');
      assert.equal(error.error?.code, 'unauthorized');
      assert.match(error.error?.message ?? '', revokedMessage(revoked.key_id));
      assert.deepEqual(await stream.closed, { code: 4401, reason: 'the key was revoked' });
    }
    assert.match(sandbox.stderr(), /closed 2 stream connection\(s\) of revoked key/);

    const account = await api<ErrorBody>(sandbox.url, issued.access, 'GET', '/account');
    assert.equal(account.status, 401);
    assert.match(account.body.error.message, revokedMessage(revoked.key_id));
    const inSession = await api<ErrorBody>(created.body.base_url, issued.access, 'GET', '/account');
    assert.equal(inSession.status, 401);
    const refreshed = await api<ErrorBody>(sandbox.url, null, 'POST', '/oauth/token', {
      grant_type: 'refresh_token',
      refresh_token: issued.refresh,
    });
    assert.equal(refreshed.status, 401);
    assert.match(refreshed.body.error.message, revokedMessage(revoked.key_id));
    const exchanged = await api<ErrorBody>(sandbox.url, null, 'POST', '/oauth/token', {
      grant_type: 'client_credentials',
      client_id: revoked.key_id,
      client_secret: revoked.secret,
    });
    assert.equal(exchanged.status, 401);
    assert.match(exchanged.body.error.message, revokedMessage(revoked.key_id));
    // Without its secret, nobody learns that the key existed.
    const guessed = await api<ErrorBody>(sandbox.url, null, 'POST', '/oauth/token', {
      grant_type: 'client_credentials',
      client_id: revoked.key_id,
      client_secret: 'tbs_guess',
    });
    assert.equal(guessed.status, 401);
    assert.doesNotMatch(guessed.body.error.message, /revoked/);
    // A new connection with the old token is refused at the upgrade.
    await assert.rejects(openStream(sandbox.url, issued.access), /401/);

    // The other key on the same account goes on as before.
    assert.equal((await api(sandbox.url, keptToken, 'GET', '/account')).status, 200);
    const pong = await keptStream.request({ op: 'ping' }, 'pong');
    assert.equal(pong.type, 'pong');
  });

  test('is idempotent, says which id is unknown, and needs the admin token', async () => {
    const path = `/admin/keys/${revoked.key_id}`;
    const listed = AdminKeyList.parse((await api(sandbox.url, admin, 'GET', '/admin/keys')).body);
    const first = listed.keys.find((key) => key.key_id === revoked.key_id);
    const again = await api(sandbox.url, admin, 'DELETE', path);
    assert.equal(again.status, 200);
    assert.deepEqual(AdminKey.parse(again.body), first);
    const unknown = await api<ErrorBody>(sandbox.url, admin, 'DELETE', '/admin/keys/tbk_nobody');
    assert.equal(unknown.status, 404);
    assert.match(unknown.body.error.message, /no key tbk_nobody/);
    for (const token of [null, await accessToken(sandbox.url, kept)]) {
      assert.equal(
        (await api(sandbox.url, token, 'DELETE', `/admin/keys/${kept.key_id}`)).status,
        401,
      );
      assert.equal((await api(sandbox.url, token, 'GET', '/admin/keys')).status, 401);
    }
  });

  test('lists every key with its times and never a secret', async () => {
    const answer = await api(sandbox.url, admin, 'GET', '/admin/keys');
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.get('cache-control'), 'no-store');
    const { keys } = AdminKeyList.parse(answer.body);
    const byId = new Map(keys.map((key) => [key.key_id, key]));
    assert.equal(typeof byId.get(revoked.key_id)?.revoked_at, 'number');
    assert.equal(byId.get(kept.key_id)?.revoked_at, null);
    assert.equal(byId.get(kept.key_id)?.account_id, 'acc_default');
    const text = JSON.stringify(answer.body);
    for (const secret of [revoked.secret, kept.secret]) assert.ok(!text.includes(secret));
    assert.ok(!/secret|hash/.test(text), text);
  });

  test('survives a restart from the journal (killed) and from a snapshot (stopped)', async () => {
    const listed = AdminKeyList.parse((await api(sandbox.url, admin, 'GET', '/admin/keys')).body);
    for (const signal of ['SIGKILL', 'SIGTERM'] as const) {
      await sandbox.stop(signal);
      sandbox = await startSandboxProcess({ dataDir: sandbox.dataDir });
      const after = await api(sandbox.url, admin, 'GET', '/admin/keys');
      assert.deepEqual(AdminKeyList.parse(after.body), listed, signal);
      const refused = await api<ErrorBody>(sandbox.url, issued.access, 'GET', '/account');
      assert.equal(refused.status, 401, signal);
      assert.match(refused.body.error.message, revokedMessage(revoked.key_id));
      const exchanged = await api<ErrorBody>(sandbox.url, null, 'POST', '/oauth/token', {
        grant_type: 'client_credentials',
        client_id: revoked.key_id,
        client_secret: revoked.secret,
      });
      assert.equal(exchanged.status, 401, signal);
      assert.ok((await accessToken(sandbox.url, kept)).length > 0, signal);
    }
  });

  test('tbm keys list and tbm keys revoke', async () => {
    const dataDir = ['--data-dir', sandbox.dataDir];
    const fresh = await createKey(sandbox, 'read');
    const table = await tbm(['keys', 'list', ...dataDir]);
    assert.equal(table.code, 0, table.err);
    const rows = table.out.trim().split('\n');
    assert.match(rows[0], /^key_id\s+scope\s+account_id\s+created_at\s+revoked_at\s+label$/);
    assert.match(
      rows.find((row) => row.startsWith(revoked.key_id)) ?? '',
      /trade\s+acc_default\s+\S+Z\s+\S+Z/,
    );
    assert.match(
      rows.find((row) => row.startsWith(fresh.key_id)) ?? '',
      /read\s+acc_default\s+\S+Z\s+-$/,
    );
    assert.ok(!table.out.includes(fresh.secret));

    const revokedNow = await tbm(['keys', 'revoke', fresh.key_id, ...dataDir, '--json']);
    assert.equal(revokedNow.code, 0, revokedNow.err);
    const key = AdminKey.parse(JSON.parse(revokedNow.out));
    assert.equal(key.key_id, fresh.key_id);
    assert.notEqual(key.revoked_at, null);
    const listed = await tbm(['keys', 'list', ...dataDir, '--json']);
    const keys = AdminKeyList.parse(JSON.parse(listed.out)).keys;
    assert.equal(keys.find((each) => each.key_id === fresh.key_id)?.revoked_at, key.revoked_at);
    const words = await tbm(['keys', 'revoke', fresh.key_id, ...dataDir]);
    assert.equal(words.code, 0, words.err);
    assert.match(words.out, new RegExp(`key ${fresh.key_id} is revoked \\(since \\S+Z\\)`));

    const unknown = await tbm(['keys', 'revoke', 'tbk_nobody', ...dataDir]);
    assert.equal(unknown.code, 1);
    assert.equal(unknown.out, '');
    assert.match(unknown.err, /has no key tbk_nobody; "tbm keys list" shows its keys/);
    const missing = await tbm(['keys', 'revoke', ...dataDir]);
    assert.equal(missing.code, 2);
    assert.match(missing.err, /takes one key id/);
    const misplaced = await tbm(['keys', 'list', '--scope', 'read', ...dataDir]);
    assert.equal(misplaced.code, 2);
    assert.match(misplaced.err, /--scope is for tbm keys create/);
  });
});
