import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import WebSocket from 'ws';
import type { SandboxProcess } from './harness';
import { accessToken, createKey, startSandboxProcess, stopAllSandboxes } from './harness';
import { closeAllStreams, openStream } from './stream-harness';

after(async () => {
  closeAllStreams();
  await stopAllSandboxes();
});

/** What the server answers to an upgrade it refuses: status and the API's error body. */
async function refusedUpgrade(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: { error: { code: string; message: string } } }> {
  const socket = new WebSocket(url, { headers });
  return new Promise((resolve, reject) => {
    socket.once('open', () => reject(new Error(`the upgrade to ${url} was accepted`)));
    socket.once('error', () => undefined);
    socket.once('unexpected-response', (_request, response: IncomingMessage) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString()));
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          body: JSON.parse(text) as { error: { code: string; message: string } },
        }),
      );
    });
  });
}

describe('stream authentication and bad messages', () => {
  let sandbox: SandboxProcess;
  let token: string;
  let wsUrl: string;

  before(async () => {
    sandbox = await startSandboxProcess({
      args: [
        '--stream-auth-timeout-ms',
        '1000',
        '--stream-silence-ms',
        '600',
        '--stream-heartbeat-ms',
        '100',
        '--stream-max-subscriptions',
        '3',
      ],
    });
    token = await accessToken(sandbox.url, await createKey(sandbox, 'read'));
    wsUrl = sandbox.url.replace(/^http/, 'ws');
  });

  test('a token in the Authorization header authenticates the upgrade', async () => {
    const stream = await openStream(sandbox.url, token);
    const hello = await stream.next('authenticated', (m) => m.type === 'authenticated');
    assert.equal(hello.channel, 'system');
    assert.equal((hello.data as { account_id: string }).account_id, 'acc_default');
    assert.equal((hello.data as { scope: string }).scope, 'read');
    assert.equal((await stream.request({ op: 'ping' }, 'pong')).type, 'pong');
  });

  test('a bad header token is refused with 401 in the error shape, with no upgrade', async () => {
    for (const header of [`Bearer ${token}x`, 'Bearer tbat_forged.mac', 'Basic abc']) {
      const answer = await refusedUpgrade(`${wsUrl}/stream`, { Authorization: header });
      assert.equal(answer.status, 401);
      assert.equal(answer.body.error.code, 'unauthorized');
      assert.ok(answer.body.error.message.length > 10);
    }
  });

  test('other paths and unknown sessions are refused with 404 in the error shape', async () => {
    for (const path of ['/streams', '/stream/x', '/sessions/ses_nope/stream', '/orders']) {
      const answer = await refusedUpgrade(`${wsUrl}${path}`);
      assert.equal(answer.status, 404, path);
      assert.equal(answer.body.error.code, 'not_found');
    }
  });

  test('a first message {"op":"auth"} authenticates; before it, other ops are unauthorized', async () => {
    const stream = await openStream(sandbox.url);
    const refused = await stream.request({ op: 'subscribe', channel: 'orders' }, 'error');
    assert.equal(refused.error?.code, 'unauthorized');
    const wrong = await stream.request({ op: 'auth', token: 'tbat_wrong' }, 'authenticated');
    assert.equal(wrong.error?.code, 'unauthorized');
    const hello = await stream.request({ op: 'auth', token }, 'authenticated');
    assert.equal(hello.type, 'authenticated');
    assert.equal((await stream.subscribe({ channel: 'orders' })).type, 'subscribed');
  });

  test('without authentication in time, an error and close code 4401', async () => {
    const stream = await openStream(sandbox.url);
    const closed = await stream.closed;
    assert.equal(closed.code, 4401);
    assert.ok(stream.messages.some((m) => m.type === 'error' && m.error?.code === 'unauthorized'));
  });

  test('bad messages are answered with invalid_request and the connection stays up', async () => {
    const stream = await openStream(sandbox.url, token);
    await stream.next('authenticated', (m) => m.type === 'authenticated');
    const cases: [unknown, RegExp][] = [
      ['{not json', /not JSON/],
      ['[1,2]', /JSON object/],
      [{ op: 'dance' }, /"op" must be one of/],
      [{ op: 'subscribe', channel: 'weather' }, /channel/],
      [{ op: 'subscribe', channel: 'ticks', symbols: ['eurusd'] }, /symbols\.0/],
      [{ op: 'subscribe', channel: 'ticks', symbols: ['NOPE'] }, /unknown symbol NOPE/],
      [{ op: 'subscribe', channel: 'ticks' }, /needs "symbols"/],
      [{ op: 'subscribe', channel: 'orders', since_seq: -1 }, /since_seq/],
      [{ op: 'ping', extra: 1 }, /extra/],
      [{ op: 'ack', seq: 1 }, /replay sessions/],
      ['x'.repeat(70_000), /limit is 65536 bytes/],
    ];
    for (const [message, pattern] of cases) {
      const answer = await stream.request(message, 'error');
      assert.equal(answer.type, 'error', JSON.stringify(message).slice(0, 80));
      assert.match(answer.error?.message ?? '', pattern);
    }
    const binary = stream.messages.length;
    stream.socket.send(Buffer.from([1, 2, 3]), { binary: true });
    const answer = await stream.next('error', (m) => m.type === 'error', { from: binary });
    assert.match(answer.error?.message ?? '', /binary frames/);
    assert.equal((await stream.request({ op: 'ping' }, 'pong')).type, 'pong');
  });

  test('a stream of garbage frames gets errors; the server keeps serving this and other clients', async () => {
    const stream = await openStream(sandbox.url, token);
    await stream.next('authenticated', (m) => m.type === 'authenticated');
    const bystander = await openStream(sandbox.url, token);
    await bystander.next('authenticated', (m) => m.type === 'authenticated');
    const frame = fc.oneof(
      fc.string({ maxLength: 200 }).map((text) => ({ text })),
      fc.json({ maxDepth: 3 }).map((text) => ({ text })),
      fc.uint8Array({ maxLength: 200 }).map((bytes) => ({ bytes })),
      fc
        .record(
          {
            op: fc.constantFrom('subscribe', 'unsubscribe', 'auth', 'ack', 'ping'),
            channel: fc.string(),
          },
          { requiredKeys: [] },
        )
        .map((object) => ({ text: JSON.stringify(object) })),
    );
    const frames = fc.sample(frame, 300);
    const from = stream.messages.length;
    for (const item of frames) {
      if ('bytes' in item) stream.socket.send(Buffer.from(item.bytes), { binary: true });
      else stream.socket.send(item.text);
    }
    // Every frame is answered, in order; a ping after them all proves the connection is up.
    stream.send({ op: 'ping' });
    await stream.next('the pong after the garbage', (m) => m.type === 'pong', {
      from: from + frames.length,
    });
    const answers = stream.messages.slice(from).filter((m) => m.type !== 'heartbeat');
    assert.equal(answers.length, frames.length + 1);
    assert.ok(answers.filter((m) => m.type === 'error').length > frames.length / 2);
    assert.equal((await bystander.request({ op: 'ping' }, 'pong')).type, 'pong');
    const fresh = await openStream(sandbox.url, token);
    assert.equal(
      (await fresh.next('authenticated', (m) => m.type === 'authenticated')).type,
      'authenticated',
    );
  });

  test('a connection may hold a bounded number of subscriptions', async () => {
    const stream = await openStream(sandbox.url, token);
    await stream.subscribe({ channel: 'orders' });
    await stream.subscribe({ channel: 'ticks', symbols: ['EURUSD', 'GBPUSD'] });
    const refused = await stream.request({ op: 'subscribe', channel: 'account' }, 'subscribed');
    assert.equal(refused.type, 'error');
    assert.match(refused.error?.message ?? '', /would hold 4 .* may hold 3/);
    // Resubscribing what it holds takes nothing more; unsubscribing frees room.
    await stream.subscribe({ channel: 'ticks', symbols: ['EURUSD'] });
    await stream.request(
      { op: 'unsubscribe', channel: 'ticks', symbols: ['GBPUSD'] },
      'unsubscribed',
    );
    assert.equal((await stream.subscribe({ channel: 'account' })).type, 'subscribed');
  });

  test('heartbeats arrive; a client that sends nothing (not even pongs) is dropped with 4408', async () => {
    const stream = await openStream(sandbox.url, token, { autoPong: false });
    const heartbeat = await stream.next('heartbeat', (m) => m.type === 'heartbeat');
    assert.equal(heartbeat.channel, 'system');
    const closed = await stream.closed;
    assert.equal(closed.code, 4408);
    assert.match(closed.reason, /nothing received/);
  });

  test('a client that answers pings stays connected past the silence limit', async () => {
    const stream = await openStream(sandbox.url, token);
    // Several silence periods' worth of heartbeats (ws answers the pings by itself).
    await stream.next(
      'the tenth heartbeat',
      () => stream.messages.filter((m) => m.type === 'heartbeat').length >= 10,
    );
    assert.equal(stream.socket.readyState, WebSocket.OPEN);
  });

  test('malformed upgrade requests get an error answer and never crash the server', async () => {
    const raw = (request: string) =>
      new Promise<string>((resolve) => {
        const socket = connect(Number(new URL(sandbox.url).port), '127.0.0.1');
        let answer = '';
        socket.on('data', (chunk) => (answer += chunk.toString()));
        socket.on('close', () => resolve(answer));
        socket.on('error', () => resolve(answer));
        socket.write(request);
      });
    const noKey = await raw(
      'GET /stream HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
    assert.match(noKey, /^HTTP\/1\.1 400/);
    assert.match(noKey, /"code":"invalid_request"/);
    const notWebSocket = await raw(
      'GET /stream HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n',
    );
    assert.match(notWebSocket, /^HTTP\/1\.1 400/);
    const badPercent = await raw(
      'GET /sessions/%E0%A4%A/stream HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n',
    );
    assert.match(badPercent, /^HTTP\/1\.1 404/);
    const stream = await openStream(sandbox.url, token);
    assert.equal(
      (await stream.next('authenticated', (m) => m.type === 'authenticated')).type,
      'authenticated',
    );
  });
});
