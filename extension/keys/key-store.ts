import { z } from 'zod';
import { Scope } from '../../api/auth';
import type { RunEnvironment } from '../../api/script-environment';

// API keys live in VS Code's SecretStorage (the OS keychain on a desktop), one per environment,
// and nowhere else: not in settings, logs, run records or anything a view shows.

export type KeyEnvironment = Exclude<RunEnvironment, 'backtest'>;
export const keyEnvironments: readonly KeyEnvironment[] = ['local', 'sandbox', 'live'];

/** The part of `vscode.SecretStorage` the store uses (a Map stands in for it in unit tests). */
export interface SecretsLike {
  get(key: string): PromiseLike<string | undefined>;
  store(key: string, value: string): PromiseLike<void>;
  delete(key: string): PromiseLike<void>;
}

export const StoredKey = z.object({
  key_id: z.string().min(1),
  secret: z.string().min(1),
  scope: Scope,
  /** When it was added (ms): keys are rotated every 30 days. */
  added_at: z.number(),
});
export type StoredKey = z.infer<typeof StoredKey>;

/** What may be shown of a key: everything but its secret. */
export type KeyListing = Omit<StoredKey, 'secret'> & { env: KeyEnvironment };

const slot = (env: KeyEnvironment) => `timber.key.${env}`;

export class KeyStore {
  constructor(private readonly secrets: SecretsLike) {}

  async get(env: KeyEnvironment): Promise<StoredKey | undefined> {
    const text = await this.secrets.get(slot(env));
    if (text === undefined) return undefined;
    try {
      const parsed = StoredKey.safeParse(JSON.parse(text));
      return parsed.success ? parsed.data : undefined;
    } catch {
      return undefined;
    }
  }

  async put(env: KeyEnvironment, key: StoredKey): Promise<void> {
    await this.secrets.store(slot(env), JSON.stringify(StoredKey.parse(key)));
  }

  async remove(env: KeyEnvironment): Promise<void> {
    await this.secrets.delete(slot(env));
  }

  async list(): Promise<KeyListing[]> {
    const listed: KeyListing[] = [];
    for (const env of keyEnvironments) {
      const key = await this.get(env);
      if (key !== undefined)
        listed.push({ env, key_id: key.key_id, scope: key.scope, added_at: key.added_at });
    }
    return listed;
  }
}
