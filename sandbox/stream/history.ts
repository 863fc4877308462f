// Resume from the store: the `orders`/`account` messages of one account that are no longer in
// memory (older than the in-memory ring, or from before a restart), rendered exactly as they were
// sent live. It rebuilds a private copy of the sandbox state from a snapshot (or from nothing)
// and applies the journal after it, rendering the account's events as they are applied: the
// same engine, the same state at each event, hence the same order views, account views and
// seqs. The live journal is read, never written: files are opened read-only, and a record still
// being written at the end of the newest segment is simply not there yet.
import { readFileSync } from 'node:fs';
import { yieldToEventLoop } from '../http/event-loop';
import { crc32 } from '../store/crc32';
import {
  ASCII_FLAG,
  FRAME_HEADER_BYTES,
  LENGTH_MASK,
  MAX_PAYLOAD_BYTES,
  readU32,
} from '../store/frame';
import { listSegmentFiles } from '../store/journal-recovery';
import { listSnapshots, readSnapshot } from '../store/snapshot';
import type { MarketView } from '../engine/market-view';
import type { SandboxEvent, SandboxState } from '../service/state';
import {
  applySandboxEvent,
  createSandboxState,
  deserializeSandboxState,
  isEngineEvent,
} from '../service/state';
import type { AccountChannel, FeedEntry } from './account-entries';
import { ChannelCounter, entriesFor } from './account-entries';

/** How long a rebuild applies events before it lets the event loop serve others. */
const sliceMs = 10;

export type HistoryResult =
  | { ok: true; entries: FeedEntry[] }
  /** The store no longer holds the channel's messages after `sinceSeq`; `oldestSeq` is the first it has. */
  | { ok: false; oldestSeq: number };

interface Base {
  lsn: number;
  /** The state at `lsn`, and how to let go of the snapshot file it may still read from. */
  load(): Promise<{ state: SandboxState; release: () => void }>;
}

/**
 * The channel's messages with seq > sinceSeq that the store holds (up to what is on disk now),
 * oldest first; or the oldest seq it could still give.
 */
export async function readChannelHistory(
  storeDir: string,
  market: MarketView,
  accountId: string,
  channel: AccountChannel,
  sinceSeq: number,
): Promise<HistoryResult> {
  const segments = listSegmentFiles(storeDir);
  const firstLsn = segments[0]?.firstLsn ?? Infinity;
  // Newest base first: the less journal to apply, the better; older ones reach further back.
  const bases: Base[] = listSnapshots(storeDir).map((file) => ({
    lsn: file.lsn,
    load: async () => {
      const loaded = await readSnapshot(file);
      return {
        state: deserializeSandboxState(loaded.state, loaded.sections),
        // The state reads the snapshot's sections lazily; the file closes once it is dropped.
        release: () => loaded.sections.discard(),
      };
    },
  }));
  bases.push({
    lsn: 0,
    load: () => Promise.resolve({ state: createSandboxState(), release: () => undefined }),
  });
  let oldestSeq = Infinity;
  for (const base of bases) {
    // The journal must continue right after the base, or the events in between are gone.
    if (firstLsn > base.lsn + 1) continue;
    let state: SandboxState;
    let release: () => void;
    try {
      ({ state, release } = await base.load());
    } catch {
      continue; // a damaged or pruned snapshot: an older base may still do
    }
    const counter = new ChannelCounter();
    const atBase = counter.current(state.engine, accountId)[channel];
    oldestSeq = Math.min(oldestSeq, atBase + 1);
    if (atBase > sinceSeq) {
      release();
      continue;
    }
    const entries: FeedEntry[] = [];
    state.onApplied = (event: SandboxEvent, applied: SandboxState) => {
      if (!isEngineEvent(event) || event.account_id !== accountId) return;
      for (const entry of entriesFor(applied.engine, market, counter, event)) {
        if (entry.channel === channel && entry.seq > sinceSeq) entries.push(entry);
      }
    };
    try {
      await forEachJournaledEvent(storeDir, base.lsn + 1, (event) =>
        applySandboxEvent(state, event),
      );
    } finally {
      release();
    }
    return { ok: true, entries };
  }
  return { ok: false, oldestSeq: Number.isFinite(oldestSeq) ? oldestSeq : sinceSeq + 1 };
}

/**
 * Every journaled event from record `fromLsn` on, in order, up to the last complete record.
 * A rebuild may apply millions of events: it gives the event loop a turn every few ms, so the
 * sandbox answers its other clients meanwhile.
 */
export async function forEachJournaledEvent(
  storeDir: string,
  fromLsn: number,
  visit: (event: SandboxEvent) => void,
): Promise<void> {
  const segments = listSegmentFiles(storeDir);
  for (let index = 0; index < segments.length; index++) {
    const segment = segments[index];
    const next = segments[index + 1];
    if (next !== undefined && next.firstLsn <= fromLsn) continue;
    let bytes: Buffer;
    try {
      bytes = readFileSync(segment.path);
    } catch {
      return; // deleted after a snapshot since it was listed: what follows would leave a gap
    }
    const complete = await visitRecords(bytes, segment.firstLsn, fromLsn, (value) => {
      if (Array.isArray(value)) for (const item of value) visit(item as SandboxEvent);
      else visit(value as SandboxEvent);
    });
    if (!complete) return;
  }
}

/**
 * Walks the frames of one segment; false when it stopped at a frame that is cut short or does
 * not check out (the newest segment's tail while it is being written, or damage: either way,
 * nothing after it can be trusted in order).
 */
async function visitRecords(
  bytes: Buffer,
  firstLsn: number,
  fromLsn: number,
  visit: (value: unknown) => void,
): Promise<boolean> {
  let position = 0;
  let lsn = firstLsn;
  let sliceStarted = performance.now();
  while (position < bytes.length) {
    if ((lsn & 255) === 0 && performance.now() - sliceStarted > sliceMs) {
      await yieldToEventLoop();
      sliceStarted = performance.now();
    }
    if (position + FRAME_HEADER_BYTES > bytes.length) return false;
    const word = readU32(bytes, position + 4);
    const payloadBytes = word & LENGTH_MASK;
    const end = position + FRAME_HEADER_BYTES + payloadBytes;
    if (payloadBytes === 0 || payloadBytes > MAX_PAYLOAD_BYTES || end > bytes.length) return false;
    if (readU32(bytes, position) !== crc32(bytes, position + 4, end)) return false;
    if (lsn >= fromLsn) {
      const start = position + FRAME_HEADER_BYTES;
      const text = bytes.toString(word >= ASCII_FLAG ? 'latin1' : 'utf8', start, end);
      visit(JSON.parse(text));
    }
    position = end;
    lsn++;
  }
  return true;
}
