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

/** A key that no longer gives or honours tokens, kept so the sandbox can say so and list it. */
export interface RevokedKeyRecord extends KeyRecord {
  revoked_at: number;
}

export type KeyEvent =
  | ({ type: 'key_created'; t: number } & KeyRecord)
  | { type: 'key_revoked'; key_id: string; t: number };

/** What a token exchange or a token check needs of the keys (the whole state, or a view of it). */
export interface KeyLookup {
  /** A key that may be used: undefined when there is no such key, or it was revoked. */
  get(keyId: string): KeyRecord | undefined;
  /** The key if it was revoked. */
  revoked(keyId: string): RevokedKeyRecord | undefined;
}

/**
 * The sandbox's API keys. Revoked keys live apart from the usable ones, so that every look-up
 * that lets a caller in (`get`, `has`) can only ever see a usable key.
 */
export class KeyState implements KeyLookup {
  private readonly usable = new Map<string, KeyRecord>();
  private readonly revokedKeys = new Map<string, RevokedKeyRecord>();

  constructor(usable: readonly KeyRecord[] = [], revoked: readonly RevokedKeyRecord[] = []) {
    for (const key of usable) this.usable.set(key.key_id, key);
    for (const key of revoked) this.revokedKeys.set(key.key_id, key);
  }

  get(keyId: string): KeyRecord | undefined {
    return this.usable.get(keyId);
  }

  has(keyId: string): boolean {
    return this.usable.has(keyId);
  }

  revoked(keyId: string): RevokedKeyRecord | undefined {
    return this.revokedKeys.get(keyId);
  }

  /** The usable keys, in the order they were created. */
  usableKeys(): KeyRecord[] {
    return [...this.usable.values()];
  }

  /** The revoked keys, in the order they were revoked. */
  revokedKeyList(): RevokedKeyRecord[] {
    return [...this.revokedKeys.values()];
  }

  /** Every key, usable or revoked, oldest first (by creation, then id). */
  all(): (KeyRecord & { revoked_at: number | null })[] {
    return [
      ...this.usableKeys().map((key) => ({ ...key, revoked_at: null })),
      ...this.revokedKeyList(),
    ].sort((a, b) => a.created_at - b.created_at || a.key_id.localeCompare(b.key_id));
  }

  apply(event: KeyEvent): void {
    switch (event.type) {
      case 'key_created': {
        const { type: _type, t: _t, ...record } = event;
        this.usable.set(record.key_id, record);
        return;
      }
      case 'key_revoked': {
        // A second revocation of the same key (or of an unknown one) changes nothing.
        const key = this.usable.get(event.key_id);
        if (key === undefined) return;
        this.usable.delete(event.key_id);
        this.revokedKeys.set(event.key_id, { ...key, revoked_at: event.t });
        return;
      }
      default:
        event satisfies never;
    }
  }
}

/** What a client is told about a revoked key: which, and since when, in UTC. */
export function revokedWords(key: Pick<RevokedKeyRecord, 'key_id' | 'revoked_at'>): string {
  return `the key ${key.key_id} was revoked at ${new Date(key.revoked_at).toISOString()}`;
}
