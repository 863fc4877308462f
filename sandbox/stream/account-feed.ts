// The live side of the `orders` and `account` channels: renders each applied engine event once
// (SandboxState.onApplied), keeps the newest of them per account in a bounded ring for resumes,
// and hands them to the account's listeners. Older messages come from the store (history.ts).
// Only accounts that have been streamed (since start, within `maxRings`) are rendered: the
// others cost the order path nothing, and a first resume of theirs reads the store.
import type { MarketView } from '../engine/market-view';
import type { SandboxEvent, SandboxState } from '../service/state';
import { isEngineEvent } from '../service/state';
import type { AccountChannel, ChannelSeqs, FeedEntry } from './account-entries';
import { ChannelCounter, entriesFor } from './account-entries';
import type { HistoryResult } from './history';

export type FeedListener = (entry: FeedEntry) => void;

/** Reads a channel's messages after `sinceSeq` from the store (history.ts, or a stand-in). */
export type HistorySource = (
  accountId: string,
  channel: AccountChannel,
  sinceSeq: number,
) => Promise<HistoryResult>;

export type Backlog =
  { ok: true; entries: FeedEntry[] } | { ok: false; code: string; message: string };

/** A fixed-size FIFO of the newest entries of one account. */
class EntryRing {
  private readonly items: FeedEntry[] = [];
  private start = 0;

  constructor(private readonly capacity: number) {}

  push(entry: FeedEntry): void {
    this.items.push(entry);
    // The oldest is dropped by moving `start`; the array is compacted once a ring's worth is dead.
    if (this.items.length - this.start > this.capacity) this.start++;
    if (this.start >= this.capacity) {
      this.items.splice(0, this.start);
      this.start = 0;
    }
  }

  /** Entries of the channel with seq > sinceSeq, oldest first. */
  after(channel: AccountChannel, sinceSeq: number): FeedEntry[] {
    const found: FeedEntry[] = [];
    for (let index = this.start; index < this.items.length; index++) {
      const entry = this.items[index];
      if (entry.channel === channel && entry.seq > sinceSeq) found.push(entry);
    }
    return found;
  }
}

export interface AccountFeedOptions {
  market: MarketView;
  history: HistorySource;
  /** Entries kept in memory per account. */
  ringSize?: number;
  /** Accounts whose rings are kept; the least recently active beyond it lose theirs. */
  maxRings?: number;
}

export class AccountFeed {
  private readonly counter = new ChannelCounter();
  private readonly rings = new Map<string, EntryRing>();
  private readonly listeners = new Map<string, Set<FeedListener>>();
  private readonly ringSize: number;
  private readonly maxRings: number;

  constructor(private readonly options: AccountFeedOptions) {
    this.ringSize = options.ringSize ?? 1024;
    this.maxRings = options.maxRings ?? 200;
  }

  /** The SandboxState.onApplied tap: called right after each event is applied. */
  readonly onApplied = (event: SandboxEvent, state: SandboxState): void => {
    if (!isEngineEvent(event)) return;
    const ring = this.rings.get(event.account_id);
    if (ring === undefined) {
      this.counter.skip(event);
      return;
    }
    const entries = entriesFor(state.engine, this.options.market, this.counter, event);
    this.touch(event.account_id, ring);
    const listeners = this.listeners.get(event.account_id);
    for (const entry of entries) {
      ring.push(entry);
      if (listeners) for (const listener of listeners) listener(entry);
    }
  };

  current(state: SandboxState, accountId: string): ChannelSeqs {
    return this.counter.current(state.engine, accountId);
  }

  /** Listening also starts keeping the account's messages in memory, for its later resumes. */
  listen(accountId: string, listener: FeedListener): () => void {
    this.watch(accountId);
    let set = this.listeners.get(accountId);
    if (set === undefined) {
      set = new Set();
      this.listeners.set(accountId, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(accountId);
    };
  }

  /**
   * Every message of the channel after `sinceSeq` up to `currentSeq`, oldest first, from the
   * ring when it reaches back that far, else from the store plus the ring; or why not.
   */
  async backlog(
    accountId: string,
    channel: AccountChannel,
    sinceSeq: number,
    currentSeq: number,
  ): Promise<Backlog> {
    if (sinceSeq > currentSeq) {
      return {
        ok: false,
        code: 'invalid_request',
        message: `since_seq ${sinceSeq} is ahead of this account's latest ${channel} seq ${currentSeq}; resubscribe without since_seq (or with ${currentSeq})`,
      };
    }
    if (sinceSeq === currentSeq) return { ok: true, entries: [] };
    const inMemory = this.rings.get(accountId)?.after(channel, sinceSeq) ?? [];
    if (inMemory[0]?.seq === sinceSeq + 1) return { ok: true, entries: inMemory };
    const stored = await this.options.history(accountId, channel, sinceSeq);
    if (!stored.ok) {
      return {
        ok: false,
        code: 'not_found',
        message: `${channel} events after seq ${sinceSeq} are no longer kept; the oldest available is seq ${stored.oldestSeq}, so resume with since_seq ${stored.oldestSeq - 1} or later (and reload the current state over REST)`,
      };
    }
    // The ring may hold what the disk does not have yet; the store what the ring lost.
    const merged = new Map<number, FeedEntry>();
    for (const entry of stored.entries) merged.set(entry.seq, entry);
    for (const entry of this.rings.get(accountId)?.after(channel, sinceSeq) ?? []) {
      merged.set(entry.seq, entry);
    }
    const entries: FeedEntry[] = [];
    for (let seq = sinceSeq + 1; seq <= currentSeq; seq++) {
      const entry = merged.get(seq);
      if (entry === undefined) {
        return {
          ok: false,
          code: 'internal',
          message: `${channel} event ${seq} could not be read back from the store; resubscribe in a moment`,
        };
      }
      entries.push(entry);
    }
    return { ok: true, entries };
  }

  /** Keeps the account's messages from now on (until it is the least recently active of too many). */
  watch(accountId: string): void {
    if (this.rings.has(accountId)) return;
    this.rings.set(accountId, new EntryRing(this.ringSize));
    if (this.rings.size <= this.maxRings) return;
    // The least recently active account nobody is listening to gives up its ring.
    for (const candidate of this.rings.keys()) {
      if (candidate !== accountId && !this.listeners.has(candidate)) {
        this.rings.delete(candidate);
        return;
      }
    }
  }

  /** Most recently active last, so the first key is the one to evict. */
  private touch(accountId: string, ring: EntryRing): void {
    this.rings.delete(accountId);
    this.rings.set(accountId, ring);
  }
}
