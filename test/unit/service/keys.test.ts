// API keys in the sandbox state: revocation moves a key out of every look-up that lets a caller
// in, keeps it listed with its time, and is the same whether applied once or twice.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import type { KeyRecord } from '../../../sandbox/service/keys';
import { KeyState, revokedWords } from '../../../sandbox/service/keys';
import { checkAccessToken, TokenAuthority } from '../../../sandbox/service/tokens';

const created = (keyId: string, at: number): KeyRecord & { type: 'key_created'; t: number } => ({
  type: 'key_created',
  t: at,
  key_id: keyId,
  secret_hash: 'ab'.repeat(32),
  scope: 'trade',
  account_id: 'acc_default',
  label: null,
  created_at: at,
});

test('a revoked key is no longer usable, but is listed with when it was revoked', () => {
  const keys = new KeyState();
  keys.apply(created('tbk_old', 1_000));
  keys.apply(created('tbk_new', 2_000));
  keys.apply({ type: 'key_revoked', key_id: 'tbk_old', t: 5_000 });
  assert.equal(keys.get('tbk_old'), undefined);
  assert.equal(keys.has('tbk_old'), false);
  assert.equal(keys.revoked('tbk_old')?.revoked_at, 5_000);
  assert.ok(keys.has('tbk_new'));
  assert.equal(keys.revoked('tbk_new'), undefined);
  assert.deepEqual(
    keys.all().map((key) => [key.key_id, key.revoked_at]),
    [
      ['tbk_old', 5_000],
      ['tbk_new', null],
    ],
  );
  // Again, and for a key that never was: nothing changes, the first time stands.
  keys.apply({ type: 'key_revoked', key_id: 'tbk_old', t: 9_000 });
  keys.apply({ type: 'key_revoked', key_id: 'tbk_nobody', t: 9_000 });
  assert.equal(keys.revoked('tbk_old')?.revoked_at, 5_000);
  assert.equal(keys.revoked('tbk_nobody'), undefined);
  assert.deepEqual(
    keys.usableKeys().map((key) => key.key_id),
    ['tbk_new'],
  );
});

test('an access token of a revoked key is refused before it expires, naming the revocation', () => {
  const tokens = new TokenAuthority(randomBytes(32));
  const keys = new KeyState();
  keys.apply(created('tbk_a', 0));
  const now = Date.UTC(2024, 2, 6, 12);
  const { accessToken } = tokens.issue(
    { keyId: 'tbk_a', accountId: 'acc_default', scope: 'trade' },
    now,
  );
  assert.deepEqual(checkAccessToken(tokens, accessToken, now + 1, keys), {
    keyId: 'tbk_a',
    accountId: 'acc_default',
    scope: 'trade',
    expiresAt: now + 3_600_000,
  });
  keys.apply({ type: 'key_revoked', key_id: 'tbk_a', t: now });
  const refused = checkAccessToken(tokens, accessToken, now + 1, keys);
  assert.ok('refused' in refused);
  assert.equal(
    refused.refused,
    'the key tbk_a was revoked at 2024-03-06T12:00:00.000Z; its tokens no longer work: use another key',
  );
  assert.equal(
    revokedWords({ key_id: 'tbk_a', revoked_at: now }),
    'the key tbk_a was revoked at 2024-03-06T12:00:00.000Z',
  );
});
