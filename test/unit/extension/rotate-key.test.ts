// Key rotation with fake steps: the order of the steps, and that the old key stays stored (and
// is not revoked) until the new one is stored, whichever step fails.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AdminKey, CreatedKey } from '../../../api/admin';
import type { KeyCheck } from '../../../extension/keys/check-key';
import type { StoredKey } from '../../../extension/keys/key-store';
import { KeyStore } from '../../../extension/keys/key-store';
import type { NewKey, Revocation, RotationSteps } from '../../../extension/keys/rotate-key';
import { localRotation, rotateKey } from '../../../extension/keys/rotate-key';
import { SandboxRefusal } from '../../../runner/local-sandbox';

const oldKey: StoredKey = { key_id: 'tbk_old', secret: 'tbs_old', scope: 'trade', added_at: 1 };
const newKey: NewKey = { key_id: 'tbk_new', secret: 'tbs_new' };

/** Steps over a real KeyStore on memory secrets; each step is logged, with what was stored then. */
function fakeRotation(
  overrides: Partial<{
    obtain: () => Promise<NewKey | undefined>;
    check: () => Promise<KeyCheck>;
    storeFails: boolean;
    revoke: () => Promise<Revocation>;
    discard: () => Promise<void>;
  }> = {},
  stored: StoredKey | null = oldKey,
) {
  const secrets = new Map<string, string>();
  const keys = new KeyStore({
    get: (slot) => Promise.resolve(secrets.get(slot)),
    store: (slot, value) => Promise.resolve(void secrets.set(slot, value)),
    delete: (slot) => Promise.resolve(void secrets.delete(slot)),
  });
  const log: string[] = [];
  const storedNow = async () => (await keys.get('local'))?.key_id ?? 'none';
  const step =
    <T>(name: string, run: () => Promise<T>) =>
    async () => {
      log.push(`${name} (stored: ${await storedNow()})`);
      return run();
    };
  const steps: RotationSteps = {
    current: step('current', () => keys.get('local')),
    obtain: step('obtain', overrides.obtain ?? (() => Promise.resolve(newKey))),
    check: step(
      'check',
      overrides.check ?? (() => Promise.resolve<KeyCheck>({ ok: true, scope: 'trade' })),
    ),
    store: async (key) => {
      log.push(`store ${key.key_id} (stored: ${await storedNow()})`);
      if (overrides.storeFails) throw new Error('the secret storage is unavailable');
      await keys.put('local', key);
    },
    revoke: async (keyId) => {
      log.push(`revoke ${keyId} (stored: ${await storedNow()})`);
      return (overrides.revoke ?? (() => Promise.resolve<Revocation>({ kind: 'revoked' })))();
    },
    discard: async (key) => {
      log.push(`discard ${key.key_id}`);
      await (overrides.discard ?? (() => Promise.resolve()))();
    },
    now: () => 1_000,
  };
  return {
    steps,
    log,
    keys,
    ready: stored === null ? Promise.resolve() : keys.put('local', stored),
  };
}

test('the new key is checked and stored before the old one is revoked', async () => {
  const fake = fakeRotation();
  await fake.ready;
  const outcome = await rotateKey(fake.steps);
  assert.deepEqual(fake.log, [
    'current (stored: tbk_old)',
    'obtain (stored: tbk_old)',
    'check (stored: tbk_old)',
    'store tbk_new (stored: tbk_old)',
    'revoke tbk_old (stored: tbk_new)',
  ]);
  assert.deepEqual(outcome, {
    kind: 'rotated',
    previous: { key_id: 'tbk_old', scope: 'trade' },
    key: { key_id: 'tbk_new', scope: 'trade' },
    revocation: { kind: 'revoked' },
  });
  assert.deepEqual(await fake.keys.get('local'), {
    key_id: 'tbk_new',
    secret: 'tbs_new',
    scope: 'trade',
    added_at: 1_000,
  });
  assert.ok(!JSON.stringify(outcome).includes('tbs_'), 'the outcome carries a secret');
});

test('a refused new key is not stored, the old one is kept and not revoked, the new one undone', async () => {
  const fake = fakeRotation({
    check: () => Promise.resolve({ ok: false, problem: 'the sandbox refused the key tbk_new' }),
  });
  await fake.ready;
  const outcome = await rotateKey(fake.steps);
  assert.deepEqual(outcome, {
    kind: 'not-rotated',
    problem: 'the new key was not stored: the sandbox refused the key tbk_new',
    kept: 'tbk_old',
  });
  assert.deepEqual(fake.log.slice(-1), ['discard tbk_new']);
  assert.ok(!fake.log.some((line) => line.startsWith('store') || line.startsWith('revoke')));
  assert.equal((await fake.keys.get('local'))?.key_id, 'tbk_old');
});

test('when the store fails, the old key is still stored and still valid', async () => {
  const fake = fakeRotation({ storeFails: true });
  await fake.ready;
  const outcome = await rotateKey(fake.steps);
  assert.equal(outcome.kind, 'not-rotated');
  assert.match(
    outcome.kind === 'not-rotated' ? outcome.problem : '',
    /tbk_new could not be stored: the secret storage is unavailable/,
  );
  assert.deepEqual(fake.log.slice(-2), ['store tbk_new (stored: tbk_old)', 'discard tbk_new']);
  assert.equal((await fake.keys.get('local'))?.key_id, 'tbk_old');
});

test('an undo that fails too is said, with the key to revoke', async () => {
  const fake = fakeRotation({
    storeFails: true,
    discard: () => Promise.reject(new Error('the sandbox stopped')),
  });
  await fake.ready;
  const outcome = await rotateKey(fake.steps);
  assert.match(
    outcome.kind === 'not-rotated' ? outcome.problem : '',
    /\(and the new key tbk_new could not be revoked: the sandbox stopped\)$/,
  );
});

test('giving up, or failing to make a key, changes nothing', async () => {
  const cancelled = fakeRotation({ obtain: () => Promise.resolve(undefined) });
  await cancelled.ready;
  assert.deepEqual(await rotateKey(cancelled.steps), { kind: 'cancelled' });
  assert.equal(cancelled.log.length, 2);
  const failed = fakeRotation({ obtain: () => Promise.reject(new Error('no sandbox')) });
  await failed.ready;
  assert.deepEqual(await rotateKey(failed.steps), {
    kind: 'not-rotated',
    problem: 'no new key could be made: no sandbox',
    kept: 'tbk_old',
  });
  // The same key given again (a hosted key typed twice) is no rotation, and is not undone.
  const same = fakeRotation({ obtain: () => Promise.resolve({ key_id: 'tbk_old', secret: 'x' }) });
  await same.ready;
  const outcome = await rotateKey(same.steps);
  assert.equal(outcome.kind, 'not-rotated');
  assert.ok(!same.log.some((line) => line.startsWith('discard') || line.startsWith('check')));
});

test('a revocation that fails after the store keeps the new key, and says so', async () => {
  const fake = fakeRotation({ revoke: () => Promise.reject(new Error('connection refused')) });
  await fake.ready;
  const outcome = await rotateKey(fake.steps);
  assert.equal(outcome.kind, 'rotated');
  assert.deepEqual(outcome.kind === 'rotated' && outcome.revocation, {
    kind: 'failed',
    problem: 'connection refused',
  });
  assert.equal((await fake.keys.get('local'))?.key_id, 'tbk_new');
});

test('a first key is stored with nothing to revoke', async () => {
  const fake = fakeRotation({}, null);
  await fake.ready;
  const outcome = await rotateKey(fake.steps);
  assert.deepEqual(outcome, {
    kind: 'rotated',
    previous: null,
    key: { key_id: 'tbk_new', scope: 'trade' },
    revocation: null,
  });
});

test('locally, the new key gets the old one’s scope and account, and a key already gone is said', async () => {
  const calls: string[] = [];
  const listing = (keyId: string, account: string): AdminKey => ({
    key_id: keyId,
    scope: 'read',
    account_id: account,
    label: null,
    created_at: 0,
    revoked_at: null,
  });
  const sandbox = {
    listKeys: () =>
      Promise.resolve([listing('tbk_other', 'acc_default'), listing('tbk_old', 'acc_7')]),
    createKey: (scope: string, account?: string, label?: string | null) => {
      calls.push(`create ${scope} ${account} ${label}`);
      return Promise.resolve<CreatedKey>({
        key_id: 'tbk_made',
        secret: 'tbs_made',
        scope: 'read',
        account_id: account ?? 'acc_default',
      });
    },
    revokeKey: (keyId: string) => {
      calls.push(`revoke ${keyId}`);
      if (keyId === 'tbk_gone')
        return Promise.reject(new SandboxRefusal('no key tbk_gone', 404, 'not_found'));
      if (keyId === 'tbk_broken')
        return Promise.reject(new SandboxRefusal('the journal failed', 503, 'unavailable'));
      return Promise.resolve(listing(keyId, 'acc_7'));
    },
  };
  const steps = localRotation(sandbox);
  assert.deepEqual(await steps.obtain({ ...oldKey, scope: 'read' }), {
    key_id: 'tbk_made',
    secret: 'tbs_made',
  });
  await steps.obtain(undefined);
  assert.deepEqual(await steps.revoke('tbk_old'), { kind: 'revoked' });
  assert.deepEqual(await steps.revoke('tbk_gone'), { kind: 'already-gone' });
  await assert.rejects(steps.revoke('tbk_broken'), /the journal failed/);
  await steps.discard(newKey);
  assert.deepEqual(calls, [
    'create read acc_7 timber studio',
    'create trade undefined timber studio',
    'revoke tbk_old',
    'revoke tbk_gone',
    'revoke tbk_broken',
    'revoke tbk_new',
  ]);
});
