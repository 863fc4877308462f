import type { CreateSessionRequest, Session, SessionStatus } from '../../api/sessions';
import { lockstepAckHeader } from '../../api/sessions';
import { SandboxError } from '../errors';
import { FaultPlan } from '../faults/faults';
import { Dispatcher } from '../http/dispatch';
import type { DispatchRequest, Log } from '../http/dispatch';
import { issueToken } from '../http/handlers/auth';
import { createHandlers } from '../http/handlers/table';
import { RateLimiter } from '../http/rate-limit';
import type { TokenAuthority } from '../service/tokens';
import { countBars } from '../replay/bars';
import { Replay } from '../replay/replay';
import type { KeyLookup, KeyState } from '../service/keys';
import { Sandbox } from '../service/sandbox';
import type { SandboxEvent } from '../service/state';
import { applySandboxEvent, createSandboxState, isEngineEvent } from '../service/state';
import { SessionFeed } from './feed';
import { streamUrlFor } from '../../api/script-environment';

export interface SessionContext {
  /** The sandbox's keys: those of the session's owner authenticate on its URL. */
  keys: KeyState;
  tokens: TokenAuthority;
  /** The sandbox's URL, which the session's URLs extend. */
  baseUrl: string;
  /** The sandbox's request limits: a key's requests count the same on any URL. */
  keyLimiter: RateLimiter;
  addressLimiter: RateLimiter;
  /** The sandbox's log. */
  log: Log;
}

/**
 * Orders are placed on a virtual clock: an orders-per-second limit in wall time would make
 * results depend on machine speed. Requests still count against the key's request limit.
 */
const unlimited = 1_000_000_000;

/**
 * One replay session: a `Replay` (isolated account, virtual clock) served over the whole REST
 * API at `/sessions/{id}` and over `/sessions/{id}/stream`, where bars are released in lockstep
 * with the client's acknowledgements or at a multiple of real time.
 */
export class ReplaySession {
  readonly replay: Replay;
  readonly sandbox: Sandbox;
  readonly dispatcher: Dispatcher;
  readonly feed: SessionFeed;
  readonly barsTotal: number;
  readonly createdAt = Date.now();
  lastActivityAt = Date.now();
  private readonly faults: FaultPlan | undefined;

  constructor(
    readonly id: string,
    /** The account of the key that created it: only that account sees the session. */
    readonly ownerAccountId: string,
    readonly request: CreateSessionRequest,
    private readonly context: SessionContext,
  ) {
    this.replay = new Replay({
      symbols: request.symbols,
      interval: request.interval,
      from: request.from,
      to: request.to,
      balance: request.balance,
      accountId: `acc_session_${id}`,
    });
    this.barsTotal = countBars(request.symbols, request.interval, request.from, request.to);
    // The command layer over the replay's engine: its events go through the replay (and so to
    // the session's stream); keys and idempotency records stay with the session.
    const replay = this.replay;
    const state = { ...createSandboxState(), engine: replay.engine };
    const store = {
      state,
      append(events: readonly SandboxEvent[]): Promise<void> {
        for (const event of events) {
          if (isEngineEvent(event)) replay.apply(event);
          else applySandboxEvent(state, event);
        }
        return Promise.resolve();
      },
    };
    this.sandbox = new Sandbox(store, this.replay.market, { now: () => this.replay.now() });
    this.faults = request.faults === undefined ? undefined : new FaultPlan(request.faults);
    this.dispatcher = this.createDispatcher();
    this.feed = new SessionFeed(this);
  }

  get accountId(): string {
    return this.replay.accountId;
  }

  get status(): SessionStatus {
    return this.feed.status;
  }

  private createDispatcher(): Dispatcher {
    const { tokens } = this.context;
    const keys = this.ownerKeys;
    const dispatch = (request: DispatchRequest) => dispatcher.dispatch(request);
    const handlers = createHandlers({
      sandbox: this.sandbox,
      tokens,
      orderLimiter: new RateLimiter(unlimited),
      dispatch,
    });
    const dispatcher: Dispatcher = new Dispatcher({
      log: this.context.log,
      handlers: {
        ...handlers,
        // Tokens come from the sandbox's keys; the session only changes the account they act on.
        issueToken: (context) => issueToken(keys, tokens, context),
      },
      tokens,
      keys,
      adminTokenMatches: () => false,
      keyLimiter: this.context.keyLimiter,
      addressLimiter: this.context.addressLimiter,
      now: Date.now,
      accountOf: () => this.accountId,
      acknowledge: (seq) => {
        this.lastActivityAt = Date.now();
        const problem = this.feed.ackFromRequest(seq);
        if (problem !== undefined)
          throw new SandboxError('invalid_request', `${lockstepAckHeader}: ${problem}`);
      },
      ...(this.faults === undefined
        ? {}
        : { faultsFor: (_caller, changesState) => this.faults!.decide(changesState) }),
    });
    return dispatcher;
  }

  /** Whether a key's account may see and use this session. */
  visibleTo(accountId: string): boolean {
    return accountId === this.ownerAccountId;
  }

  /** The keys that act on this session: its owner's, looked up as they are now. */
  readonly ownerKeys: KeyLookup = {
    get: (keyId) => {
      const key = this.context.keys.get(keyId);
      return key !== undefined && this.visibleTo(key.account_id) ? key : undefined;
    },
    revoked: (keyId) => {
      const key = this.context.keys.revoked(keyId);
      return key !== undefined && this.visibleTo(key.account_id) ? key : undefined;
    },
  };

  /**
   * Whether a request may reach this session: one that carries a valid access token of another
   * account may not (it is answered as if the session did not exist). Requests with no token,
   * or an invalid one, go on to the session's dispatcher, which refuses them in its own words.
   */
  admits(authorization: string | undefined): boolean {
    const token = /^Bearer +(\S+)\s*$/i.exec(authorization ?? '')?.[1];
    if (token === undefined) return true;
    const { tokens } = this.context;
    const claims = tokens.verify(token, 'access', tokens.now());
    return typeof claims === 'string' || this.visibleTo(claims.accountId);
  }

  streamDropAfterMs(): number | undefined {
    return this.request.faults?.stream_drop_after_ms;
  }

  view(): Session {
    const base = `${this.context.baseUrl}/sessions/${this.id}`;
    return {
      id: this.id,
      base_url: base,
      stream_url: streamUrlFor(base),
      account_id: this.accountId,
      symbols: [...this.request.symbols],
      interval: this.request.interval,
      from: this.request.from,
      to: this.request.to,
      speed: this.request.speed,
      status: this.status,
      clock: this.replay.now(),
      bars_total: this.barsTotal,
      bars_released: this.feed.barsReleased,
      created_at: this.createdAt,
    };
  }

  close(): void {
    this.feed.close();
  }
}
