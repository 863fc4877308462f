import type { Account } from '../api/account';
import type { Order } from '../api/orders';
import type { RunFill } from '../api/run-events';
import type { OrderEventType, ServerMessage } from '../api/stream';
import type { TimberClient } from '../sdk/node/src/client';
import { StreamClient } from '../sdk/node/src/stream';

export interface AccountWatchOptions {
  /** The account's stream: `/stream`, or a replay session's. */
  streamUrl: string;
  /** Its tokens (renewed as they expire, so a day-long run keeps its stream). */
  client: TimberClient;
  onOrder: (change: OrderEventType, order: Order) => void;
  onFill: (fill: RunFill) => void;
  onAccount: (account: Account) => void;
  /** Connection trouble, in words; the watch reconnects and resumes by itself. */
  onProblem: (problem: string) => void;
}

export interface AccountWatch {
  /**
   * Resolves true once the server confirmed both subscriptions (every event after this point
   * reaches the watch), or false after `timeoutMs` without that.
   */
  positioned(timeoutMs: number): Promise<boolean>;
  /**
   * Resolves once the server answered a ping sent now (or after `timeoutMs`): the local sandbox
   * sends an account's events in commit order before the answer, so what the script did before
   * it ended has then arrived.
   */
  settle(timeoutMs: number): Promise<void>;
  close(): void;
}

/**
 * Follows an account's orders, fills and balance from the stream while a script runs, so a run
 * records them as they happen. Resumes by `since_seq` after a drop: nothing is missed or doubled.
 */
export function watchAccount(options: AccountWatchOptions): AccountWatch {
  const pongWaiters: (() => void)[] = [];
  const stream = new StreamClient({
    url: options.streamUrl,
    token: (forceRenew) => options.client.accessToken(forceRenew),
    onMessage: (message) => {
      if ('channel' in message && message.channel === 'system' && message.type === 'pong')
        for (const done of pongWaiters.splice(0)) done();
      else deliver(message, options);
    },
    onProblem: options.onProblem,
  });
  stream.subscribeAccount('orders');
  stream.subscribeAccount('account');
  const started = stream.start();
  // A refused first connection is retried by the client; it is reported through onProblem.
  started.catch(() => {});
  return {
    positioned: (timeoutMs) =>
      Promise.race([
        started.then(() => stream.positioned()).then(() => true),
        new Promise<boolean>((done) => setTimeout(() => done(false), timeoutMs).unref()),
      ]).catch(() => false),
    settle: (timeoutMs) =>
      new Promise<void>((done) => {
        if (!stream.send({ op: 'ping' })) return done();
        pongWaiters.push(done);
        setTimeout(done, timeoutMs).unref();
      }),
    close: () => stream.close(),
  };
}

function deliver(message: ServerMessage, options: AccountWatchOptions): void {
  if (!('channel' in message)) return;
  if (message.channel === 'orders') {
    const { order, fill } = message.data;
    options.onOrder(message.type, order);
    if (fill !== undefined)
      options.onFill({
        ...fill,
        order_id: order.id,
        symbol: order.symbol,
        action: order.action,
        realized_pnl: null,
      });
  } else if (message.channel === 'account') {
    options.onAccount(message.data);
  }
}
