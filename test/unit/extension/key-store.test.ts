import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KeyStore } from '../../../extension/keys/key-store';

function memorySecrets() {
  const values = new Map<string, string>();
  return {
    values,
    get: (key: string) => Promise.resolve(values.get(key)),
    store: (key: string, value: string) => Promise.resolve(void values.set(key, value)),
    delete: (key: string) => Promise.resolve(void values.delete(key)),
  };
}

test('a key is kept per environment, and a listing never holds its secret', async () => {
  const secrets = memorySecrets();
  const store = new KeyStore(secrets);
  await store.put('sandbox', {
    key_id: 'k1',
    secret: 'canary-secret-123',
    scope: 'read',
    added_at: 5,
  });
  await store.put('local', {
    key_id: 'k0',
    secret: 'local-secret-456',
    scope: 'trade',
    added_at: 6,
  });
  assert.equal((await store.get('sandbox'))?.secret, 'canary-secret-123');
  assert.equal(await store.get('live'), undefined);
  const listed = await store.list();
  assert.deepEqual(
    listed.map((key) => [key.env, key.key_id, key.scope]),
    [
      ['local', 'k0', 'trade'],
      ['sandbox', 'k1', 'read'],
    ],
  );
  assert.ok(!JSON.stringify(listed).includes('secret-'), 'a listing carries a secret');
  await store.remove('sandbox');
  assert.equal(await store.get('sandbox'), undefined);
  // Something else in the slot (a tampered or older entry) reads as no key, not as a crash.
  secrets.values.set('timber.key.live', '{"key_id":');
  assert.equal(await store.get('live'), undefined);
  await assert.rejects(
    store.put('live', { key_id: '', secret: 's', scope: 'trade', added_at: 1 }),
    /key_id/,
  );
});
