import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import {
  hashSecret,
  newKeyCredentials,
  secretMatches,
  TokenAuthority,
} from '../../../sandbox/service/tokens';

const now = 1_700_000_000_000;
const claims = { keyId: 'tbk_1', accountId: 'acc_1', scope: 'trade' as const };

test('an issued access token verifies to its claims, and a refresh token only as a refresh token', () => {
  const authority = new TokenAuthority(randomBytes(32));
  const issued = authority.issue(claims, now);
  assert.deepEqual(authority.verify(issued.accessToken, 'access', now), {
    ...claims,
    kind: 'access',
    expiresAt: now + 3600_000,
  });
  assert.equal(authority.verify(issued.refreshToken, 'access', now), 'malformed');
  assert.equal(typeof authority.verify(issued.refreshToken, 'refresh', now), 'object');
});

test('tokens expire, and survive a restart with the same signing key but not another key', () => {
  const key = randomBytes(32);
  const issued = new TokenAuthority(key).issue(claims, now);
  assert.equal(
    new TokenAuthority(key).verify(issued.accessToken, 'access', now + 3600_000),
    'expired',
  );
  assert.equal(
    typeof new TokenAuthority(key).verify(issued.accessToken, 'access', now + 1000),
    'object',
  );
  assert.equal(
    new TokenAuthority(randomBytes(32)).verify(issued.accessToken, 'access', now),
    'malformed',
  );
});

test('a token with a changed payload or signature is refused', () => {
  const authority = new TokenAuthority(randomBytes(32));
  const token = authority.issue(claims, now).accessToken;
  const [payload, mac] = token.slice('tbat_'.length).split('.') as [string, string];
  const forged = Buffer.from(
    JSON.stringify(['tbk_1', 'acc_other', 'trade', now + 1e9, 'x']),
  ).toString('base64url');
  for (const bad of [
    `tbat_${forged}.${mac}`,
    `tbat_${payload}.${mac.slice(1)}x`,
    `tbat_${payload}`,
    'tbat_',
    'Bearer',
    '',
  ]) {
    assert.equal(authority.verify(bad, 'access', now), 'malformed', bad);
  }
});

test('secrets are stored as hashes and compared in full', () => {
  const { keyId, secret } = newKeyCredentials();
  assert.match(keyId, /^tbk_[0-9a-f]{20}$/);
  const stored = hashSecret(secret);
  assert.ok(!stored.includes(secret));
  assert.ok(secretMatches(secret, stored));
  assert.ok(!secretMatches(`${secret}x`, stored));
  assert.ok(!secretMatches(secret.slice(0, -1), stored));
});

test('a token whose prefix is swapped to the other kind does not verify', () => {
  const authority = new TokenAuthority(randomBytes(32));
  const issued = authority.issue(claims, now);
  const asAccess = `tbat_${issued.refreshToken.slice('tbrt_'.length)}`;
  const asRefresh = `tbrt_${issued.accessToken.slice('tbat_'.length)}`;
  assert.equal(authority.verify(asAccess, 'access', now), 'malformed');
  assert.equal(authority.verify(asRefresh, 'refresh', now), 'malformed');
  // Each still verifies as what it was issued as.
  assert.equal(typeof authority.verify(issued.refreshToken, 'refresh', now), 'object');
  assert.equal(typeof authority.verify(issued.accessToken, 'access', now), 'object');
});
