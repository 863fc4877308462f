import type { HttpAnswer, HttpRequest, Transport } from '../../../sdk/node/src/transport';
import { NetworkError } from '../../../sdk/node/src/errors';

export interface Scripted {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Throw a network error instead of answering (the request may have reached the server). */
  network?: boolean;
  /** Throw a refused connection's network error: the request never left. */
  refused?: boolean;
  /** Advance the fake clock by this much while "in flight". */
  takesMs?: number;
}

/** A transport that answers from a script per path and records every request it was sent. */
export class FakeApi {
  readonly requests: HttpRequest[] = [];
  private readonly scripts = new Map<string, Scripted[]>();
  now = 1_700_000_000_000;

  /** Answers for `METHOD /path` in turn; the last one repeats. */
  on(route: string, ...answers: Scripted[]): this {
    this.scripts.set(route, answers);
    return this;
  }

  readonly transport: Transport = (request) => {
    this.requests.push(request);
    const route = `${request.method} ${new URL(request.url).pathname}`;
    const script = this.scripts.get(route);
    if (script === undefined) throw new Error(`no scripted answer for ${route}`);
    const answer = script.length > 1 ? script.shift()! : script[0];
    this.now += answer.takesMs ?? 1;
    if (answer.network) return Promise.reject(new NetworkError(`connection reset (${route})`));
    if (answer.refused) {
      const cause = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
      return Promise.reject(new NetworkError(`refused (${route})`, { cause }));
    }
    const headers = Object.fromEntries(
      Object.entries({ 'x-request-id': 'req_1', ...answer.headers }).map(([k, v]) => [
        k.toLowerCase(),
        v,
      ]),
    );
    const result: HttpAnswer = {
      status: answer.status ?? 200,
      header: (name) => headers[name] ?? null,
      text: answer.body === undefined ? '' : JSON.stringify(answer.body),
    };
    return Promise.resolve(result);
  };

  sent(route: string): HttpRequest[] {
    return this.requests.filter(
      (request) => `${request.method} ${new URL(request.url).pathname}` === route,
    );
  }
}

export const tokenAnswer = (token = 'tok_1', expiresIn = 3600): Scripted => ({
  body: {
    access_token: token,
    token_type: 'Bearer',
    expires_in: expiresIn,
    refresh_token: `refresh_${token}`,
    scope: 'trade',
  },
});

export const order = (overrides: Record<string, unknown> = {}) => ({
  id: 'ord_1',
  client_order_id: null,
  symbol: 'EURUSD',
  action: 'buy',
  quantity: 1000,
  filled_quantity: 1000,
  order_type: 'market',
  limit_price: null,
  stop_loss: null,
  take_profit: null,
  time_in_force: 'gtc',
  status: 'filled',
  avg_fill_price: 1.1,
  fills: [{ id: 'fil_1', price: 1.1, quantity: 1000, fee: 0.02, t: 1 }],
  created_at: 1,
  updated_at: 1,
  parent_order_id: null,
  trigger: null,
  ...overrides,
});

export const errorBody = (code: string, message: string) => ({
  error: { code, message, details: [], request_id: 'req_e' },
});

export const orderRequest = {
  symbol: 'EURUSD',
  action: 'buy',
  quantity: 1000,
  order_type: 'market',
  time_in_force: 'gtc',
} as const;
