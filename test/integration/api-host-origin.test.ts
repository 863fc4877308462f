// Issue 21, item 11: a page that rebinds its own name to 127.0.0.1 (DNS rebinding) is refused
// by the Host check, and a page from another origin may not open the stream. Clients that are
// not browsers (no Origin; HTTP/1.0 tools without a Host) are served as before.
import { streamUrlFor } from '../../api/script-environment';
import assert from 'node:assert/strict';
import { lookup } from 'node:dns/promises';
import type { IncomingMessage } from 'node:http';
import { hostname } from 'node:os';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { assertErrorShape, keepAlive, rawRequest } from './fixtures/robust-http';
import { exchange, parseResponses } from './fixtures/robust-socket';
import type { SandboxProcess } from './harness';
import {
  accessToken,
  api,
  createKey,
  marketBuy,
  startSandboxProcess,
  stopAllSandboxes,
} from './harness';
import { closeAllStreams, openStream } from './stream-harness';

after(async () => {
  closeAllStreams();
  keepAlive.destroy();
  await stopAllSandboxes();
});

/** What the server answers to an upgrade it refuses: status and the API's error body. */
function refusedUpgrade(
  url: string,
  options: WebSocket.ClientOptions,
): Promise<{ status: number; text: string; requestId: string }> {
  const socket = new WebSocket(url, options);
  return new Promise((resolve, reject) => {
    socket.once('open', () => {
      socket.terminate();
      reject(new Error(`the upgrade to ${url} was accepted`));
    });
    socket.once('error', () => undefined);
    socket.once('unexpected-response', (_request, response: IncomingMessage) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString()));
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          text,
          requestId: String(response.headers['x-request-id']),
        }),
      );
    });
  });
}

describe('a sandbox bound to 127.0.0.1', () => {
  let sandbox: SandboxProcess;
  let token: string;
  let port: string;

  before(async () => {
    sandbox = await startSandboxProcess();
    token = await accessToken(sandbox.url, await createKey(sandbox, 'trade', 'new'));
    port = new URL(sandbox.url).port;
  });

  test('a request for another host is refused with 403 in the error shape, before routing', async () => {
    for (const [method, path] of [
      ['GET', '/health'],
      ['GET', '/account'],
      ['GET', '/no/such/endpoint'],
      ['POST', '/orders'],
    ]) {
      for (const host of [
        'evil.example',
        `evil.example:${port}`,
        `localhost.evil.example:${port}`,
      ]) {
        const answer = await rawRequest(sandbox.url, {
          method,
          path,
          headers: {
            Host: host,
            Authorization: `Bearer ${token}`,
            'Content-Type': 'application/json',
          },
          ...(method === 'POST' && { body: JSON.stringify(marketBuy()) }),
        });
        const context = `${method} ${path} Host: ${host}`;
        assert.equal(answer.status, 403, context);
        const { error } = assertErrorShape(answer, context);
        assert.equal(error.code, 'forbidden', context);
        assert.match(error.message, /127\.0\.0\.1/, context);
        assert.ok(answer.headers['x-ratelimit-limit'] !== undefined, `${context}: rate headers`);
      }
    }
    // The order sent with a foreign Host was not placed.
    const orders = await api<{ orders: unknown[] }>(
      sandbox.url,
      token,
      'GET',
      '/orders?status=all',
    );
    assert.deepEqual(orders.body.orders, []);
  });

  test('loopback names with the port, and no Host at all, are served', async () => {
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, 'localhost']) {
      const health = await rawRequest(sandbox.url, {
        method: 'GET',
        path: '/health',
        headers: { Host: host },
      });
      assert.equal(health.status, 200, `Host: ${host}`);
      const account = await rawRequest(sandbox.url, {
        method: 'GET',
        path: '/account',
        headers: { Host: host, Authorization: `Bearer ${token}` },
      });
      assert.equal(account.status, 200, `Host: ${host}`);
    }
    // HTTP/1.0 clients may send no Host header.
    const bare = await exchange(sandbox.url, ['GET /health HTTP/1.0\r\n\r\n']);
    assert.equal(parseResponses(bare.data)[0]?.status, 200);
  });

  test('a stream upgrade from a foreign page is refused with 403; a local page, a webview or no Origin connect', async () => {
    const wsUrl = streamUrlFor(sandbox.url);
    for (const options of [
      { origin: 'http://evil.example' },
      { origin: `http://evil.example:${port}` },
      { origin: 'null' },
      { headers: { Host: `evil.example:${port}` } },
    ]) {
      const refused = await refusedUpgrade(wsUrl, {
        ...options,
        headers: { ...('headers' in options && options.headers), Authorization: `Bearer ${token}` },
      });
      const context = JSON.stringify(options);
      assert.equal(refused.status, 403, context);
      const { error } = assertErrorShape(
        {
          status: refused.status,
          headers: { 'x-request-id': refused.requestId },
          text: refused.text,
        },
        context,
      );
      assert.equal(error.code, 'forbidden', context);
    }
    const sessionStream = `${sandbox.url.replace(/^http/, 'ws')}/sessions/ses_none/stream`;
    const session = await refusedUpgrade(sessionStream, { origin: 'http://evil.example' });
    assert.ok([403, 404].includes(session.status), `session stream: ${session.status}`);

    for (const origin of [
      'http://localhost:1234',
      `http://127.0.0.1:${port}`,
      'vscode-webview://0a1b2c3d4e5f',
      undefined,
    ]) {
      const stream = await openStream(sandbox.url, token, origin === undefined ? {} : { origin });
      const authenticated = await stream.next('authenticated', (m) => m.type === 'authenticated');
      assert.equal(authenticated.type, 'authenticated', `Origin: ${origin}`);
      stream.close();
    }
  });
});

/** The machine's own name, when it resolves to a loopback address (as on most Linux hosts). */
async function loopbackHostname(): Promise<string | undefined> {
  try {
    const { address } = await lookup(hostname(), { family: 4 });
    return address.startsWith('127.') ? hostname() : undefined;
  } catch {
    return undefined;
  }
}

const ownName = await loopbackHostname();

describe(
  'a sandbox bound with --host to a name',
  { skip: ownName === undefined && 'this machine has no name that resolves to 127.x.y.z' },
  () => {
    let sandbox: SandboxProcess;
    let port: string;

    before(async () => {
      sandbox = await startSandboxProcess({ args: ['--host', ownName!] });
      port = new URL(sandbox.url).port;
    });

    test('serves that name as well as the loopback ones, and refuses others', async () => {
      for (const host of [`${ownName!}:${port}`, `127.0.0.1:${port}`, `localhost:${port}`]) {
        const answer = await rawRequest(sandbox.url, {
          method: 'GET',
          path: '/health',
          headers: { Host: host },
        });
        assert.equal(answer.status, 200, `Host: ${host}`);
      }
      const foreign = await rawRequest(sandbox.url, {
        method: 'GET',
        path: '/health',
        headers: { Host: `evil.example:${port}` },
      });
      assert.equal(foreign.status, 403);
      assert.match(
        assertErrorShape(foreign, 'foreign host').error.message,
        new RegExp(ownName!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')),
      );
    });
  },
);
