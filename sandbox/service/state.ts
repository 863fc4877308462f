import { applyEvent } from '../engine/apply';
import type { EngineEvent } from '../engine/events';
import { deserializeEngineState, serializeEngineState } from '../engine/snapshot';
import type { EngineState } from '../engine/state';
import { createEngineState } from '../engine/state';
import type { IdempotencyColumns, IdempotencyEvent } from './idempotency';
import {
  applyIdempotencyEvent,
  idempotencyFromColumns,
  IdempotencyState,
  idempotencyToColumns,
} from './idempotency';
import type { KeyEvent, KeyRecord, KeyState } from './keys';
import { applyKeyEvent } from './keys';

/** Everything the sandbox journals: the engine's events plus keys and idempotency records. */
export type SandboxEvent = EngineEvent | KeyEvent | IdempotencyEvent;

export interface SandboxState {
  engine: EngineState;
  keys: KeyState;
  idempotency: IdempotencyState;
  /** Time of the newest event applied: where the matcher resumes after a restart. */
  lastEventAt: number;
  /**
   * Called right after each event is applied (never during the replay at start-up, which runs
   * before anyone can listen), while the state shows that event and no later one: the stream's
   * tap. Not part of snapshots.
   */
  onApplied?: ((event: SandboxEvent, state: SandboxState) => void) | undefined;
}

export function createSandboxState(): SandboxState {
  return {
    engine: createEngineState(),
    keys: new Map(),
    idempotency: new IdempotencyState(),
    lastEventAt: 0,
  };
}

export function applySandboxEvent(state: SandboxState, event: SandboxEvent): void {
  if (event.t > state.lastEventAt) state.lastEventAt = event.t;
  switch (event.type) {
    case 'key_created':
    case 'key_revoked':
      applyKeyEvent(state.keys, event);
      break;
    case 'idempotency_recorded':
      applyIdempotencyEvent(state.idempotency, event);
      break;
    default:
      applyEvent(state.engine, event);
  }
  state.onApplied?.(event, state);
}

interface SandboxSnapshot {
  engine: unknown;
  keys: KeyRecord[];
  idempotency: IdempotencyColumns;
  last_event_at: number;
}

export function serializeSandboxState(state: SandboxState): SandboxSnapshot {
  return {
    engine: serializeEngineState(state.engine),
    keys: [...state.keys.values()],
    idempotency: idempotencyToColumns(state.idempotency),
    last_event_at: state.lastEventAt,
  };
}

export function deserializeSandboxState(json: unknown): SandboxState {
  const snapshot = json as SandboxSnapshot;
  let engine: EngineState;
  try {
    engine = deserializeEngineState(snapshot.engine);
  } catch (error) {
    throw new Error(
      'the data folder holds a snapshot written by an incompatible version of the sandbox; ' +
        'move the folder aside (or pass another --data-dir) to start a fresh sandbox',
      { cause: error },
    );
  }
  return {
    engine,
    keys: new Map(snapshot.keys.map((key) => [key.key_id, key])),
    idempotency: idempotencyFromColumns(snapshot.idempotency),
    lastEventAt: snapshot.last_event_at,
  };
}
