// Replay sessions belong to the account that created them on every path (REST under their base
// URL, token exchange there, their stream), count against the key's request limit like any
// other request, and one account cannot take every session of the sandbox.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { Session } from '../../api/sessions';
import { maxSessionsPerAccount } from '../../sandbox/sessions/registry';
import {
  accessToken,
  api,
  createKey,
  marketBuy,
  stopAllSandboxes,
  tradingSandbox,
} from './harness';
import { closeAllStreams, openStream } from './stream-harness';

after(() => {
  closeAllStreams();
  return stopAllSandboxes();
});

const twoHours = {
  symbols: ['EURUSD'],
  interval: '1m',
  from: Date.UTC(2024, 2, 6, 12, 0),
  to: Date.UTC(2024, 2, 6, 14, 0),
};

test("another account's keys cannot read, trade, reset or drive a session", async () => {
  const { sandbox, call, token: ownerToken } = await tradingSandbox();
  const created = await call<Session>('POST', '/sandbox/sessions', twoHours);
  assert.equal(created.status, 201);
  const session = created.body;
  const stranger = await createKey(sandbox, 'trade', 'new');
  const strangerToken = await accessToken(sandbox.url, stranger);

  const attempts: [string, string, unknown][] = [
    ['GET', '/account', undefined],
    ['GET', '/orders', undefined],
    ['POST', '/orders', marketBuy(1000)],
    ['POST', '/sandbox/reset', undefined],
  ];
  for (const [method, path, body] of attempts) {
    const answer = await api<{ error: { message: string } }>(
      session.base_url,
      strangerToken,
      method,
      path,
      body,
    );
    assert.equal(answer.status, 404, `${method} ${path}`);
    assert.match(answer.body.error.message, /no replay session/);
  }
  const exchange = await fetch(`${session.base_url}/oauth/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: stranger.key_id,
      client_secret: stranger.secret,
    }).toString(),
  });
  assert.equal(exchange.status, 401);

  const stream = await openStream(session.base_url);
  const refused = await stream.request({ op: 'auth', token: strangerToken }, 'authenticated');
  assert.equal(refused.type, 'error');
  assert.match(refused.error?.message ?? '', /no replay session .* for this key's account/);

  // Nothing the stranger tried took effect, and the owner is served as before.
  const account = await api<{ positions: unknown[] }>(
    session.base_url,
    ownerToken,
    'GET',
    '/account',
  );
  assert.equal(account.status, 200);
  assert.deepEqual(account.body.positions, []);
  const own = await openStream(session.base_url, ownerToken);
  assert.equal((await own.subscribe({ channel: 'orders' })).type, 'subscribed');
});

test("a session's requests count against the key's request limit", async () => {
  const { call, token } = await tradingSandbox({ args: ['--key-rate-limit', '5'] });
  const session = (await call<Session>('POST', '/sandbox/sessions', twoHours)).body;
  let limited = 0;
  for (let round = 0; round < 5 && limited === 0; round++) {
    const answers = await Promise.all(
      Array.from({ length: 12 }, () => api(session.base_url, token, 'GET', '/account')),
    );
    for (const answer of answers) assert.ok([200, 429].includes(answer.status));
    limited = answers.filter((answer) => answer.status === 429).length;
  }
  assert.ok(limited > 0, 'twelve concurrent session requests never met the limit of 5 per second');
});

test('one account cannot take every replay session', async () => {
  const { sandbox, call } = await tradingSandbox({ args: ['--key-rate-limit', '1000'] });
  for (let index = 0; index < maxSessionsPerAccount; index++) {
    assert.equal((await call('POST', '/sandbox/sessions', twoHours)).status, 201);
  }
  const refused = await call<{ error: { message: string } }>('POST', '/sandbox/sessions', twoHours);
  assert.equal(refused.status, 409);
  assert.match(refused.body.error.message, new RegExp(`already runs ${maxSessionsPerAccount}`));
  const other = await createKey(sandbox, 'trade', 'new');
  const otherToken = await accessToken(sandbox.url, other);
  const theirs = await api(sandbox.url, otherToken, 'POST', '/sandbox/sessions', twoHours);
  assert.equal(theirs.status, 201);
});
