import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { CreatedKey } from '../api/admin';
import type { Scope } from '../api/auth';
import { dataFiles } from '../sandbox/service/data-dir';
import { readRuntimeInfo } from '../sandbox/service/runtime-info';
import { startSandbox } from '../sandbox/service/start';
import { apiRateLimits } from '../api/script-environment';

/** The local sandbox cannot be started or reached, or refused the runner: an environment problem. */
export class SandboxProblem extends Error {}

const Health = z.object({ status: z.literal('ok'), now: z.number().optional() });

/** A local sandbox the runner uses: one already running on the data folder, or its own. */
export interface LocalSandbox {
  url: string;
  dataDir: string;
  /** True when the runner started it in this process (and `close` stops it). */
  embedded: boolean;
  /** The sandbox's clock (it may run at another instant than the wall clock). */
  now(): Promise<number>;
  createKey(scope: Scope, account?: string): Promise<CreatedKey>;
  close(): Promise<void>;
}

export interface LocalSandboxOptions {
  dataDir: string;
  /** For an embedded sandbox: start its market clock at this instant. */
  startAt?: number;
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

/** Uses the sandbox running on `dataDir` (its `sandbox.json` answering `/health`), or starts one. */
export async function connectLocalSandbox(options: LocalSandboxOptions): Promise<LocalSandbox> {
  const info = readRuntimeInfo(options.dataDir);
  let url: string;
  let close = async () => {};
  let embedded = false;
  if (info && (await health(info.url))) {
    url = info.url;
  } else {
    try {
      const running = await startSandbox({
        port: 0,
        host: '127.0.0.1',
        dataDir: options.dataDir,
        ...(options.startAt !== undefined && { startAt: options.startAt }),
        keyRateLimit: apiRateLimits.requestsPerSecondPerKey,
        orderRateLimit: apiRateLimits.ordersPerSecondPerAccount,
        log: options.log,
      });
      url = running.url;
      close = () => running.close();
      embedded = true;
    } catch (error) {
      throw new SandboxProblem(
        `cannot start the local sandbox on ${options.dataDir}: ${(error as Error).message}`,
      );
    }
  }
  const adminToken = () => {
    try {
      return readFileSync(join(options.dataDir, dataFiles.adminToken), 'utf8').trim();
    } catch {
      throw new SandboxProblem(
        `cannot read the sandbox's admin token in ${options.dataDir}; pass the --data-dir it was started with`,
      );
    }
  };
  return {
    url,
    dataDir: options.dataDir,
    embedded,
    now: async () => (await health(url))?.now ?? Date.now(),
    createKey: async (scope, account = 'default') => {
      let response: Response;
      try {
        response = await fetch(`${url}/admin/keys`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${adminToken()}`, 'Content-Type': 'application/json' },
          body: JSON.stringify({ scope, account, label: 'timber runner' }),
        });
      } catch (error) {
        throw new SandboxProblem(`cannot reach the sandbox at ${url}: ${(error as Error).message}`);
      }
      const body: unknown = await response.json().catch(() => null);
      if (!response.ok)
        throw new SandboxProblem(
          `the sandbox refused to create a key (${response.status}): ${JSON.stringify(body)}`,
        );
      return CreatedKey.parse(body);
    },
    close,
  };
}
