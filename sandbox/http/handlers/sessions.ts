import type { BacktestReport, CreateSessionRequest, Session } from '../../../api/sessions';
import type { FaultRegistry } from '../../faults/faults';
import type { KeyState } from '../../service/keys';
import type { Caller, HandlerContext, HandlerResult, Handlers } from '../dispatch';
import { ApiError } from '../errors';

/** A replay session as its endpoints show it (sandbox/sessions/session.ts is one). */
export interface SessionEntry {
  view(): Session;
  readonly replay: { report(): BacktestReport };
}

/**
 * The sandbox's replay sessions as their endpoints use them (sandbox/sessions/registry.ts is
 * one): the sessions serve the API through this folder, so it names only what it calls.
 */
export interface SessionDirectory {
  create(ownerAccountId: string, request: CreateSessionRequest): SessionEntry;
  list(accountId: string): SessionEntry[];
  get(id: string, accountId: string): SessionEntry;
  delete(id: string, accountId: string): SessionEntry;
}

/** Replay sessions and fault injection belong to the sandbox itself, not to a session's URL. */
function outsideSessions<T>(registry: T | undefined, what: string): T {
  if (registry === undefined) {
    throw new ApiError(
      'not_found',
      `${what} is not available on a replay session's URL; use the sandbox's own URL`,
    );
  }
  return registry;
}

function callerOf(context: HandlerContext): Caller {
  if (context.caller === null) throw new Error('a bearer route ran without a caller');
  return context.caller;
}

function json(status: number, body: unknown): HandlerResult {
  return { kind: 'json', status, body };
}

export function sessionHandlers(
  sessions: SessionDirectory | undefined,
): Pick<
  Handlers,
  'createSession' | 'listSessions' | 'getSession' | 'getSessionReport' | 'deleteSession'
> {
  const registry = () => outsideSessions(sessions, 'replay sessions');
  return {
    createSession: (context) =>
      json(201, registry().create(callerOf(context).accountId, context.body).view()),
    listSessions: (context) =>
      json(200, {
        sessions: registry()
          .list(callerOf(context).accountId)
          .map((session) => session.view()),
      }),
    getSession: (context) =>
      json(200, registry().get(context.params.id, callerOf(context).accountId).view()),
    getSessionReport: (context) =>
      json(200, registry().get(context.params.id, callerOf(context).accountId).replay.report()),
    deleteSession: (context) =>
      json(200, registry().delete(context.params.id, callerOf(context).accountId).view()),
  };
}

export function faultHandlers(
  faults: FaultRegistry | undefined,
  keys: KeyState,
): Pick<Handlers, 'setFaults' | 'getFaults' | 'clearFaults'> {
  const registry = () => outsideSessions(faults, 'fault injection per key');
  const view = (keyId: string) =>
    json(200, { key_id: keyId, faults: registry().get(keyId) ?? null });
  return {
    setFaults: (context) => {
      const caller = callerOf(context);
      const { key_id: keyId = caller.keyId, ...config } = context.body;
      const key = keys.get(keyId);
      if (key === undefined || key.account_id !== caller.accountId) {
        throw new ApiError('not_found', `no key ${keyId} on this account`, [
          { path: 'key_id', message: 'names no key of the caller’s account' },
        ]);
      }
      registry().set(keyId, config);
      return view(keyId);
    },
    getFaults: (context) => view(callerOf(context).keyId),
    clearFaults: (context) => {
      const { keyId } = callerOf(context);
      registry().clear(keyId);
      return view(keyId);
    },
  };
}
