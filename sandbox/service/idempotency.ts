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

/** Records by account and key; insertion order is time order, which makes expiry a prefix scan. */
export type IdempotencyState = Map<string, IdempotencyRecord>;

export const idempotencySlot = (accountId: string, key: string) => `${accountId}\u0000${key}`;

export function applyIdempotencyEvent(state: IdempotencyState, event: IdempotencyEvent): void {
  const slot = idempotencySlot(event.account_id, event.key);
  state.delete(slot);
  state.set(slot, { hash: event.hash, status: event.status, answer: event.answer, t: event.t });
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
  return createHash('sha256').update(canonicalJson(body)).digest('base64url');
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
