// The Python SDK's fault soak, shared by its integration test (short, asserting) and by
// `npm run bench -- soak-python` (long, printing): soak_flipper.py flips its position on a real
// sandbox under faults before and after commit, and what it was told of each order is compared
// with what the account holds.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Account } from '../../api/account';
import type { FaultConfig } from '../../api/faults';
import type { Order } from '../../api/orders';
import { accessToken, api, createKey, waitFor } from './harness';
import type { SandboxProcess } from './harness';
import { pythonScripts, runPython, timberEnv } from './sdk-python-process';

export interface SoakOptions {
  sandbox: SandboxProcess;
  /** Folder for the strategy config. */
  folder: string;
  seconds: number;
  flipEveryMs: number;
  faults: FaultConfig;
  /** The strategy's risk settings (its circuit breaker). */
  risk?: Record<string, number>;
}

export interface SoakCounts {
  /** Orders the strategy asked for. */
  intents: number;
  /** Reported placed, and how many of those the account holds under the id it was told. */
  placed: number;
  /** Refused by the open breaker without a request. */
  skipped: number;
  /** Refused by the server (it said so). */
  refused: number;
  /** Reported as maybe placed (OrderOutcomeUnknownError): honest, but unsettled. */
  unknown: number;
  /** The account's orders of this run. */
  onAccount: number;
  /** Orders on the account beyond one per intent (an intent sent twice under two ids). */
  duplicates: number;
  /** Reported placed, but not on the account under that id. */
  lost: number;
  /** Reported skipped or refused, yet on the account. */
  reportedWrongly: number;
  /** The same client_order_id given to two intents. */
  reusedIds: number;
  /** The account's position minus the script's (from its order events). */
  positionDifference: number;
  /** The account's position minus what the script was told (placed orders' fills). */
  toldDifference: number;
  retries: number;
  lookups: number;
  breakerOpened: number;
  streamReconnects: number;
}

/** Faults before commit (503, 429, latency), after commit (503, reset, late) and stream drops. */
export function soakFaults(seed: number): FaultConfig {
  return {
    error_rate: 0.08,
    rate_limit_rate: 0.03,
    retry_after_s: 1,
    latency_ms: { min: 0, max: 120 },
    after_commit: { error_rate: 0.2, reset_rate: 0.2, delay_ms: 20 },
    stream_drop_after_ms: 4000,
    seed,
  };
}

const intentLine =
  /^INTENT (PLACED|SKIPPED|UNKNOWN|REFUSED) (\S+) (\S+) (\S+)(?: (\S+))?(?: (\S+))?/;

/** Runs the soak on a fresh account and counts what the script was told against the account. */
export async function runSoak(options: SoakOptions): Promise<SoakCounts> {
  const { sandbox } = options;
  const key = await createKey(sandbox, 'trade', 'new');
  // A second key of the account sets the faults and reads the truth, untouched by the faults.
  const control = await createKey(sandbox, 'trade', key.account_id);
  const token = await accessToken(sandbox.url, control);
  const setFaults = async (faults: FaultConfig) => {
    const answer = await api(sandbox.url, token, 'PUT', '/sandbox/faults', {
      key_id: key.key_id,
      ...faults,
    });
    if (answer.status !== 200) throw new Error(`setting faults: ${JSON.stringify(answer.body)}`);
  };
  const config = join(options.folder, `soak-${key.key_id}.json`);
  writeFileSync(
    config,
    JSON.stringify({
      name: 'soak',
      // It trades the first; the others' ticks wake it up more often than one symbol's would.
      symbols: ['EURUSD', 'GBPUSD', 'USDJPY', 'AUDUSD', 'USDCHF', 'USDCAD', 'EURGBP', 'EURJPY'],
      params: { seconds: options.seconds, flip_every_ms: options.flipEveryMs, quantity: 1000 },
      risk: {
        max_orders_per_minute: 6000,
        circuit_breaker_latency_ms: 110,
        circuit_breaker_failures: 3,
        circuit_breaker_cooldown_ms: 1000,
        ...options.risk,
      },
    }),
  );
  await setFaults(options.faults);
  const run = runPython(join(pythonScripts, 'soak_flipper.py'), {
    ...timberEnv(sandbox.url, key),
    TIMBER_STRATEGY_CONFIG: config,
  });
  try {
    await run.waitForLine(/^DONE intents=\d+$/, (options.seconds + 120) * 1000);
    await setFaults({});
    // The script's position comes from order events: wait for it to say the account's, and
    // count a difference only if it never does.
    const accountPosition = await positionOf(sandbox.url, token);
    const scriptPosition = () => {
      const said = run.lines.filter((line) => line.startsWith('POSITION '));
      return said.length === 0 ? undefined : Number(said.at(-1)!.split(' ')[1]);
    };
    await waitFor('the script to report the account position', () =>
      Promise.resolve(scriptPosition() === accountPosition ? true : undefined),
    ).catch(() => undefined);
    const outcome = await run.stop('SIGINT');
    if (outcome.code !== 0) {
      throw new Error(`the soak script exited ${outcome.code}:\n${run.stderr()}`);
    }
    const counts = count(run.lines, await ordersOf(sandbox.url, token), {
      account: accountPosition,
      script: scriptPosition() ?? Number.NaN,
    });
    counts.streamReconnects = (run.stderr().match(/stream: reconnected/g) ?? []).length;
    return counts;
  } finally {
    await run.stop('SIGKILL');
  }
}

function count(
  lines: string[],
  orders: Order[],
  position: { account: number; script: number },
): SoakCounts {
  const byClientId = new Map<string, Order[]>();
  for (const order of orders) {
    if (order.client_order_id === null) continue;
    byClientId.set(order.client_order_id, [
      ...(byClientId.get(order.client_order_id) ?? []),
      order,
    ]);
  }
  const counts: SoakCounts = {
    intents: 0,
    placed: 0,
    skipped: 0,
    refused: 0,
    unknown: 0,
    onAccount: orders.length,
    duplicates: 0,
    lost: 0,
    reportedWrongly: 0,
    reusedIds: 0,
    positionDifference: position.account - position.script,
    toldDifference: 0,
    retries: lines.filter((line) => / retrying /.test(line)).length,
    lookups: lines.filter((line) => / looking up order /.test(line)).length,
    breakerOpened: lines.filter((line) => / trading paused: /.test(line)).length,
    streamReconnects: 0,
  };
  const seen = new Set<string>();
  let told = 0;
  let unknownFilled = 0;
  for (const line of lines) {
    const match = intentLine.exec(line);
    if (match === null) continue;
    const [, outcome, clientId, action, , orderId, filled] = match;
    counts.intents++;
    if (seen.has(clientId)) counts.reusedIds++;
    seen.add(clientId);
    const held = byClientId.get(clientId) ?? [];
    const signed = (order: Order) =>
      order.action === 'buy' ? order.filled_quantity : -order.filled_quantity;
    if (outcome === 'PLACED') {
      counts.placed++;
      if (!held.some((order) => order.id === orderId)) counts.lost++;
      told += (action === 'buy' ? 1 : -1) * Number(filled);
    } else if (outcome === 'UNKNOWN') {
      counts.unknown++;
      unknownFilled += held.reduce((sum, order) => sum + signed(order), 0);
    } else {
      if (outcome === 'SKIPPED') counts.skipped++;
      else counts.refused++;
      if (held.length > 0) counts.reportedWrongly++;
    }
  }
  for (const [clientId, held] of byClientId) {
    counts.duplicates += seen.has(clientId) ? held.length - 1 : held.length;
  }
  counts.toldDifference = position.account - unknownFilled - told;
  return counts;
}

async function positionOf(url: string, token: string): Promise<number> {
  const account = (await api<Account>(url, token, 'GET', '/account')).body;
  return account.positions.find((p) => p.symbol === 'EURUSD')?.quantity ?? 0;
}

async function ordersOf(url: string, token: string): Promise<Order[]> {
  const orders: Order[] = [];
  let cursor: string | null = null;
  do {
    const query: string = `/orders?status=all&limit=500${cursor === null ? '' : `&cursor=${cursor}`}`;
    const page = (
      await api<{ orders: Order[]; next_cursor: string | null }>(url, token, 'GET', query)
    ).body;
    orders.push(...page.orders);
    cursor = page.next_cursor;
  } while (cursor !== null);
  return orders;
}

/** The counts as one block of text, for a failing assertion or the benchmark's output. */
export function describeCounts(counts: SoakCounts): string {
  return Object.entries(counts)
    .map(([name, value]) => `${name.padEnd(20)} ${value}`)
    .join('\n');
}
