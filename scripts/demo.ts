// `npm start`: starts the embedded sandbox and trades on it over HTTP, as a strategy script would.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Account } from '../api/account';
import type { CreatedKey } from '../api/admin';
import type { Candle, Instrument, Quote } from '../api/market';
import type { Order } from '../api/orders';
import { isOpen, lastOpenInstantAtOrBefore } from '../sandbox/market/hours';
import { instrumentBySymbol } from '../sandbox/market/instruments';
import { dataFiles } from '../sandbox/service/data-dir';
import { startSandbox } from '../sandbox/service/start';

const symbol = 'EURUSD';

/** The real clock when EURUSD trades now; otherwise the last hour before it closed. */
function demoStart(): { startAt?: number; note: string } {
  const instrument = instrumentBySymbol(symbol) as Instrument;
  const now = Date.now();
  if (isOpen(instrument, now)) return { note: 'market clock: now' };
  const lastOpen = lastOpenInstantAtOrBefore(instrument, now) ?? now;
  const startAt = lastOpen - 3600_000;
  return {
    startAt,
    note: `${symbol} is closed now; the market clock starts at ${new Date(startAt).toISOString()}`,
  };
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'timber-demo-'));
  const { startAt, note } = demoStart();
  const running = await startSandbox({
    port: 0,
    host: '127.0.0.1',
    dataDir,
    ...(startAt !== undefined && { startAt }),
    keyRateLimit: 10_000,
    orderRateLimit: 100,
    log: (line) => console.error(line),
  });
  const { url } = running;
  console.log(`Timber sandbox on ${url} (${note})\n`);
  try {
    const adminToken = readFileSync(join(dataDir, dataFiles.adminToken), 'utf8').trim();
    const key = await call<CreatedKey>(url, adminToken, 'POST', '/admin/keys', { scope: 'trade' });
    const token = await call<{ access_token: string }>(url, null, 'POST', '/oauth/token', {
      grant_type: 'client_credentials',
      client_id: key.key_id,
      client_secret: key.secret,
    });
    const bearer = token.access_token;
    console.log(`1. key ${key.key_id} (scope ${key.scope}) exchanged for a bearer token`);

    const { instruments } = await call<{ instruments: Instrument[] }>(
      url,
      bearer,
      'GET',
      '/market',
    );
    const counts = new Map<string, number>();
    for (const instrument of instruments)
      counts.set(instrument.kind, (counts.get(instrument.kind) ?? 0) + 1);
    const kinds = [...counts].map(([kind, count]) => `${count} ${kind}`);
    console.log(`2. ${instruments.length} instruments: ${kinds.join(', ')}`);

    const { candles } = await call<{ candles: Candle[] }>(
      url,
      bearer,
      'GET',
      `/market/candles?symbol=${symbol}&interval=1m&limit=5`,
    );
    console.log(`3. last ${candles.length} one-minute ${symbol} candles:`);
    for (const c of candles)
      console.log(
        `     ${new Date(c.t).toISOString().slice(11, 16)}  o ${c.o}  h ${c.h}  l ${c.l}  c ${c.c}  ticks ${c.v}`,
      );

    const { quotes } = await call<{ quotes: Quote[] }>(
      url,
      bearer,
      'GET',
      `/market/quotes?symbols=${symbol}`,
    );
    const quote = quotes[0];
    console.log(`4. ${symbol} bid ${quote.bid} ask ${quote.ask}`);

    const pip = 0.0001;
    const entry = await call<Order>(
      url,
      bearer,
      'POST',
      '/orders',
      {
        symbol,
        action: 'buy',
        quantity: 10_000,
        order_type: 'market',
        time_in_force: 'gtc',
        stop_loss: round(quote.bid - 20 * pip),
        take_profit: round(quote.ask + 20 * pip),
      },
      { 'Idempotency-Key': `demo-entry-${Date.now()}` },
    );
    console.log(
      `5. market buy 10,000 ${symbol}: ${entry.status} at ${entry.avg_fill_price}, stop ${entry.stop_loss}, target ${entry.take_profit}`,
    );

    const limit = await call<Order>(url, bearer, 'POST', '/orders', {
      symbol,
      action: 'buy',
      quantity: 5_000,
      order_type: 'limit',
      limit_price: round(quote.bid - 50 * pip),
      time_in_force: 'day',
    });
    console.log(`6. limit buy 5,000 at ${limit.limit_price}: ${limit.status}`);

    const account = await call<Account>(url, bearer, 'GET', '/account');
    console.log(
      `7. account: balance ${account.balance} USD, equity ${account.equity}, margin used ${account.margin_used}`,
    );
    for (const p of account.positions)
      console.log(
        `     ${p.symbol} ${p.quantity} @ ${p.avg_price}, now ${p.market_price}, P&L ${p.unrealized_pnl}`,
      );

    const cancelled = await call<Order>(url, bearer, 'DELETE', `/orders/${limit.id}`);
    console.log(`8. cancelled ${cancelled.id}: ${cancelled.status}`);

    const { orders } = await call<{ orders: Order[] }>(url, bearer, 'GET', '/orders?status=all');
    console.log(
      `9. ${orders.length} orders on the account: ${orders.map((o) => `${o.id} ${o.status}`).join(', ')}`,
    );
    console.log(`\nAPI reference: ${url}/openapi.json (while the sandbox runs). Done.`);
  } finally {
    await running.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function round(price: number): number {
  return Number(price.toFixed(5));
}

async function call<T>(
  url: string,
  bearer: string | null,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<T> {
  const response = await fetch(url + path, {
    method,
    headers: {
      ...(bearer && { Authorization: `Bearer ${bearer}` }),
      ...(body !== undefined && { 'Content-Type': 'application/json' }),
      ...headers,
    },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
  return JSON.parse(text) as T;
}

await main().catch((error: unknown) => {
  console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
