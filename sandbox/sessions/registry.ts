import { randomBytes } from 'node:crypto';
import type { CreateSessionRequest } from '../../api/sessions';
import { SandboxError } from '../errors';
import { instrumentBySymbol } from '../market/instruments';
import { marketDataEndMs } from '../market/scan';
import type { StreamBackend } from '../stream/backend';
import type { SessionContext } from './session';
import { ReplaySession } from './session';
import { sessionStreamBackend } from './stream';

/** Sessions hold their whole history in memory; more than this at once is surely a leak. */
const maxSessions = 64;
/** So that one account cannot take every session of the sandbox. */
export const maxSessionsPerAccount = 16;
/** A session nobody has used for this long is freed. */
const idleLimitMs = 30 * 60_000;

/** The replay sessions of a running sandbox, in memory: a backtest needs no durability. */
export class SessionRegistry {
  private readonly sessions = new Map<string, ReplaySession>();
  private readonly streams = new Map<string, StreamBackend>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly context: () => SessionContext) {
    this.sweeper = setInterval(() => this.sweep(Date.now()), 60_000);
    this.sweeper.unref();
  }

  create(ownerAccountId: string, asked: CreateSessionRequest): ReplaySession {
    // Market data ends somewhere; a later `to` (say Number.MAX_SAFE_INTEGER for "all of it")
    // means the end of the data, and the session says so in its `to`.
    const request = { ...asked, to: Math.min(asked.to, marketDataEndMs) };
    if (this.sessions.size >= maxSessions) {
      throw new SandboxError(
        'conflict',
        `this sandbox already runs ${maxSessions} replay sessions; delete finished ones (DELETE /sandbox/sessions/{id})`,
      );
    }
    if (this.list(ownerAccountId).length >= maxSessionsPerAccount) {
      throw new SandboxError(
        'conflict',
        `this account already runs ${maxSessionsPerAccount} replay sessions, the most one account may; delete finished ones (DELETE /sandbox/sessions/{id})`,
      );
    }
    const id = `ses_${randomBytes(8).toString('hex')}`;
    const context = this.context();
    const unknown = request.symbols.flatMap((symbol, index) =>
      instrumentBySymbol(symbol) === undefined
        ? [
            {
              path: `symbols.${index}`,
              message: `${symbol} is not a tradable instrument; GET /market lists them`,
              reason: 'unknown_symbol',
            },
          ]
        : [],
    );
    if (unknown.length > 0) {
      const names = request.symbols.filter((symbol) => instrumentBySymbol(symbol) === undefined);
      throw new SandboxError(
        'unprocessable',
        `cannot replay ${names.join(', ')}: no such instrument`,
        unknown,
      );
    }
    const session = new ReplaySession(id, ownerAccountId, request, context);
    this.sessions.set(id, session);
    this.streams.set(id, sessionStreamBackend(session, context.keys, context.tokens));
    return session;
  }

  /** A session the account may see, or a 404 that does not reveal other accounts' sessions. */
  get(id: string, accountId: string): ReplaySession {
    const session = this.sessions.get(id);
    if (session === undefined || !session.visibleTo(accountId)) {
      throw new SandboxError(
        'not_found',
        `no replay session ${id}; GET /sandbox/sessions lists yours`,
      );
    }
    return session;
  }

  /** The session behind a `/sessions/{id}/...` URL (any key of the sandbox may use it). */
  byId(id: string): ReplaySession | undefined {
    const session = this.sessions.get(id);
    if (session !== undefined) session.lastActivityAt = Date.now();
    return session;
  }

  streamBackend(id: string): StreamBackend | undefined {
    return this.streams.get(id);
  }

  list(accountId: string): ReplaySession[] {
    return [...this.sessions.values()].filter((session) => session.visibleTo(accountId));
  }

  delete(id: string, accountId: string): ReplaySession {
    const session = this.get(id, accountId);
    this.remove(session);
    return session;
  }

  close(): void {
    clearInterval(this.sweeper);
    for (const session of this.sessions.values()) session.close();
    this.sessions.clear();
    this.streams.clear();
  }

  private remove(session: ReplaySession): void {
    session.close();
    this.sessions.delete(session.id);
    this.streams.delete(session.id);
  }

  private sweep(now: number): void {
    for (const session of this.sessions.values()) {
      if (now - session.lastActivityAt > idleLimitMs) this.remove(session);
    }
  }
}
