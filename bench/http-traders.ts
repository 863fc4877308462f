// Accounts, keys and tokens for the HTTP benchmark, and the POST /orders request stream that
// autocannon sends: a unique Idempotency-Key per request, tokens rotated over the accounts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type autocannon from 'autocannon';
import type { Key } from '../test/integration/harness';
import { accessToken } from '../test/integration/harness';

export interface Trader {
  accountId: string;
  token: string;
}

/**
 * Opens `count` new accounts with a trade key each, through POST /admin/keys: the same call
 * `tbm keys create --account new` makes, without spawning a process per key.
 */
export async function openTraders(url: string, dataDir: string, count: number): Promise<Trader[]> {
  const adminToken = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
  const traders: Trader[] = [];
  for (let index = 0; index < count; index++) {
    const response = await fetch(`${url}/admin/keys`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${adminToken}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ scope: 'trade', account: 'new', label: `bench ${index}` }),
    });
    if (response.status !== 201) {
      throw new Error(
        `creating bench key ${index} failed: ${response.status} ${await response.text()}`,
      );
    }
    const key = (await response.json()) as Key;
    traders.push({ accountId: key.account_id, token: await accessToken(url, key) });
  }
  return traders;
}

function marketOrder(action: 'buy' | 'sell'): string {
  return JSON.stringify({
    symbol: 'EURUSD',
    action,
    quantity: 1000,
    order_type: 'market',
    time_in_force: 'gtc',
  });
}

/**
 * Market orders spread over the traders in turn. Each account alternates buy and sell on its
 * own turns, so its position stays within one lot and margin never refuses an order.
 */
export function orderRequests(traders: readonly Trader[], runId: string): autocannon.Request[] {
  const bodies = { buy: marketOrder('buy'), sell: marketOrder('sell') };
  let sent = 0;
  return [
    {
      method: 'POST',
      path: '/orders',
      setupRequest: (request) => {
        const sequence = sent++;
        const trader = traders[sequence % traders.length];
        const turn = Math.floor(sequence / traders.length);
        return {
          ...request,
          headers: {
            authorization: `Bearer ${trader.token}`,
            'content-type': 'application/json',
            'idempotency-key': `${runId}-${sequence}`,
          },
          body: turn % 2 === 0 ? bodies.buy : bodies.sell,
        };
      },
    },
  ];
}
