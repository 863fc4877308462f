import type { AdminKeyList, Health, StorageHealth } from '../../../api/admin';
import { openApiDocument } from '../../../api/openapi';
import type { MarketClock } from '../../service/clock';
import { revokedWords } from '../../service/keys';
import type { Sandbox } from '../../service/sandbox';
import type { DispatchOutcome, DispatchRequest, Handlers } from '../dispatch';
import type { RateLimiter } from '../rate-limit';
import type { TokenAuthority } from '../../service/tokens';
import { getAccount, getPositions, listFillsHandler, resetAccountHandler } from './account';
import { issueToken } from './auth';
import type { SessionDirectory } from './sessions';
import { faultHandlers, sessionHandlers } from './sessions';
import type { FaultRegistry } from '../../faults/faults';
import { runBatch } from './batch';
import { getCandles, getHistorical, getInstrument, getQuotes, listInstruments } from './market';
import {
  cancelOrderHandler,
  cancelOrdersHandler,
  getOrderHandler,
  listOrdersHandler,
  placeOrder,
} from './orders';

export interface HandlerDeps {
  sandbox: Sandbox;
  tokens: TokenAuthority;
  orderLimiter: RateLimiter;
  /** The dispatcher's own entry point, for the requests inside a batch. */
  dispatch: (request: DispatchRequest) => Promise<DispatchOutcome>;
  /** Absent on a replay session's own URL. */
  sessions?: SessionDirectory;
  faults?: FaultRegistry;
  /** The data folder's state, for GET /health; absent on a replay session's URL (no folder). */
  storage?: () => StorageHealth;
  /** How the market clock runs, for GET /health; absent on a replay session's URL. */
  clock?: MarketClock;
  /** A key was revoked: its open stream connections are closed, with these words. */
  keyRevoked?: (keyId: string, words: string) => void;
}

let openApiText: string | undefined;

/** One handler per operation of the route table; the compiler checks none is missing. */
export function createHandlers(deps: HandlerDeps): Handlers {
  const { sandbox } = deps;
  return {
    issueToken: (context) => issueToken(sandbox.state.keys, deps.tokens, context),
    listInstruments: () => listInstruments(),
    getQuotes: (context) => getQuotes(sandbox, context),
    getCandles: (context) => getCandles(sandbox, context),
    getHistorical: (context) => getHistorical(sandbox, context),
    getInstrument: (context) => getInstrument(sandbox, context),
    placeOrder: (context) => placeOrder(sandbox, deps.orderLimiter, context),
    listOrders: (context) => listOrdersHandler(sandbox, context),
    cancelOrders: (context) => cancelOrdersHandler(sandbox, context),
    getOrder: (context) => getOrderHandler(sandbox, context),
    cancelOrder: (context) => cancelOrderHandler(sandbox, context),
    getAccount: (context) => getAccount(sandbox, context),
    getPositions: (context) => getPositions(sandbox, context),
    listFills: (context) => listFillsHandler(sandbox, context),
    batch: (context) => runBatch(deps.dispatch, context),
    resetAccount: (context) => resetAccountHandler(sandbox, context),
    createKey: async (context) => ({
      kind: 'json',
      status: 201,
      body: await sandbox.createKey(context.body, sandbox.clock.now()),
      headers: { 'Cache-Control': 'no-store' },
    }),
    listKeys: () => ({
      kind: 'json',
      status: 200,
      body: { keys: sandbox.listKeys() } satisfies AdminKeyList,
      headers: { 'Cache-Control': 'no-store' },
    }),
    revokeKey: async (context) => {
      const key = await sandbox.revokeKey(context.params.id, sandbox.clock.now());
      deps.keyRevoked?.(
        key.key_id,
        `${revokedWords({ key_id: key.key_id, revoked_at: key.revoked_at! })}; this connection is closed: connect again with a token of another key`,
      );
      return { kind: 'json', status: 200, body: key, headers: { 'Cache-Control': 'no-store' } };
    },
    openapi: () => {
      openApiText ??= JSON.stringify(openApiDocument());
      return { kind: 'text', status: 200, text: openApiText };
    },
    ...sessionHandlers(deps.sessions),
    ...faultHandlers(deps.faults, sandbox.state.keys),
    health: () => {
      const storage = deps.storage?.();
      const now = sandbox.clock.now();
      const body: Health = {
        status: 'ok',
        now,
        ...(deps.clock !== undefined && {
          clock: { mode: deps.clock.mode, market_now: now, wall_now: deps.clock.wallNow() },
        }),
        ...(storage !== undefined && { storage }),
      };
      return { kind: 'json', status: 200, body };
    },
  };
}
