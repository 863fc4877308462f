import { createHash } from 'node:crypto';
import type { OrderStatus } from '../../api/orders';

/** How long an Idempotency-Key is remembered. */
export const idempotencyWindowMs = 24 * 3600 * 1000;

/**
 * What a placed order looked like when it was answered. Only these fields of an order change
 * later (fills are appended), so this and the order rebuild the original body exactly, at a
 * tenth of the size of keeping the body: idempotency records are most of a busy sandbox's state.
 */
export interface AnsweredOrder {
  id: string;
  /** How many of the order's fills the answer showed. */
  fills: number;
  status: OrderStatus;
  filled_quantity: number;
  avg_fill_price: number | null;
  updated_at: number;
}

export interface IdempotencyRecord {
  /** Hash of the request body in canonical form. */
  hash: string;
  status: number;
  /** The original answer: the order as answered, or the body text of a refusal. */
  answer: AnsweredOrder | string;
  t: number;
}

export interface IdempotencyEvent {
  type: 'idempotency_recorded';
  account_id: string;
  key: string;
  hash: string;
  status: number;
  answer: AnsweredOrder | string;
  t: number;
}

/**
 * Records by account and key; iteration order is time order, which makes expiry a prefix scan.
 *
 * Records loaded from a snapshot are indexed lazily: a busy sandbox holds hundreds of thousands,
 * and building their map took a third of a restart. `warm` indexes them a slice at a time after
 * the sandbox is serving; anything that must see them all (a lookup, a listing) finishes first.
 * Records set meanwhile are newer than every loaded one and go after them.
 */
export class IdempotencyState {
  private records = new Map<string, IdempotencyRecord>();
  private loaded: LoadedRecords | null = null;
  private indexed: Map<string, IdempotencyRecord> | null = null;
  private nextLoaded = 0;
  /** Records set while loaded ones are still being indexed, oldest first (see `set`). */
  private newer: { slot: string; record: IdempotencyRecord }[] = [];

  static fromColumns(columns: IdempotencyColumns): IdempotencyState {
    return IdempotencyState.fromLoaded({
      count: columns.slots.length,
      slotAt: (index) => columns.slots[index],
      recordAt: (index) => recordAt(columns, index),
    });
  }

  /** Records loaded from a snapshot, in time order, to be indexed lazily (see `warm`). */
  static fromLoaded(records: LoadedRecords): IdempotencyState {
    const state = new IdempotencyState();
    if (records.count > 0) {
      state.loaded = records;
      state.indexed = new Map();
    }
    return state;
  }

  /** Indexes up to `budget` loaded records; true once none are left. */
  warm(budget = Number.POSITIVE_INFINITY): boolean {
    const loaded = this.loaded;
    const indexed = this.indexed;
    if (loaded === null || indexed === null) return true;
    const end = Math.min(loaded.count, this.nextLoaded + budget);
    for (let index = this.nextLoaded; index < end; index++) {
      indexed.set(loaded.slotAt(index), loaded.recordAt(index));
    }
    this.nextLoaded = end;
    if (end < loaded.count) return false;
    for (const { slot, record } of this.newer) {
      indexed.delete(slot);
      indexed.set(slot, record);
    }
    this.records = indexed;
    this.newer = [];
    this.loaded = null;
    this.indexed = null;
    return true;
  }

  get(slot: string): IdempotencyRecord | undefined {
    this.warm();
    return this.records.get(slot);
  }

  /** Records a newer answer for the slot (replacing an older, expired one). */
  set(slot: string, record: IdempotencyRecord): void {
    if (this.loaded !== null) {
      // Kept in order until the loaded records are indexed: the journal replayed at a restart
      // sets tens of thousands, and a list costs far less than a map before serving.
      this.newer.push({ slot, record });
      return;
    }
    this.records.delete(slot);
    this.records.set(slot, record);
  }

  delete(slot: string): boolean {
    this.warm();
    return this.records.delete(slot);
  }

  get size(): number {
    this.warm();
    return this.records.size;
  }

  keys(): IterableIterator<string> {
    this.warm();
    return this.records.keys();
  }

  [Symbol.iterator](): IterableIterator<[string, IdempotencyRecord]> {
    this.warm();
    return this.records[Symbol.iterator]();
  }
}

/** Records read back from a snapshot, by position in time order. */
export interface LoadedRecords {
  readonly count: number;
  slotAt(index: number): string;
  recordAt(index: number): IdempotencyRecord;
}

export const idempotencySlot = (accountId: string, key: string) => `${accountId}\u0000${key}`;

export function applyIdempotencyEvent(state: IdempotencyState, event: IdempotencyEvent): void {
  state.set(idempotencySlot(event.account_id, event.key), {
    hash: event.hash,
    status: event.status,
    answer: event.answer,
    t: event.t,
  });
}

export function findIdempotent(
  state: IdempotencyState,
  accountId: string,
  key: string,
  now: number,
): IdempotencyRecord | undefined {
  const record = state.get(idempotencySlot(accountId, key));
  return record && now - record.t < idempotencyWindowMs ? record : undefined;
}

/** Drops records older than the window. */
export function expireIdempotency(state: IdempotencyState, now: number): void {
  for (const [slot, record] of state) {
    if (now - record.t < idempotencyWindowMs) break;
    state.delete(slot);
  }
}

/** Same body means the same JSON value, whatever its key order or white space. */
export function requestHash(body: unknown): string {
  // 128 bits are plenty to tell bodies apart, and halve what every record keeps.
  return createHash('sha256')
    .update(canonicalJson(body))
    .digest()
    .subarray(0, 16)
    .toString('base64url');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * Idempotency records as columns of primitives, for snapshots: a busy sandbox holds hundreds of
 * thousands of them, and arrays of numbers and strings parse far faster than as many objects.
 */
export interface IdempotencyColumns {
  slots: string[];
  hashes: string[];
  statuses: number[];
  times: number[];
  /** The body text of a refusal, or null for an answered order (described by the columns below). */
  texts: (string | null)[];
  orderIds: string[];
  fills: number[];
  orderStatuses: OrderStatus[];
  filledQuantities: number[];
  avgFillPrices: (number | null)[];
  updatedAts: number[];
}

export function idempotencyToColumns(state: IdempotencyState): IdempotencyColumns {
  const columns: IdempotencyColumns = {
    slots: [],
    hashes: [],
    statuses: [],
    times: [],
    texts: [],
    orderIds: [],
    fills: [],
    orderStatuses: [],
    filledQuantities: [],
    avgFillPrices: [],
    updatedAts: [],
  };
  for (const [slot, record] of state) {
    columns.slots.push(slot);
    columns.hashes.push(record.hash);
    columns.statuses.push(record.status);
    columns.times.push(record.t);
    const answer = record.answer;
    const order = typeof answer === 'string' ? null : answer;
    columns.texts.push(typeof answer === 'string' ? answer : null);
    columns.orderIds.push(order?.id ?? '');
    columns.fills.push(order?.fills ?? 0);
    columns.orderStatuses.push(order?.status ?? 'rejected');
    columns.filledQuantities.push(order?.filled_quantity ?? 0);
    columns.avgFillPrices.push(order?.avg_fill_price ?? null);
    columns.updatedAts.push(order?.updated_at ?? 0);
  }
  return columns;
}

export function idempotencyFromColumns(columns: IdempotencyColumns): IdempotencyState {
  return IdempotencyState.fromColumns(columns);
}

function recordAt(columns: IdempotencyColumns, index: number): IdempotencyRecord {
  const text = columns.texts[index] ?? null;
  const answer: AnsweredOrder | string = text ?? {
    id: columns.orderIds[index],
    fills: columns.fills[index],
    status: columns.orderStatuses[index],
    filled_quantity: columns.filledQuantities[index],
    avg_fill_price: columns.avgFillPrices[index] ?? null,
    updated_at: columns.updatedAts[index],
  };
  return {
    hash: columns.hashes[index],
    status: columns.statuses[index],
    answer,
    t: columns.times[index],
  };
}
