import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Key, SandboxProcess } from './harness';
import {
  accessToken,
  api,
  createKey,
  marketBuy,
  startSandboxProcess,
  stopAllSandboxes,
} from './harness';

after(() => stopAllSandboxes());

interface TokenBody {
  access_token: string;
  token_type: string;
  expires_in: number;
  refresh_token: string;
  scope: string;
}
interface ErrorBody {
  error: { code: string; message: string; details: { path: string }[]; request_id: string };
}

async function tokenRequest(
  url: string,
  fields: Record<string, string>,
  as: 'form' | 'json' = 'form',
): Promise<{ status: number; headers: Headers; body: TokenBody & ErrorBody }> {
  const response = await fetch(`${url}/oauth/token`, {
    method: 'POST',
    headers: {
      'Content-Type': as === 'form' ? 'application/x-www-form-urlencoded' : 'application/json',
    },
    body: as === 'form' ? new URLSearchParams(fields).toString() : JSON.stringify(fields),
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as TokenBody & ErrorBody,
  };
}

const credentials = (key: Key, extra: Record<string, string> = {}) => ({
  grant_type: 'client_credentials',
  client_id: key.key_id,
  client_secret: key.secret,
  ...extra,
});

function assertUnauthorized(
  answer: { status: number; headers: Headers; body: unknown },
  label: string,
) {
  assert.equal(answer.status, 401, label);
  assert.match(answer.headers.get('www-authenticate') ?? '', /^Bearer\b/, label);
  const body = answer.body as ErrorBody;
  assert.equal(body.error.code, 'unauthorized', label);
  assert.equal(body.error.request_id, answer.headers.get('x-request-id'), label);
}

describe('authentication', () => {
  let sandbox: SandboxProcess;
  let trade: Key;
  let read: Key;

  before(async () => {
    sandbox = await startSandboxProcess();
    [trade, read] = await Promise.all([createKey(sandbox, 'trade'), createKey(sandbox, 'read')]);
  });

  test('a token comes by form and by JSON body, and both work as bearers', async () => {
    for (const as of ['form', 'json'] as const) {
      const answer = await tokenRequest(sandbox.url, credentials(trade), as);
      assert.equal(answer.status, 200, as);
      assert.equal(answer.body.token_type, 'Bearer');
      assert.equal(answer.body.scope, 'trade');
      assert.ok(answer.body.expires_in > 0);
      assert.equal(typeof answer.body.refresh_token, 'string');
      assert.notEqual(answer.body.refresh_token, answer.body.access_token);
      assert.equal(answer.headers.get('cache-control'), 'no-store');
      const account = await api(sandbox.url, answer.body.access_token, 'GET', '/account');
      assert.equal(account.status, 200, as);
    }
  });

  test('a wrong secret or an unknown client_id is 401 in the error shape', async () => {
    for (const fields of [
      credentials(trade, { client_secret: `${trade.secret}x` }),
      credentials(trade, { client_id: 'tbk_00000000000000000000' }),
      credentials(read, { client_secret: trade.secret }),
    ]) {
      const answer = await tokenRequest(sandbox.url, fields);
      assert.equal(answer.status, 401);
      assert.equal(answer.body.error.code, 'unauthorized');
      assert.equal(answer.body.error.request_id, answer.headers.get('x-request-id'));
      assert.equal('access_token' in answer.body, false);
    }
  });

  test('missing, malformed and garbage bearers are 401 with WWW-Authenticate', async () => {
    const token = await accessToken(sandbox.url, trade);
    const tampered = token.slice(0, -2) + (token.endsWith('AA') ? 'BB' : 'AA');
    const headers: [string, Record<string, string>][] = [
      ['missing', {}],
      ['basic scheme', { Authorization: `Basic ${Buffer.from('a:b').toString('base64')}` }],
      ['scheme only', { Authorization: 'Bearer' }],
      ['two tokens', { Authorization: `Bearer ${token} ${token}` }],
      ['garbage', { Authorization: 'Bearer not-a-token' }],
      ['lookalike', { Authorization: 'Bearer tbat_e30.AAAA' }],
      ['tampered signature', { Authorization: `Bearer ${tampered}` }],
      ['the secret itself', { Authorization: `Bearer ${trade.secret}` }],
    ];
    for (const [label, header] of headers) {
      assertUnauthorized(await api(sandbox.url, null, 'GET', '/account', undefined, header), label);
    }
    const good = await api(sandbox.url, token, 'GET', '/account');
    assert.equal(good.status, 200);
  });

  test('refresh_token renews without the secret; a refresh token is no bearer', async () => {
    const first = await tokenRequest(sandbox.url, credentials(trade));
    const renewed = await tokenRequest(
      sandbox.url,
      { grant_type: 'refresh_token', refresh_token: first.body.refresh_token },
      'json',
    );
    assert.equal(renewed.status, 200);
    assert.equal(renewed.body.scope, 'trade');
    assert.notEqual(renewed.body.access_token, first.body.access_token);
    const order = await api(sandbox.url, renewed.body.access_token, 'POST', '/orders', {
      ...marketBuy(1000),
      order_type: 'limit',
      limit_price: 0.5,
    });
    assert.equal(order.status, 201);
    assertUnauthorized(
      await api(sandbox.url, first.body.refresh_token, 'GET', '/account'),
      'refresh token as bearer',
    );
    const accessAsRefresh = await tokenRequest(sandbox.url, {
      grant_type: 'refresh_token',
      refresh_token: first.body.access_token,
    });
    assert.equal(accessAsRefresh.status, 401);
    const otherClient = await tokenRequest(sandbox.url, {
      grant_type: 'refresh_token',
      refresh_token: first.body.refresh_token,
      client_id: read.key_id,
    });
    assert.equal(otherClient.status, 401);
  });

  test('a read key gets 403 on every trading endpoint and 200 on the reads', async () => {
    const readToken = await accessToken(sandbox.url, read);
    const tradeToken = await accessToken(sandbox.url, trade);
    const resting = await api<{ id: string }>(sandbox.url, tradeToken, 'POST', '/orders', {
      ...marketBuy(1000),
      order_type: 'limit',
      limit_price: 0.5,
    });
    assert.equal(resting.status, 201);
    const refused: [string, string, unknown][] = [
      ['POST', '/orders', marketBuy(1000)],
      ['DELETE', `/orders/${resting.body.id}`, undefined],
      ['POST', '/orders/cancel', { all: true }],
      ['POST', '/sandbox/reset', undefined],
    ];
    for (const [method, path, body] of refused) {
      const answer = await api<ErrorBody>(sandbox.url, readToken, method, path, body);
      assert.equal(answer.status, 403, `${method} ${path}`);
      assert.equal(answer.body.error.code, 'forbidden');
    }
    for (const path of [
      '/account',
      '/account/positions',
      '/account/fills',
      '/orders?status=all',
      `/orders/${resting.body.id}`,
      '/market',
      '/market/EURUSD',
      '/market/quotes?symbols=EURUSD',
      '/market/candles?symbol=EURUSD&limit=2',
    ]) {
      const answer = await api(sandbox.url, readToken, 'GET', path);
      assert.equal(answer.status, 200, path);
    }
    // Nothing the read key tried took effect.
    const order = await api<{ status: string }>(
      sandbox.url,
      tradeToken,
      'GET',
      `/orders/${resting.body.id}`,
    );
    assert.equal(order.body.status, 'open');
    const account = await api<{ positions: unknown[] }>(sandbox.url, readToken, 'GET', '/account');
    assert.deepEqual(account.body.positions, []);
  });

  test('scope: a read key cannot ask for trade, and a trade key can narrow to read', async () => {
    const widened = await tokenRequest(sandbox.url, credentials(read, { scope: 'trade' }));
    assert.equal(widened.status, 403);
    assert.equal(widened.body.error.code, 'forbidden');
    assert.equal(widened.body.error.details[0]?.path, 'scope');
    const refreshed = await tokenRequest(sandbox.url, credentials(read));
    const widenedByRefresh = await tokenRequest(sandbox.url, {
      grant_type: 'refresh_token',
      refresh_token: refreshed.body.refresh_token,
      scope: 'trade',
    });
    assert.equal(widenedByRefresh.status, 403);
    const narrowed = await tokenRequest(sandbox.url, credentials(trade, { scope: 'read' }));
    assert.equal(narrowed.status, 200);
    assert.equal(narrowed.body.scope, 'read');
    const order = await api(sandbox.url, narrowed.body.access_token, 'POST', '/orders', {
      ...marketBuy(1000),
    });
    assert.equal(order.status, 403);
  });

  test('a token narrowed to read stays read through every refresh', async () => {
    const narrowed = await tokenRequest(sandbox.url, credentials(trade, { scope: 'read' }));
    let refreshToken = narrowed.body.refresh_token;
    for (let round = 0; round < 2; round++) {
      const renewed = await tokenRequest(sandbox.url, {
        grant_type: 'refresh_token',
        refresh_token: refreshToken,
      });
      assert.equal(renewed.status, 200);
      assert.equal(renewed.body.scope, 'read', `refresh ${round + 1}`);
      const order = await api(sandbox.url, renewed.body.access_token, 'POST', '/orders', {
        ...marketBuy(1000),
      });
      assert.equal(order.status, 403, `refresh ${round + 1}`);
      refreshToken = renewed.body.refresh_token;
    }
    const widened = await tokenRequest(sandbox.url, {
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      scope: 'trade',
    });
    assert.equal(widened.status, 403);
    assert.match(widened.body.error.message, /refresh token was issued with the "read" scope/);
  });

  test('a token cannot change kind by swapping its prefix', async () => {
    const issued = await tokenRequest(sandbox.url, credentials(trade));
    const strip = (token: string) => token.slice('tbxx_'.length);
    const refreshAsAccess = `tbat_${strip(issued.body.refresh_token)}`;
    assertUnauthorized(
      await api(sandbox.url, refreshAsAccess, 'GET', '/account'),
      'a refresh token with an access prefix',
    );
    const accessAsRefresh = await tokenRequest(sandbox.url, {
      grant_type: 'refresh_token',
      refresh_token: `tbrt_${strip(issued.body.access_token)}`,
    });
    assert.equal(accessAsRefresh.status, 401);
  });
});

/**
 * A token as the sandbox signs them (HMAC-SHA256 with the data folder's signing key), with
 * claims of our choosing: the only way to meet an expired token without waiting an hour.
 */
function forgeToken(
  dataDir: string,
  kind: 'access' | 'refresh',
  claims: { keyId: string; accountId: string; scope: string; expiresAt: number },
): string {
  const signingKey = Buffer.from(
    readFileSync(join(dataDir, 'token-signing-key'), 'utf8').trim(),
    'hex',
  );
  const payload = Buffer.from(
    JSON.stringify([claims.keyId, claims.accountId, claims.scope, claims.expiresAt, 'abcdef']),
  ).toString('base64url');
  const prefix = kind === 'access' ? 'tbat_' : 'tbrt_';
  const mac = createHmac('sha256', signingKey).update(prefix).update(payload).digest('base64url');
  return `${prefix}${payload}.${mac}`;
}

test('expired tokens and tokens of unknown keys are 401; expiry is on the market clock', async () => {
  const sandbox = await startSandboxProcess();
  const key = await createKey(sandbox, 'trade');
  const claims = { keyId: key.key_id, accountId: key.account_id, scope: 'trade' };
  // The sandbox's market clock (--now, in 2024), which tokens expire on: not the wall clock.
  const marketNow = (await api<{ now: number }>(sandbox.url, null, 'GET', '/health')).body.now;
  assert.ok(marketNow < Date.now() - 86_400_000);
  const live = forgeToken(sandbox.dataDir, 'access', { ...claims, expiresAt: marketNow + 60_000 });
  // The forgery is faithful: with a future expiry it is accepted.
  assert.equal((await api(sandbox.url, live, 'GET', '/account')).status, 200);
  const expired = forgeToken(sandbox.dataDir, 'access', { ...claims, expiresAt: marketNow - 1 });
  const answer = await api<ErrorBody>(sandbox.url, expired, 'GET', '/account');
  assertUnauthorized(answer, 'expired access token');
  assert.match(answer.body.error.message, /expired/);
  const orphan = forgeToken(sandbox.dataDir, 'access', {
    ...claims,
    keyId: 'tbk_00000000000000000000',
    expiresAt: marketNow + 60_000,
  });
  assertUnauthorized(await api(sandbox.url, orphan, 'GET', '/account'), 'unknown key');
  const expiredRefresh = await tokenRequest(sandbox.url, {
    grant_type: 'refresh_token',
    refresh_token: forgeToken(sandbox.dataDir, 'refresh', { ...claims, expiresAt: marketNow - 1 }),
  });
  assert.equal(expiredRefresh.status, 401);
  assert.match(expiredRefresh.body.error.message, /expired/);
});

test('access and refresh tokens survive a restart on the same data folder', async () => {
  const first = await startSandboxProcess();
  const key = await createKey(first, 'trade');
  const issued = await tokenRequest(first.url, credentials(key));
  assert.equal(issued.status, 200);
  assert.equal(await first.stop('SIGTERM'), 0);
  const second = await startSandboxProcess({ dataDir: first.dataDir });
  const account = await api(second.url, issued.body.access_token, 'GET', '/account');
  assert.equal(account.status, 200);
  const renewed = await tokenRequest(second.url, {
    grant_type: 'refresh_token',
    refresh_token: issued.body.refresh_token,
  });
  assert.equal(renewed.status, 200);
  assert.equal((await api(second.url, renewed.body.access_token, 'GET', '/orders')).status, 200);
  // A token of another sandbox (another signing key) is not accepted.
  const stranger = await startSandboxProcess();
  assertUnauthorized(
    await api(stranger.url, issued.body.access_token, 'GET', '/account'),
    'foreign token',
  );
});
