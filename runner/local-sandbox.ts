import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { ClockMode } from '../api/admin';
import { AdminKey, AdminKeyList, CreatedKey, SandboxClock } from '../api/admin';
import type { Scope } from '../api/auth';
import { ApiErrorBody } from '../api/errors';
import { dataFiles } from '../sandbox/service/data-dir';
import { readRuntimeInfo } from '../sandbox/service/runtime-info';

/** The local sandbox cannot be started or reached, or refused the runner: an environment problem. */
export class SandboxProblem extends Error {}

/** The sandbox answered an admin call with an error: its status and code, and its words. */
export class SandboxRefusal extends SandboxProblem {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string | null,
  ) {
    super(message);
  }
}

const Health = z.object({
  status: z.literal('ok'),
  now: z.number().optional(),
  clock: SandboxClock.optional(),
});

/** A local sandbox the runner uses: one already running on the data folder, or its own. */
export interface LocalSandbox {
  url: string;
  dataDir: string;
  /** True when the runner started it in this process (and `close` stops it). */
  embedded: boolean;
  /** The sandbox's clock (it may run at another instant than the wall clock). */
  now(): Promise<number>;
  /** How the sandbox's market clock runs, or null if it does not say (or does not answer). */
  clock(): Promise<SandboxClock | null>;
  /**
   * A new key (its secret is in the answer only). `account`: "default", "new" or an id;
   * `label`: null for none.
   */
  createKey(scope: Scope, account?: string, label?: string | null): Promise<CreatedKey>;
  /** Every key of the sandbox, revoked ones included; never a secret. */
  listKeys(): Promise<AdminKey[]>;
  /** Revokes a key at once (again: no change); a SandboxProblem names an unknown id. */
  revokeKey(keyId: string): Promise<AdminKey>;
  close(): Promise<void>;
}

/** A sandbox process's clock may run at another instant than the wall clock: `/health` says. */
export interface LocalSandboxOptions {
  dataDir: string;
  /** For an embedded sandbox: start its market clock at this instant. */
  startAt?: number;
  /** For an embedded sandbox: how its market clock runs (default: as its data folder's did). */
  clock?: ClockMode;
  log: (line: string) => void;
}

export async function health(url: string): Promise<z.infer<typeof Health> | null> {
  try {
    const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) });
    if (!response.ok) return null;
    const parsed = Health.safeParse(await response.json());
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** The sandbox running on `dataDir` (its `sandbox.json` answering `/health`), or null. */
export async function attachLocalSandbox(dataDir: string): Promise<LocalSandbox | null> {
  const info = readRuntimeInfo(dataDir);
  if (info === null || (await health(info.url)) === null) return null;
  return localSandboxAt({ url: info.url, dataDir, embedded: false, close: async () => {} });
}

/** Admin calls and the clock of a local sandbox known to run at `url` on `dataDir`. */
export function localSandboxAt(where: {
  url: string;
  dataDir: string;
  embedded: boolean;
  close: () => Promise<void>;
}): LocalSandbox {
  const { url, dataDir } = where;
  const adminToken = () => {
    try {
      return readFileSync(join(dataDir, dataFiles.adminToken), 'utf8').trim();
    } catch {
      throw new SandboxProblem(
        `cannot read the sandbox's admin token in ${dataDir}; pass the --data-dir it was started with`,
      );
    }
  };
  /** One call of the loopback admin API; a refusal is a SandboxProblem in the sandbox's words. */
  const admin = async (method: string, path: string, what: string, body?: unknown) => {
    let response: Response;
    try {
      response = await fetch(`${url}${path}`, {
        method,
        headers: {
          Authorization: `Bearer ${adminToken()}`,
          ...(body !== undefined && { 'Content-Type': 'application/json' }),
        },
        ...(body !== undefined && { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(15_000),
      });
    } catch (error) {
      throw new SandboxProblem(
        `cannot reach the sandbox at ${url}: ${(error as Error).message}; is it running?`,
      );
    }
    const answer: unknown = await response.json().catch(() => null);
    if (!response.ok) {
      const refusal = ApiErrorBody.safeParse(answer);
      const why = refusal.success ? refusal.data.error.message : JSON.stringify(answer);
      throw new SandboxRefusal(
        `the sandbox refused to ${what} (${response.status}): ${why}`,
        response.status,
        refusal.success ? refusal.data.error.code : null,
      );
    }
    return answer;
  };
  return {
    url,
    dataDir,
    embedded: where.embedded,
    now: async () => (await health(url))?.now ?? Date.now(),
    clock: async () => (await health(url))?.clock ?? null,
    createKey: async (scope, account = 'default', label = 'timber runner') =>
      CreatedKey.parse(
        await admin('POST', '/admin/keys', 'create a key', {
          scope,
          account,
          ...(label !== null && { label }),
        }),
      ),
    listKeys: async () =>
      AdminKeyList.parse(await admin('GET', '/admin/keys', 'list its keys')).keys,
    revokeKey: async (keyId) =>
      AdminKey.parse(
        await admin(
          'DELETE',
          `/admin/keys/${encodeURIComponent(keyId)}`,
          `revoke the key ${keyId}`,
        ),
      ),
    close: where.close,
  };
}
