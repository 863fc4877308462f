import { parseArgs } from 'node:util';
import type { SandboxReady } from '../api/run-events';
import { apiRateLimits } from '../api/script-environment';
import type { ClockMode } from '../api/admin';
import { clockStartingAt, parseInstant } from '../sandbox/service/clock';
import { defaultDataDir } from '../sandbox/service/data-dir';
import { startSandbox } from '../sandbox/server/start';
import type { StreamLimits } from '../sandbox/stream/protocol';
import { UsageError } from './usage';

export const sandboxHelp = `Usage: tbm sandbox [options]

Serves the local Timber Bondmere sandbox until interrupted (Ctrl-C or SIGTERM).

Options:
  --port P              port to listen on (default: a free port)
  --host H              address to bind (default: 127.0.0.1; anything else exposes the sandbox)
  --data-dir D          where accounts, orders and keys are kept (default: ${defaultDataDir()})
  --clock MODE          how the market clock runs, kept with the data folder:
                          real     the wall clock (the default for a new folder); the market is
                                   closed when it really is (forex from Fri 22:00 to Sun 22:00 UTC)
                          session  real speed, but the hours forex is closed are skipped, so there
                                   is always a market to trade; it may stand ahead of the wall clock
                        without --clock, a folder keeps the clock it had; a real folder may become
                        a session one, not the other way round (its market time would run back)
  --now ISO             start the market clock at this instant (e.g. 2024-03-06T12:00:00Z);
                        it runs on in real time from there (with --clock session: skipping closed
                        hours, and only ever forward for a folder that already has a session clock)
  --key-rate-limit N    requests per second per key (default: 10000)
  --order-rate-limit N  new orders per second per account (default: 100)
  --json                print one JSON line {"url","port","data_dir","pid"} when ready
  -h, --help            this help`;

function positiveInt(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text) || Number(text) < 1)
    throw new UsageError(`--${name} must be a positive whole number, got "${text}"`);
  return Number(text);
}

/** The hidden --stream-* options, only those given. */
function streamLimitsFrom(values: Record<string, string | boolean | undefined>) {
  const limits: Partial<StreamLimits> = {};
  const pick = (name: string, field: keyof StreamLimits) => {
    const text = values[name];
    if (typeof text === 'string') limits[field] = positiveInt(name, text, 0);
  };
  pick('stream-heartbeat-ms', 'heartbeatMs');
  pick('stream-silence-ms', 'silenceMs');
  pick('stream-auth-timeout-ms', 'authTimeoutMs');
  pick('stream-buffer-bytes', 'maxBufferedBytes');
  pick('stream-max-subscriptions', 'maxSubscriptions');
  return limits;
}

function instantOption(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  try {
    return parseInstant(text);
  } catch (error) {
    throw new UsageError(`--${name}: ${(error as Error).message}`);
  }
}

export async function sandboxCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      port: { type: 'string' },
      host: { type: 'string', default: '127.0.0.1' },
      'data-dir': { type: 'string' },
      now: { type: 'string' },
      clock: { type: 'string' },
      // Hidden, for tests of the session clock: the wall clock starts at this instant (a
      // simulated Saturday), as if the machine's clock said so.
      'wall-now': { type: 'string' },
      'key-rate-limit': { type: 'string' },
      'order-rate-limit': { type: 'string' },
      // Hidden, for benchmarks only (bench/http.ts): `--durability none` skips fsync, so an
      // acknowledged order can be lost in a power cut. Deliberately absent from the help.
      durability: { type: 'string', default: 'fsync' },
      // Hidden, for tests of what happens when tokens expire: access token lifetime in seconds.
      'token-lifetime': { type: 'string' },
      // Hidden, for tests of the stream: shorter heartbeat, silence, auth and buffer limits.
      'stream-heartbeat-ms': { type: 'string' },
      'stream-silence-ms': { type: 'string' },
      'stream-auth-timeout-ms': { type: 'string' },
      'stream-buffer-bytes': { type: 'string' },
      'stream-max-subscriptions': { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(sandboxHelp);
    return 0;
  }
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--port must be 0 to 65535, got "${values.port}"`);
  const startAt = instantOption('now', values.now);
  const wallStart = instantOption('wall-now', values['wall-now']);
  const wallClock = wallStart === undefined ? undefined : clockStartingAt(wallStart);
  const clock = values.clock;
  if (clock !== undefined && clock !== 'real' && clock !== 'session')
    throw new UsageError(`--clock must be "real" or "session", got "${clock}"`);
  const durability = values.durability;
  if (durability !== 'fsync' && durability !== 'none')
    throw new UsageError(`--durability must be "fsync" or "none", got "${durability}"`);
  const dataDir = values['data-dir'] ?? defaultDataDir();
  const sandbox = await startSandbox({
    port,
    host: values.host,
    dataDir,
    ...(startAt !== undefined && { startAt }),
    ...(clock !== undefined && { clock: clock satisfies ClockMode }),
    ...(wallClock !== undefined && { wallClock: () => wallClock.now() }),
    keyRateLimit: positiveInt(
      'key-rate-limit',
      values['key-rate-limit'],
      apiRateLimits.requestsPerSecondPerKey,
    ),
    orderRateLimit: positiveInt(
      'order-rate-limit',
      values['order-rate-limit'],
      apiRateLimits.ordersPerSecondPerAccount,
    ),
    durability,
    streamLimits: streamLimitsFrom(values),
    ...(values['token-lifetime'] !== undefined && {
      accessTokenLifetimeSeconds: positiveInt('token-lifetime', values['token-lifetime'], 0),
    }),
    log: (line) => console.error(line),
  });
  if (values.json) {
    const ready: SandboxReady = {
      url: sandbox.url,
      port: sandbox.port,
      data_dir: dataDir,
      pid: process.pid,
    };
    console.log(JSON.stringify(ready));
  } else {
    console.log(`Timber sandbox listening on ${sandbox.url} (data: ${dataDir})`);
    console.log(
      'Create a key with: tbm keys create --scope trade' +
        (values['data-dir'] ? ` --data-dir ${dataDir}` : ''),
    );
  }
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      console.error(`[sandbox] ${signal}: shutting down`);
      sandbox.close().then(resolve, (error: unknown) => {
        console.error(`[sandbox] shutdown failed: ${(error as Error).message}`);
        process.exitCode = 1;
        resolve();
      });
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  return process.exitCode === 1 ? 1 : 0;
}
