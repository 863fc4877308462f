import type { z } from 'zod';
import { Account, FillList, FillsQuery, PositionList, PositionsQuery } from './account';
import {
  AdminKey,
  AdminKeyList,
  CreateKeyRequest,
  CreatedKey,
  Health,
  ResetResponse,
} from './admin';
import type { Scope } from './auth';
import { TokenRequest, TokenResponse } from './auth';
import { BatchRequest, BatchResponse } from './batch';
import { FaultsResponse, SetFaultsRequest } from './faults';
import {
  CandleList,
  CandlesQuery,
  HistoricalPage,
  HistoricalQuery,
  InstrumentList,
  InstrumentWithQuote,
  QuoteList,
  QuotesQuery,
} from './market';
import {
  CancelRequest,
  CancelResults,
  Order,
  OrderList,
  OrderListQuery,
  OrderRequest,
} from './orders';
import { BacktestReport, CreateSessionRequest, Session, SessionList } from './sessions';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** Who may call an endpoint: a bearer token of a scope, nobody (public), or the local admin token. */
export type Access = { kind: 'public' } | { kind: 'bearer'; scope: Scope } | { kind: 'admin' };

export interface RouteSpec {
  method: HttpMethod;
  /** Path template; `{name}` is one path segment. */
  path: string;
  summary: string;
  access: Access;
  query?: z.ZodType;
  body?: z.ZodType;
  /** Success status and the schema of its body. */
  success: { status: number; schema: z.ZodType | null; description: string };
  /** Whether the route honours the Idempotency-Key header. */
  idempotent?: boolean;
  /** Whether the route answers NDJSON on `Accept: application/x-ndjson`. */
  ndjson?: boolean;
  /** Sandbox-only routes (absent from the hosted API). */
  sandboxOnly?: boolean;
}

const read: Access = { kind: 'bearer', scope: 'read' };
const trade: Access = { kind: 'bearer', scope: 'trade' };

/**
 * Every REST endpoint, keyed by operation id. The sandbox's router binds a handler to each key
 * and the OpenAPI document is generated from the same table, so the two cannot drift apart.
 */
export const routes = {
  issueToken: {
    method: 'POST',
    path: '/oauth/token',
    summary: 'Exchange client credentials or a refresh token for an access token (RFC 6749).',
    access: { kind: 'public' },
    body: TokenRequest,
    success: { status: 200, schema: TokenResponse, description: 'A bearer token.' },
  },
  listInstruments: {
    method: 'GET',
    path: '/market',
    summary: 'Every tradable instrument.',
    access: read,
    success: { status: 200, schema: InstrumentList, description: 'The instrument universe.' },
  },
  getQuotes: {
    method: 'GET',
    path: '/market/quotes',
    summary: 'Latest quotes for the named symbols.',
    access: read,
    query: QuotesQuery,
    success: { status: 200, schema: QuoteList, description: 'One quote per symbol.' },
  },
  getCandles: {
    method: 'GET',
    path: '/market/candles',
    summary: 'Candles, oldest first; without from/to the latest `limit` (the last may be forming).',
    access: read,
    query: CandlesQuery,
    success: { status: 200, schema: CandleList, description: 'Candles.' },
  },
  getHistorical: {
    method: 'GET',
    path: '/market/historical',
    summary: 'Up to 5 years of candles or ticks, paged; NDJSON with Accept: application/x-ndjson.',
    access: read,
    query: HistoricalQuery,
    ndjson: true,
    success: { status: 200, schema: HistoricalPage, description: 'One page of history.' },
  },
  getInstrument: {
    method: 'GET',
    path: '/market/{symbol}',
    summary: 'One instrument with its latest quote.',
    access: read,
    success: { status: 200, schema: InstrumentWithQuote, description: 'The instrument.' },
  },
  placeOrder: {
    method: 'POST',
    path: '/orders',
    summary: 'Place an order.',
    access: trade,
    body: OrderRequest,
    idempotent: true,
    success: {
      status: 201,
      schema: Order,
      description: 'The order as accepted, with any immediate fills.',
    },
  },
  listOrders: {
    method: 'GET',
    path: '/orders',
    summary: 'Orders, oldest first, paged.',
    access: read,
    query: OrderListQuery,
    success: { status: 200, schema: OrderList, description: 'A page of orders.' },
  },
  cancelOrders: {
    method: 'POST',
    path: '/orders/cancel',
    summary: 'Cancel several orders: by ids, by symbol, or all.',
    access: trade,
    body: CancelRequest,
    success: { status: 207, schema: CancelResults, description: 'One result per order.' },
  },
  getOrder: {
    method: 'GET',
    path: '/orders/{id}',
    summary: 'One order.',
    access: read,
    success: { status: 200, schema: Order, description: 'The order.' },
  },
  cancelOrder: {
    method: 'DELETE',
    path: '/orders/{id}',
    summary: 'Cancel one order (409 if it can no longer be cancelled).',
    access: trade,
    success: { status: 200, schema: Order, description: 'The cancelled order.' },
  },
  getAccount: {
    method: 'GET',
    path: '/account',
    summary: 'Balance, equity, margin and positions.',
    access: read,
    success: { status: 200, schema: Account, description: 'The account.' },
  },
  getPositions: {
    method: 'GET',
    path: '/account/positions',
    summary: 'Open positions.',
    access: read,
    query: PositionsQuery,
    success: { status: 200, schema: PositionList, description: 'Positions.' },
  },
  listFills: {
    method: 'GET',
    path: '/account/fills',
    summary: 'Fills, oldest first, paged.',
    access: read,
    query: FillsQuery,
    success: { status: 200, schema: FillList, description: 'A page of fills.' },
  },
  batch: {
    method: 'POST',
    path: '/batch',
    summary:
      'Up to 50 requests in one; each is authorised, limited and validated as if sent alone.',
    access: read,
    body: BatchRequest,
    success: {
      status: 200,
      schema: BatchResponse,
      description: 'One response per request, in order.',
    },
  },
  resetAccount: {
    method: 'POST',
    path: '/sandbox/reset',
    summary: 'Cancel every order, close every position and restore the starting balance.',
    access: trade,
    sandboxOnly: true,
    success: { status: 200, schema: ResetResponse, description: 'The account after the reset.' },
  },
  createSession: {
    method: 'POST',
    path: '/sandbox/sessions',
    summary:
      'Start a replay session for a backtest: an isolated account and a virtual clock, served at its own base URL.',
    access: trade,
    body: CreateSessionRequest,
    sandboxOnly: true,
    success: { status: 201, schema: Session, description: 'The session and its URLs.' },
  },
  listSessions: {
    method: 'GET',
    path: '/sandbox/sessions',
    summary: "The replay sessions of the caller's account.",
    access: read,
    sandboxOnly: true,
    success: { status: 200, schema: SessionList, description: 'Sessions, oldest first.' },
  },
  getSession: {
    method: 'GET',
    path: '/sandbox/sessions/{id}',
    summary: 'One replay session: status, clock and progress.',
    access: read,
    sandboxOnly: true,
    success: { status: 200, schema: Session, description: 'The session.' },
  },
  getSessionReport: {
    method: 'GET',
    path: '/sandbox/sessions/{id}/report',
    summary: "A replay session's results so far: equity curve, drawdown, exposure, orders, fills.",
    access: read,
    sandboxOnly: true,
    success: { status: 200, schema: BacktestReport, description: 'The report.' },
  },
  deleteSession: {
    method: 'DELETE',
    path: '/sandbox/sessions/{id}',
    summary: 'End a replay session and free it; its URLs stop answering.',
    access: trade,
    sandboxOnly: true,
    success: { status: 200, schema: Session, description: 'The session as it ended.' },
  },
  setFaults: {
    method: 'PUT',
    path: '/sandbox/faults',
    summary:
      'Inject faults (latency, 503s, 429s, dropped streams) into the requests of a key, to exercise retries and circuit breakers.',
    access: trade,
    body: SetFaultsRequest,
    sandboxOnly: true,
    success: { status: 200, schema: FaultsResponse, description: 'The faults now in force.' },
  },
  getFaults: {
    method: 'GET',
    path: '/sandbox/faults',
    summary: 'The faults in force for the calling key.',
    access: read,
    sandboxOnly: true,
    success: { status: 200, schema: FaultsResponse, description: 'The faults.' },
  },
  clearFaults: {
    method: 'DELETE',
    path: '/sandbox/faults',
    summary: 'Stop injecting faults for the calling key.',
    access: trade,
    sandboxOnly: true,
    success: { status: 200, schema: FaultsResponse, description: 'No faults.' },
  },
  createKey: {
    method: 'POST',
    path: '/admin/keys',
    summary: 'Create an API key (loopback only, with the admin token from the data folder).',
    access: { kind: 'admin' },
    body: CreateKeyRequest,
    sandboxOnly: true,
    success: {
      status: 201,
      schema: CreatedKey,
      description: 'The key; its secret is shown only here.',
    },
  },
  listKeys: {
    method: 'GET',
    path: '/admin/keys',
    summary:
      'Every API key, revoked ones included, without secrets (loopback only, with the admin token).',
    access: { kind: 'admin' },
    sandboxOnly: true,
    success: { status: 200, schema: AdminKeyList, description: 'The keys, oldest first.' },
  },
  revokeKey: {
    method: 'DELETE',
    path: '/admin/keys/{id}',
    summary:
      'Revoke an API key at once: it gets no more tokens, its access and refresh tokens are refused, and its stream connections are closed (4401). Revoking it again changes nothing (loopback only, with the admin token).',
    access: { kind: 'admin' },
    sandboxOnly: true,
    success: {
      status: 200,
      schema: AdminKey,
      description: 'The key as revoked, with revoked_at (the first revocation’s time on a repeat).',
    },
  },
  openapi: {
    method: 'GET',
    path: '/openapi.json',
    summary: 'This document.',
    access: { kind: 'public' },
    success: { status: 200, schema: null, description: 'OpenAPI 3.1.' },
  },
  health: {
    method: 'GET',
    path: '/health',
    summary: 'Liveness of the local sandbox, its market clock, and the state of its data folder.',
    access: { kind: 'public' },
    sandboxOnly: true,
    success: {
      status: 200,
      schema: Health,
      description: 'Damaged snapshots found at start, and snapshot failures since, are listed.',
    },
  },
} as const satisfies Record<string, RouteSpec>;

export type OperationId = keyof typeof routes;
