// The engine's binary snapshot round trip, in memory: capture, sections as buffers, restore
// (lazily), and again from the restored state before any of its chunks were read.
import assert from 'node:assert/strict';
import {
  captureEngineState,
  loadEngineColumns,
  restoreEngineState,
  serializeEngineState,
} from '../../../sandbox/engine/snapshot';
import type { EngineState } from '../../../sandbox/engine/state';
import { SnapshotSections } from '../../../sandbox/store/snapshot-sections';

/** Pulls every piece of every section, as the snapshot writer does, into one buffer each. */
export function sectionBuffers(sources: readonly (() => Iterable<Uint8Array>)[]): Uint8Array[] {
  return sources.map((source) => Buffer.concat([...source()].map((piece) => Buffer.from(piece))));
}

/** Captures `state` and restores it from in-memory sections (read lazily, chunk by chunk). */
export function binaryRoundTrip(state: EngineState): EngineState {
  const image = captureEngineState(state);
  const sections = SnapshotSections.fromBuffers(sectionBuffers(image.sections));
  const meta: unknown = JSON.parse(JSON.stringify(image.meta));
  return restoreEngineState(meta, (index, bytes) => sections.source(index, bytes));
}

/** The binary form restores the same state, also when captured again before anything was read. */
export function assertBinaryRoundTrip(state: EngineState): void {
  const expected = serializeEngineState(state);
  const lazy = binaryRoundTrip(state);
  const again = binaryRoundTrip(lazy);
  loadEngineColumns(lazy);
  assert.deepEqual(serializeEngineState(again), expected, 'binary snapshot of a restore differs');
  assert.deepEqual(serializeEngineState(lazy), expected, 'binary snapshot round trip differs');
}
