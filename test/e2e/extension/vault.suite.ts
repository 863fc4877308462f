import * as assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { before, describe, it } from 'mocha';
import * as vscode from 'vscode';
import { until } from './until';
import type { CreatedKey } from '../../../api/admin';
import type { TimberApi } from '../../../extension/extension';
import type { RotationOutcome } from '../../../extension/keys/rotate-key';
import type { LocalSandbox } from '../../../runner/local-sandbox';
import { attachLocalSandbox } from '../../../runner/local-sandbox';

// API keys in VS Code's SecretStorage, in the real VS Code: add (checked first), rotate with
// revocation by the embedded sandbox, remove; and a canary secret that must appear nowhere the
// extension writes. Suites run in file-name order: this one after studio.suite.ts, whose first
// test needs a sandbox nobody has started yet.

const workspace = () => vscode.workspace.workspaceFolders![0].uri.fsPath;

interface Refusal {
  error: { code: string; message: string };
}

/** A token exchange with the sandbox: status and body. */
async function exchange(url: string, key: { key_id: string; secret: string }) {
  const response = await fetch(`${url}/oauth/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      grant_type: 'client_credentials',
      client_id: key.key_id,
      client_secret: key.secret,
    }),
  });
  const body: unknown = await response.json();
  return { status: response.status, body };
}

async function accessToken(url: string, key: { key_id: string; secret: string }) {
  const answer = await exchange(url, key);
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  return (answer.body as { access_token: string }).access_token;
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return filesUnder(path);
    return entry.isFile() ? [path] : [];
  });
}

/** The files under `dirs` whose bytes hold `text`. */
function filesHolding(dirs: readonly string[], text: string): string[] {
  const needle = Buffer.from(text);
  return dirs.flatMap(filesUnder).filter((file) => readFileSync(file).includes(needle));
}

/** The logs of this VS Code session (every output channel and log of every process in it). */
function sessionLogs(extensionLogs: string): string {
  for (let dir = extensionLogs; dirname(dir) !== dir; dir = dirname(dir))
    if (/^\d{8}T\d{6}$/.test(basename(dir))) return dir;
  return dirname(dirname(extensionLogs));
}

describe('API keys in the secret storage', () => {
  let api: TimberApi;
  let sandbox: LocalSandbox;

  before(async () => {
    const extension = vscode.extensions.getExtension<TimberApi>('timber-studio.timber-studio');
    assert.ok(extension, 'the extension is not loaded');
    api = await extension.activate();
    await vscode.commands.executeCommand('timber.sandbox.start');
    await until('the sandbox', () => (api.sandboxState().kind === 'running' ? true : undefined));
    const attached = await attachLocalSandbox(join(api.folders.globalStorage, 'sandbox'));
    assert.ok(attached, 'the embedded sandbox is not found on its data folder');
    sandbox = attached;
  });

  it('adds a key given as arguments only once a token exchange accepts it', async () => {
    const created = await sandbox.createKey('read', 'default', 'vault suite');
    const before = await api.keys.get('local');
    const wrong = await vscode.commands.executeCommand<boolean>('timber.keys.add', 'local', {
      key_id: created.key_id,
      secret: `${created.secret}x`,
    });
    assert.equal(wrong, false);
    assert.deepEqual(await api.keys.get('local'), before, 'a refused key was stored');
    const added = await vscode.commands.executeCommand<boolean>('timber.keys.add', 'local', {
      key_id: created.key_id,
      secret: created.secret,
    });
    assert.equal(added, true);
    const stored = await api.keys.get('local');
    assert.equal(stored?.key_id, created.key_id);
    assert.equal(stored?.scope, 'read', 'the scope is the one the token exchange gave');
  });

  it('rotates the local key: the new one is stored, the old one revoked by the sandbox', async () => {
    const old = await api.keys.get('local');
    assert.ok(old, 'no local key to rotate');
    const oldToken = await accessToken(sandbox.url, old);
    const outcome = await vscode.commands.executeCommand<RotationOutcome>(
      'timber.keys.rotate',
      'local',
    );
    assert.equal(outcome.kind, 'rotated', JSON.stringify(outcome));
    assert.deepEqual(outcome.kind === 'rotated' && outcome.revocation, { kind: 'revoked' });
    const rotated = await api.keys.get('local');
    assert.ok(rotated && rotated.key_id !== old.key_id, 'the new key is not stored');
    assert.equal(rotated.scope, old.scope);

    const account = await fetch(`${sandbox.url}/account`, {
      headers: { Authorization: `Bearer ${oldToken}` },
    });
    assert.equal(account.status, 401);
    assert.match(((await account.json()) as Refusal).error.message, /was revoked at/);
    const again = await exchange(sandbox.url, old);
    assert.equal(again.status, 401);
    assert.match((again.body as Refusal).error.message, new RegExp(`${old.key_id} was revoked`));
    assert.ok((await accessToken(sandbox.url, rotated)).length > 0);
    const listed = await sandbox.listKeys();
    assert.notEqual(listed.find((key) => key.key_id === old.key_id)?.revoked_at ?? null, null);
    assert.equal(listed.find((key) => key.key_id === rotated.key_id)?.revoked_at, null);
  });

  it('removes the key from the secret storage', async () => {
    assert.ok(await api.keys.get('local'));
    const removed = await vscode.commands.executeCommand<boolean>('timber.keys.remove', 'local', {
      confirmed: true,
    });
    assert.equal(removed, true);
    assert.equal(await api.keys.get('local'), undefined);
  });

  it('never writes a canary secret: not in logs, terminals, settings, run records or storage', async () => {
    const canary: CreatedKey = await sandbox.createKey('trade', 'default', 'canary');
    assert.equal(
      await vscode.commands.executeCommand<boolean>('timber.keys.add', 'local', canary),
      true,
    );
    const outcome = await api.runs.run(join(workspace(), 'trader', 'trader.mjs'));
    assert.ok(outcome, 'the run did not start');
    assert.equal(outcome.record.status, 'succeeded', outcome.stderrTail.join('\n'));
    assert.equal((await api.keys.get('local'))?.key_id, canary.key_id, 'the run used another key');

    const logs = sessionLogs(api.folders.logs);
    const userFolder = dirname(dirname(api.folders.globalStorage));
    const storage = [api.folders.globalStorage, api.folders.workspaceStorage ?? ''];
    const runs = join(workspace(), '.timber', 'runs');
    // Each place is shown to hold what it should, so that finding no secret there means something.
    await until('the key id in the extension log', () =>
      filesHolding([logs], `key ${canary.key_id}`).length > 0 ? true : undefined,
    );
    assert.ok(filesHolding(storage, canary.key_id).length > 0, 'the sandbox journal is not read');
    assert.ok(filesHolding([runs], 'statuses 201,201').length > 0, 'the run record is not read');
    assert.ok(api.runs.terminalText().some((text) => text.includes('statuses 201,201')));
    const settingsFile = join(userFolder, 'settings.json');
    assert.match(readFileSync(settingsFile, 'utf8'), /timber\.sandbox\.marketStart/);

    for (const secret of [canary.secret, canary.secret.replace(/^tbs_/, '')]) {
      assert.deepEqual(filesHolding([logs], secret), [], 'a log holds the secret');
      assert.deepEqual(filesHolding(storage, secret), [], 'the extension storage holds it');
      assert.deepEqual(filesHolding([runs], secret), [], 'a run record holds it');
      const settings = [settingsFile, join(workspace(), '.vscode', 'settings.json')];
      assert.deepEqual(
        settings.filter((file) => existsSync(file) && readFileSync(file, 'utf8').includes(secret)),
        [],
        'a settings file holds it',
      );
      assert.ok(!JSON.stringify(vscode.workspace.getConfiguration('timber')).includes(secret));
      assert.ok(
        !api.runs.terminalText().some((text) => text.includes(secret)),
        'a terminal shows it',
      );
    }
  });
});
