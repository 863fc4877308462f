import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { SandboxProcess } from './harness';
import { accessToken, api, createKey, startSandboxProcess, stopAllSandboxes } from './harness';
import type { StreamMessage } from './stream-harness';
import { closeAllStreams, openStream } from './stream-harness';

after(async () => {
  closeAllStreams();
  await stopAllSandboxes();
});

interface TickData {
  t: number;
  bid: number;
  ask: number;
  symbol: string;
}
interface CandleData {
  t: number;
  o: number;
  h: number;
  l: number;
  c: number;
  v: number;
  symbol: string;
  interval: string;
}

describe('the ticks and candles channels', () => {
  let sandbox: SandboxProcess;
  let token: string;

  before(async () => {
    sandbox = await startSandboxProcess();
    token = await accessToken(sandbox.url, await createKey(sandbox, 'read'));
  });

  test('ticks flow for the subscribed symbols only, each one the feed has at its time', async () => {
    const stream = await openStream(sandbox.url, token);
    const subscribed = await stream.subscribe({ channel: 'ticks', symbols: ['EURUSD', 'USDJPY'] });
    assert.deepEqual((subscribed.data as { symbols: string[] }).symbols, ['EURUSD', 'USDJPY']);
    const isTick = (symbol: string) => (m: StreamMessage) =>
      m.channel === 'ticks' && (m.data as TickData).symbol === symbol;
    await stream.next('6 EURUSD ticks', () => stream.messages.filter(isTick('EURUSD')).length >= 6);
    await stream.next('a USDJPY tick', isTick('USDJPY'));
    const ticks = stream.messages.filter((m) => m.channel === 'ticks');
    assert.ok(ticks.every((m) => ['EURUSD', 'USDJPY'].includes((m.data as TickData).symbol)));
    assert.equal(stream.binaryFrames, 0, 'JSON comes as text frames');
    const eurusd = ticks.filter(isTick('EURUSD'));
    // Per symbol: seq rises by one, time never goes back, and the envelope's t is the tick's.
    for (let index = 1; index < eurusd.length; index++) {
      assert.equal(eurusd[index].seq, (eurusd[index - 1].seq ?? 0) + 1);
      assert.ok((eurusd[index].t ?? 0) > (eurusd[index - 1].t ?? 0));
    }
    const first = eurusd[0].data as TickData;
    const last = eurusd.at(-1)!.data as TickData;
    assert.equal(eurusd[0].t, first.t);
    // The stream shows exactly what history has for the same span.
    const history = await api<{ ticks: { t: number; bid: number; ask: number }[] }>(
      sandbox.url,
      token,
      'GET',
      `/market/historical?symbol=EURUSD&type=ticks&from=${first.t}&to=${last.t}`,
    );
    assert.equal(history.status, 200);
    assert.deepEqual(
      history.body.ticks,
      eurusd.map((m) => {
        const { t, bid, ask } = m.data as TickData;
        return { t, bid, ask };
      }),
    );
    // After unsubscribing, no more EURUSD ticks.
    const unsubscribed = await stream.request(
      { op: 'unsubscribe', channel: 'ticks', symbols: ['EURUSD'] },
      'unsubscribed',
    );
    assert.equal(unsubscribed.type, 'unsubscribed');
    const mark = stream.messages.length;
    await stream.next(
      '3 more USDJPY ticks',
      () => stream.messages.slice(mark).filter(isTick('USDJPY')).length >= 3,
    );
    assert.ok(!stream.messages.slice(mark).some(isTick('EURUSD')));
  });

  test('candles: updates of the forming candle, then a close equal to /market/candles', async () => {
    // Ten seconds before a minute boundary on a Wednesday: a 1m candle closes almost at once.
    const early = await startSandboxProcess({ now: '2024-03-06T11:59:50Z' });
    const earlyToken = await accessToken(early.url, await createKey(early, 'read'));
    const stream = await openStream(early.url, earlyToken);
    await stream.subscribe({ channel: 'candles', symbols: ['EURUSD'] });
    const update = await stream.next('a candle update', (m) => m.type === 'update');
    assert.equal((update.data as CandleData).interval, '1m');
    const close = await stream.next(
      'a candle close',
      (m) => m.channel === 'candles' && m.type === 'close',
      {
        timeoutMs: 75_000, // the next minute's, should startup have taken over ten seconds
      },
    );
    const candle = close.data as CandleData;
    assert.equal(close.t, candle.t + 60_000);
    const history = await api<{ candles: Omit<CandleData, 'symbol' | 'interval'>[] }>(
      early.url,
      earlyToken,
      'GET',
      `/market/candles?symbol=EURUSD&interval=1m&from=${candle.t}&to=${candle.t}`,
    );
    const { symbol, interval, ...bare } = candle;
    assert.equal(symbol, 'EURUSD');
    assert.equal(interval, '1m');
    assert.deepEqual(history.body.candles, [bare]);
    // The next candle's updates follow the close, for the next minute.
    const next = await stream.next('an update after the close', (m) => m.type === 'update', {
      from: stream.messages.indexOf(close) + 1,
    });
    assert.equal((next.data as CandleData).t, candle.t + 60_000);
  });
});
