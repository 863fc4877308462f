import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { after, test } from 'node:test';
import {
  accessToken,
  api,
  createKey,
  startSandboxProcess,
  stopAllSandboxes,
  waitFor,
} from './harness';
import { closeAllStreams, openStream } from './stream-harness';

after(async () => {
  closeAllStreams();
  await stopAllSandboxes();
});

test('a client that stops reading gets slow_consumer and is closed; the server serves on', async () => {
  const sandbox = await startSandboxProcess({ args: ['--stream-buffer-bytes', '65536'] });
  const token = await accessToken(sandbox.url, await createKey(sandbox, 'read'));
  const market = await api<{ instruments: { symbol: string }[] }>(
    sandbox.url,
    token,
    'GET',
    '/market',
  );
  const symbols = market.body.instruments.map((instrument) => instrument.symbol).slice(0, 500);

  const slow = await openStream(sandbox.url, token);
  const bystander = await openStream(sandbox.url, token);
  await bystander.subscribe({ channel: 'ticks', symbols: ['EURUSD'] });
  // ws keeps its TCP socket private; pausing it is what a client too busy to read looks like.
  const tcp = (slow.socket as unknown as { _socket: Socket })._socket;
  tcp.pause();
  // Each subscribe is answered with its 500 symbols (~5 KB), and a connection is answered at
  // most 100 of them a second. Sent at that pace until the server gives up, they outgrow the
  // kernel's buffers and the 64 KiB limit while the client reads nothing, whatever the hour:
  // ticks, which only open markets send, are not counted on.
  const request = JSON.stringify({ op: 'subscribe', channel: 'ticks', symbols });
  const dropped = () => /dropped a slow consumer/.test(sandbox.stderr());
  const pace = setInterval(() => {
    if (dropped()) return;
    for (let index = 0; index < 10; index++) slow.send(request);
  }, 100);
  try {
    await waitFor(
      'the slow consumer to be dropped',
      () => Promise.resolve(dropped() ? true : undefined),
      { timeoutMs: 90_000 },
    );
  } finally {
    clearInterval(pace);
  }
  tcp.resume();
  const closed = await slow.closed;
  assert.equal(closed.code, 4429);
  const last = slow.messages.at(-1);
  assert.equal(last?.type, 'error');
  assert.equal(last?.error?.code, 'slow_consumer');
  assert.match(last?.error?.message ?? '', /read too slowly/);
  // Bounded: the server held at most the limit and the one message that passed it.
  const unread = Number(
    /dropped a slow consumer \(.*, (\d+) bytes unread\)/.exec(sandbox.stderr())?.[1],
  );
  assert.ok(unread > 65_536 && unread < 65_536 + 16_384, `${unread} bytes were held for it`);

  // The other client and new ones are served as before.
  assert.equal((await bystander.request({ op: 'ping' }, 'pong')).type, 'pong');
  const fresh = await openStream(sandbox.url, token);
  assert.equal((await fresh.request({ op: 'ping' }, 'pong')).type, 'pong');
});
