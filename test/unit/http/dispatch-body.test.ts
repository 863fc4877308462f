// The dispatcher reads a request's body last: after the route is known and the caller is let
// through (issue 21, item 9). A body nobody may send is never parsed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { routes } from '../../../api/routes';
import type { DispatchOutcome, DispatchRequest, Handlers } from '../../../sandbox/http/dispatch';
import { Dispatcher } from '../../../sandbox/http/dispatch';
import { RateLimiter } from '../../../sandbox/http/rate-limit';
import type { PendingBody } from '../../../sandbox/http/request';
import { TokenAuthority } from '../../../sandbox/service/tokens';

const now = Date.UTC(2024, 2, 6, 12);
// Tokens expire on the sandbox's market clock: here the same fixed instant.
const tokens = new TokenAuthority(Buffer.alloc(32, 7), undefined, () => now);
const tradeToken = tokens.issue(
  { keyId: 'key_t', accountId: 'acc_1', scope: 'trade' },
  now,
).accessToken;
const readToken = tokens.issue(
  { keyId: 'key_r', accountId: 'acc_1', scope: 'read' },
  now,
).accessToken;

function dispatcher(): Dispatcher {
  const handlers = Object.fromEntries(
    Object.keys(routes).map((operationId) => [
      operationId,
      () => ({ kind: 'json', status: 200, body: { ok: true } }),
    ]),
  ) as unknown as Handlers;
  return new Dispatcher({
    log: () => undefined,
    handlers,
    tokens,
    keys: {
      get: (keyId) => ({
        key_id: keyId,
        secret_hash: '',
        scope: 'trade',
        account_id: 'acc_1',
        label: null,
        created_at: 0,
      }),
      revoked: () => undefined,
    },
    adminTokenMatches: () => false,
    keyLimiter: new RateLimiter(1000),
    addressLimiter: new RateLimiter(1000),
    now: () => now,
  });
}

/** A body that records what the dispatcher asked of it. */
function recordingBody(parsed: unknown = { symbol: 'EURUSD' }) {
  const calls: string[] = [];
  const body: PendingBody = {
    parse: (allowForm) => {
      calls.push(allowForm ? 'parse form' : 'parse');
      return Promise.resolve(parsed);
    },
    isEmpty: () => {
      calls.push('isEmpty');
      return Promise.resolve(false);
    },
  };
  return { body, calls };
}

function request(
  method: string,
  path: string,
  authorization: string | undefined,
  pendingBody: PendingBody,
): DispatchRequest {
  return {
    method,
    path,
    queryString: '',
    authorization,
    idempotencyKey: undefined,
    accept: undefined,
    body: undefined,
    pendingBody,
    remoteAddress: '127.0.0.1',
    requestId: 'req_1',
    inBatch: false,
  };
}

async function status(answer: Promise<DispatchOutcome>): Promise<number> {
  const { result } = await answer;
  return result.kind === 'reset' ? 0 : result.status;
}

test('an unknown path, a wrong method, or a caller refused: answered without reading the body', async () => {
  const refusals: [string, string, string | undefined, number][] = [
    ['POST', '/no/such/endpoint', undefined, 404],
    ['PUT', '/orders', `Bearer ${tradeToken}`, 405],
    ['POST', '/orders', undefined, 401],
    ['POST', '/orders', 'Bearer tbat_forged.x', 401],
    ['POST', '/orders', `Bearer ${readToken}`, 403],
    ['POST', '/admin/keys', 'Bearer not-the-admin-token', 401],
  ];
  for (const [method, path, authorization, expected] of refusals) {
    const { body, calls } = recordingBody();
    const answer = dispatcher().dispatch(request(method, path, authorization, body));
    assert.equal(await status(answer), expected, `${method} ${path}`);
    assert.deepEqual(calls, [], `${method} ${path} read the body`);
  }
});

test('a route that takes no body only learns whether one was sent, and refuses it', async () => {
  const { body, calls } = recordingBody();
  const answer = await dispatcher().dispatch(
    request('GET', '/account', `Bearer ${readToken}`, body),
  );
  assert.equal(await status(Promise.resolve(answer)), 400);
  assert.match(JSON.stringify(answer.result), /takes no body/);
  assert.deepEqual(calls, ['isEmpty']);
});

test('a caller let through has the body parsed, as a form only for the token endpoint', async () => {
  const order = {
    symbol: 'EURUSD',
    action: 'buy',
    quantity: 1000,
    order_type: 'market',
    time_in_force: 'gtc',
  };
  const placed = recordingBody(order);
  const placedRequest = request('POST', '/orders', `Bearer ${tradeToken}`, placed.body);
  assert.equal(await status(dispatcher().dispatch(placedRequest)), 200);
  assert.deepEqual(placed.calls, ['parse']);
  // Handlers see the body as sent on the request as well (an idempotent replay compares it).
  assert.deepEqual(placedRequest.body, order);

  const token = recordingBody({
    grant_type: 'client_credentials',
    client_id: 'k',
    client_secret: 's',
  });
  await dispatcher().dispatch(request('POST', '/oauth/token', undefined, token.body));
  assert.deepEqual(token.calls, ['parse form']);
});
