import { apiRateLimits } from '../api/script-environment';
import { startSandbox } from '../sandbox/server/start';
import type { LocalSandbox, LocalSandboxOptions } from './local-sandbox';
import { attachLocalSandbox, localSandboxAt, SandboxProblem } from './local-sandbox';

// Kept apart from local-sandbox.ts so that what only attaches (the extension host, which runs
// the sandbox as a child process) does not carry the whole server.

/** Uses the sandbox running on `dataDir`, or starts one in this process (`tbm run`, the demo). */
export async function connectLocalSandbox(options: LocalSandboxOptions): Promise<LocalSandbox> {
  const attached = await attachLocalSandbox(options.dataDir);
  if (attached !== null) return attached;
  try {
    const running = await startSandbox({
      port: 0,
      host: '127.0.0.1',
      dataDir: options.dataDir,
      ...(options.startAt !== undefined && { startAt: options.startAt }),
      ...(options.clock !== undefined && { clock: options.clock }),
      keyRateLimit: apiRateLimits.requestsPerSecondPerKey,
      orderRateLimit: apiRateLimits.ordersPerSecondPerAccount,
      log: options.log,
    });
    return localSandboxAt({
      url: running.url,
      dataDir: options.dataDir,
      embedded: true,
      close: () => running.close(),
    });
  } catch (error) {
    throw new SandboxProblem(
      `cannot start the local sandbox on ${options.dataDir}: ${(error as Error).message}`,
    );
  }
}
