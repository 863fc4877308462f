import type { Scope } from '../../api/auth';
import type { LocalSandbox } from '../../runner/local-sandbox';
import { SandboxRefusal } from '../../runner/local-sandbox';
import type { KeyCheck } from './check-key';
import type { StoredKey } from './key-store';

// Rotating a key, in an order that can never leave the user without a working key: make (or be
// given) the new key, check it with a token exchange, store it in place of the old one, and only
// then revoke the old one. Until the store succeeds the old key stays stored and valid; a new
// key that is not kept is undone where the environment allows. Knows nothing of VS Code: the
// steps are passed in (the embedded sandbox's below; the hosted environments' ask the user).

export interface NewKey {
  key_id: string;
  secret: string;
}

/** What became of the old key once the new one was stored. */
export type Revocation =
  | { kind: 'revoked' }
  /** The environment no longer knew it (a local sandbox on a new data folder). */
  | { kind: 'already-gone' }
  /** The environment gives a client no way to revoke a key: the user must. */
  | { kind: 'by-hand'; how: string }
  | { kind: 'failed'; problem: string };

export interface RotationSteps {
  /** The key stored now, if any. */
  current(): Promise<StoredKey | undefined>;
  /** The new key, made or asked for; undefined when the user gave up. */
  obtain(old: StoredKey | undefined): Promise<NewKey | undefined>;
  /** A token exchange with the new key (never throws). */
  check(key: NewKey): Promise<KeyCheck>;
  /** Stores the key in place of the old one. */
  store(key: StoredKey): Promise<void>;
  revoke(oldKeyId: string): Promise<Revocation>;
  /** Undoes a new key that will not be kept, where the environment allows it. */
  discard(key: NewKey): Promise<void>;
  now(): number;
}

type KeyShown = { key_id: string; scope: Scope };

export type RotationOutcome =
  | { kind: 'cancelled' }
  /** Nothing changed: `kept` is the key still stored (and still valid), if there is one. */
  | { kind: 'not-rotated'; problem: string; kept: string | null }
  | {
      kind: 'rotated';
      previous: KeyShown | null;
      key: KeyShown;
      /** Null when there was no old key to revoke. */
      revocation: Revocation | null;
    };

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

export async function rotateKey(steps: RotationSteps): Promise<RotationOutcome> {
  const old = await steps.current();
  const notRotated = (problem: string): RotationOutcome => ({
    kind: 'not-rotated',
    problem,
    kept: old?.key_id ?? null,
  });
  let fresh: NewKey | undefined;
  try {
    fresh = await steps.obtain(old);
  } catch (error) {
    return notRotated(`no new key could be made: ${message(error)}`);
  }
  if (fresh === undefined) return { kind: 'cancelled' };
  if (fresh.key_id === old?.key_id)
    return notRotated(`${fresh.key_id} is the key stored now; a rotation needs a new key`);
  const undo = async (problem: string): Promise<RotationOutcome> => {
    try {
      await steps.discard(fresh);
      return notRotated(problem);
    } catch (error) {
      return notRotated(
        `${problem} (and the new key ${fresh.key_id} could not be revoked: ${message(error)})`,
      );
    }
  };
  const check = await steps.check(fresh);
  if (!check.ok) return undo(`the new key was not stored: ${check.problem}`);
  try {
    await steps.store({ ...fresh, scope: check.scope, added_at: steps.now() });
  } catch (error) {
    return undo(`the new key ${fresh.key_id} could not be stored: ${message(error)}`);
  }
  const key = { key_id: fresh.key_id, scope: check.scope };
  if (old === undefined) return { kind: 'rotated', previous: null, key, revocation: null };
  let revocation: Revocation;
  try {
    revocation = await steps.revoke(old.key_id);
  } catch (error) {
    revocation = { kind: 'failed', problem: message(error) };
  }
  return {
    kind: 'rotated',
    previous: { key_id: old.key_id, scope: old.scope },
    key,
    revocation,
  };
}

/**
 * The embedded sandbox's part of a rotation: the new key is made on the old one's account with
 * its scope (a first key: trade, on the default account), and the old one revoked by the
 * sandbox's admin API.
 */
export function localRotation(
  sandbox: Pick<LocalSandbox, 'createKey' | 'listKeys' | 'revokeKey'>,
): Pick<RotationSteps, 'obtain' | 'revoke' | 'discard'> {
  return {
    obtain: async (old) => {
      const account =
        old === undefined
          ? undefined
          : (await sandbox.listKeys()).find((key) => key.key_id === old.key_id)?.account_id;
      const created = await sandbox.createKey(old?.scope ?? 'trade', account, 'timber studio');
      return { key_id: created.key_id, secret: created.secret };
    },
    revoke: async (oldKeyId) => {
      try {
        await sandbox.revokeKey(oldKeyId);
        return { kind: 'revoked' };
      } catch (error) {
        if (error instanceof SandboxRefusal && error.code === 'not_found')
          return { kind: 'already-gone' };
        throw error;
      }
    },
    discard: async (key) => {
      await sandbox.revokeKey(key.key_id);
    },
  };
}
