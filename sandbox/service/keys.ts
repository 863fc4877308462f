import type { Scope } from '../../api/auth';

export interface KeyRecord {
  key_id: string;
  /** SHA-256 of the secret; the secret itself is never stored. */
  secret_hash: string;
  scope: Scope;
  account_id: string;
  label: string | null;
  created_at: number;
}

export type KeyEvent =
  | ({ type: 'key_created'; t: number } & KeyRecord)
  | { type: 'key_revoked'; key_id: string; t: number };

export type KeyState = Map<string, KeyRecord>;

/** What a token exchange needs of the keys: a look-up (the whole state, or a view of it). */
export interface KeyLookup {
  get(keyId: string): KeyRecord | undefined;
}

export function applyKeyEvent(keys: KeyState, event: KeyEvent): void {
  switch (event.type) {
    case 'key_created': {
      const { type: _type, t: _t, ...record } = event;
      keys.set(record.key_id, record);
      return;
    }
    case 'key_revoked':
      keys.delete(event.key_id);
      return;
    default:
      event satisfies never;
  }
}
