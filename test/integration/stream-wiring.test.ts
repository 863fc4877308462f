// The WebSocket wiring over real sockets, with stand-in backends: routing of session streams,
// dropped connections by fault injection, the bound on a client's queue, and shutdown.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type {
  StreamBackend,
  StreamConnection,
  StreamPrincipal,
  StreamSink,
} from '../../sandbox/stream/backend';
import type { StreamServer } from '../../sandbox/stream/ws-server';
import { attachStreamServer } from '../../sandbox/stream/ws-server';
import { waitFor } from './harness';
import { closeAllStreams, openStream } from './stream-harness';

interface FakeBackend extends StreamBackend {
  sinks: StreamSink[];
  connected: StreamPrincipal[];
  /** The most bytes a flooded client had queued, seen after each send. */
  floodPeak: { bytes: number; sent: number };
}

/**
 * A backend whose tokens are key ids (`key_name`, or `key_name@ms` for a token that expires
 * that many ms from now), and whose `candles` subscription floods the client.
 */
function fakeBackend(name: string): FakeBackend {
  const sinks: StreamSink[] = [];
  const connected: StreamPrincipal[] = [];
  const floodPeak = { bytes: 0, sent: 0 };
  return {
    sinks,
    connected,
    floodPeak,
    authenticate: (token) => {
      if (!token.startsWith('key_')) return { refused: 'unknown token' };
      const [keyId, lifetime] = token.split('@');
      const expiresAt = lifetime === undefined ? Infinity : Date.now() + Number(lifetime);
      return { keyId, accountId: `acc_${name}`, scope: 'read', expiresAt };
    },
    connect(principal, sink): StreamConnection {
      sinks.push(sink);
      connected.push(principal);
      return {
        subscribe(request) {
          sink.system('subscribed', { channel: request.channel, backend: name });
          if (request.channel === 'candles') {
            const text = JSON.stringify({ channel: 'ticks', padding: 'x'.repeat(1000) });
            for (let index = 0; index < 50_000; index++) {
              sink.send(text);
              floodPeak.bytes = Math.max(floodPeak.bytes, sink.bufferedBytes);
              floodPeak.sent++;
            }
          }
        },
        unsubscribe: () => undefined,
        ack: () => sink.error('invalid_request', 'no acks here'),
        close: () => undefined,
      };
    },
    faultsFor: (principal) =>
      principal.keyId === 'key_drop' ? { stream_drop_after_ms: 50 } : undefined,
  };
}

describe('the stream wiring', () => {
  let server: Server;
  let streams: StreamServer;
  let url: string;
  const live = fakeBackend('live');
  const session = fakeBackend('session');

  before(async () => {
    server = createServer((_request, response) => response.end());
    streams = attachStreamServer(server, {
      live,
      sessionBackend: (id) => (id === 'ses_1' ? session : undefined),
      limits: { maxBufferedBytes: 256 * 1024, maxConnectionsPerKey: 4 },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    closeAllStreams();
    await streams.close();
    await new Promise((resolve) => server.close(resolve));
  });

  test("a session's stream reaches the session's backend", async () => {
    const stream = await openStream(`${url}/sessions/ses_1`, 'key_a');
    const answer = await stream.subscribe({ channel: 'orders' });
    assert.equal((answer.data as { backend: string }).backend, 'session');
    assert.equal(session.connected.at(-1)?.accountId, 'acc_session');
  });

  test('a connection whose token expires is told why and closed with 4401; a renewed one stays', async () => {
    const expiring = await openStream(url, 'key_expiring@300');
    const renewed = await openStream(url, 'key_renewed@300');
    const renewal = await renewed.request(
      { op: 'auth', token: 'key_renewed@600000' },
      'authenticated',
    );
    assert.equal(renewal.type, 'authenticated');
    const otherKey = await renewed.request({ op: 'auth', token: 'key_other' }, 'authenticated');
    assert.equal(otherKey.error?.code, 'forbidden');

    const closed = await expiring.closed;
    assert.equal(closed.code, 4401);
    const said = expiring.messages.find((message) => message.type === 'error');
    assert.match(said?.error?.message ?? '', /access token has expired/);
    // Well past the first token's end, the renewed connection is still served.
    assert.equal((await renewed.subscribe({ channel: 'orders' })).type, 'subscribed');
    assert.equal(live.connected.filter((p) => p.keyId === 'key_renewed').length, 1);
  });

  test('pings and acks are never rate limited; subscribes past 100 in a second are', async () => {
    const stream = await openStream(url, 'key_chatty');
    const from = stream.messages.length;
    for (let index = 0; index < 300; index++) stream.send({ op: 'ping' });
    await waitFor('300 pongs', () =>
      Promise.resolve(
        stream.messages.slice(from).filter((m) => m.type === 'pong').length === 300 || undefined,
      ),
    );
    // However the second boundaries fall, one second holds more than 100 of 250.
    for (let index = 0; index < 250; index++) {
      stream.send({ op: 'subscribe', channel: 'orders' });
    }
    const limited = await stream.next(
      'a rate_limited error',
      (m) => m.error?.code === 'rate_limited',
    );
    assert.match(limited.error?.message ?? '', /more than 100 subscribe/);
  });

  test('a key holds at most maxConnectionsPerKey connections, on any stream URL together', async () => {
    const held = [
      await openStream(url, 'key_many'),
      await openStream(url, 'key_many'),
      await openStream(`${url}/sessions/ses_1`, 'key_many'),
      await openStream(url, 'key_many'),
    ];
    for (const stream of held)
      assert.equal((await stream.request({ op: 'ping' }, 'pong')).type, 'pong');
    const fifth = await openStream(url, 'key_many');
    assert.equal((await fifth.closed).code, 4429);
    assert.match(
      fifth.messages.find((m) => m.type === 'error')?.error?.message ?? '',
      /already holds 4 stream connections/,
    );
    const other = await openStream(url, 'key_other_client');
    assert.equal((await other.request({ op: 'ping' }, 'pong')).type, 'pong');
    // A closed connection frees its place.
    held[0].close();
    await held[0].closed;
    await waitFor('a fifth connection to be let in', async () => {
      const again = await openStream(url, 'key_many');
      const answer = await Promise.race([again.request({ op: 'ping' }, 'pong'), again.closed]);
      return 'type' in answer && answer.type === 'pong' ? true : undefined;
    });
  });

  test('stream_drop_after_ms closes the connection with 1012 that long after auth', async () => {
    const dropped = await openStream(url, 'key_drop');
    const kept = await openStream(url, 'key_keep');
    assert.equal((await dropped.closed).code, 1012);
    assert.equal((await kept.request({ op: 'ping' }, 'pong')).type, 'pong');
  });

  test("a client's queue never grows far past the limit, however much is sent to it", async () => {
    const stream = await openStream(url, 'key_flood');
    const tcp = (stream.socket as unknown as { _socket: Socket })._socket;
    tcp.pause();
    stream.send({ op: 'subscribe', channel: 'candles', symbols: ['EURUSD'] });
    const closing = stream.closed;
    await waitFor('the flood to be sent', () =>
      Promise.resolve(live.floodPeak.sent === 50_000 ? true : undefined),
    );
    // 50 MB was sent at it; the wiring queued at most the limit plus the last message.
    assert.ok(live.floodPeak.bytes < 256 * 1024 + 2048, `${live.floodPeak.bytes} bytes queued`);
    tcp.resume();
    const closed = await closing;
    assert.equal(closed.code, 4429);
    assert.equal(stream.messages.at(-1)?.error?.code, 'slow_consumer');
  });

  test('shutdown closes every client with 1001', async () => {
    const other = createServer();
    const otherStreams = attachStreamServer(other, { live });
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    const stream = await openStream(
      `http://127.0.0.1:${(other.address() as AddressInfo).port}`,
      'key_a',
    );
    await stream.request({ op: 'ping' }, 'pong');
    await otherStreams.close();
    assert.equal((await stream.closed).code, 1001);
    await new Promise((resolve) => other.close(resolve));
  });
});
