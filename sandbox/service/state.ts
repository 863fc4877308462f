import { applyEvent, applyIdsKeyed } from '../engine/apply';
import type { EngineEvent } from '../engine/events';
import type { IdsKeyedEvent } from '../engine/ids';
import type { EngineImageMeta } from '../engine/snapshot';
import {
  captureEngineState,
  deserializeEngineState,
  loadEngineColumns,
  restoreEngineState,
} from '../engine/snapshot';
import type { EngineState } from '../engine/state';
import { createEngineState } from '../engine/state';
import type { IdempotencyColumns, IdempotencyEvent } from './idempotency';
import { applyIdempotencyEvent, idempotencyFromColumns, IdempotencyState } from './idempotency';
import type { IdempotencySectionsMeta } from './idempotency-snapshot';
import { addIdempotencySections, idempotencyFromSections } from './idempotency-snapshot';
import { SnapshotImage, SnapshotSections } from '../store/snapshot-sections';
import type { KeyEvent, KeyRecord, RevokedKeyRecord } from './keys';
import { KeyState } from './keys';

/**
 * Everything the sandbox journals: the engine's events, plus the id key, API keys and idempotency
 * records.
 */
export type SandboxEvent = EngineEvent | IdsKeyedEvent | KeyEvent | IdempotencyEvent;

/**
 * The events of an account, which streams show; the others are the sandbox's own. Exhaustive, so
 * that a new kind of event cannot reach a stream as an account's by default.
 */
export function isEngineEvent(event: SandboxEvent): event is EngineEvent {
  switch (event.type) {
    case 'account_opened':
    case 'account_reset':
    case 'order_accepted':
    case 'order_filled':
    case 'order_cancelled':
    case 'order_expired':
    case 'order_rejected':
      return true;
    case 'ids_keyed':
    case 'key_created':
    case 'key_revoked':
    case 'idempotency_recorded':
      return false;
    default:
      return event satisfies never;
  }
}

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
    keys: new KeyState(),
    idempotency: new IdempotencyState(),
    lastEventAt: 0,
  };
}

export function applySandboxEvent(state: SandboxState, event: SandboxEvent): void {
  if (event.t > state.lastEventAt) state.lastEventAt = event.t;
  switch (event.type) {
    case 'ids_keyed':
      applyIdsKeyed(state.engine, event);
      break;
    case 'key_created':
    case 'key_revoked':
      state.keys.apply(event);
      break;
    case 'idempotency_recorded':
      applyIdempotencyEvent(state.idempotency, event);
      break;
    default:
      applyEvent(state.engine, event);
  }
  state.onApplied?.(event, state);
}

/** A snapshot as sandboxes before binary snapshots wrote it: all JSON. */
interface JsonSandboxSnapshot {
  engine: unknown;
  keys: KeyRecord[];
  revoked_keys?: RevokedKeyRecord[];
  idempotency: IdempotencyColumns;
  last_event_at: number;
}

/** The JSON meta of a binary snapshot; the engine's and idempotency's columns are sections. */
interface SandboxImageMeta {
  layout: 'sections';
  engine: EngineImageMeta;
  /** Section number of the engine's section 0. */
  engine_sections_from: number;
  /** The usable keys only, so that a sandbox from before revocation never lets a revoked one in. */
  keys: KeyRecord[];
  /** Absent in snapshots of sandboxes from before revocation, which kept no revoked key. */
  revoked_keys?: RevokedKeyRecord[];
  idempotency: IdempotencySectionsMeta;
  last_event_at: number;
}

/** The state as a binary snapshot image (see sandbox/store/snapshot-sections.ts). */
export function serializeSandboxState(state: SandboxState): SnapshotImage {
  const image = new SnapshotImage();
  const engine = captureEngineState(state.engine);
  const engineSectionsFrom = image.sections.length;
  for (const rows of engine.sections) image.add(rows);
  const meta: SandboxImageMeta = {
    layout: 'sections',
    engine: engine.meta,
    engine_sections_from: engineSectionsFrom,
    keys: state.keys.usableKeys(),
    revoked_keys: state.keys.revokedKeyList(),
    idempotency: addIdempotencySections(state.idempotency, image),
    last_event_at: state.lastEventAt,
  };
  image.meta = meta;
  return image;
}

/** Reads a binary snapshot, or the all-JSON one of earlier sandboxes. */
export function deserializeSandboxState(
  json: unknown,
  sections: SnapshotSections = SnapshotSections.none,
): SandboxState {
  const binary = typeof json === 'object' && json !== null && 'layout' in json;
  try {
    return binary
      ? fromImage(json as SandboxImageMeta, sections)
      : fromJson(json as JsonSandboxSnapshot);
  } catch (error) {
    throw new Error(
      'the data folder holds a snapshot written by an incompatible version of the sandbox ' +
        `(${error instanceof Error ? error.message.split('\n')[0] : String(error)}); ` +
        'move the folder aside (or pass another --data-dir) to start a fresh sandbox',
      { cause: error },
    );
  }
}

function fromImage(meta: SandboxImageMeta, sections: SnapshotSections): SandboxState {
  if (meta.layout !== 'sections' || !Array.isArray(meta.keys)) {
    throw new Error(`unknown snapshot layout ${String(meta.layout)}`);
  }
  if (meta.revoked_keys !== undefined && !Array.isArray(meta.revoked_keys)) {
    throw new Error('its revoked keys are not a list');
  }
  const from = meta.engine_sections_from;
  const state: SandboxState = {
    engine: restoreEngineState(meta.engine, (index, bytes) => sections.source(from + index, bytes)),
    keys: new KeyState(meta.keys, meta.revoked_keys),
    idempotency: idempotencyFromSections(meta.idempotency, sections),
    lastEventAt: meta.last_event_at,
  };
  // Both read the snapshot lazily; before the store closes the file, they read the rest.
  sections.beforeClose(() => {
    state.idempotency.warm();
    loadEngineColumns(state.engine);
  });
  return state;
}

function fromJson(snapshot: JsonSandboxSnapshot): SandboxState {
  return {
    engine: deserializeEngineState(snapshot.engine),
    keys: new KeyState(snapshot.keys, snapshot.revoked_keys),
    idempotency: idempotencyFromColumns(snapshot.idempotency),
    lastEventAt: snapshot.last_event_at,
  };
}
