import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { timingSafeEqual } from 'node:crypto';
import { Dispatcher } from '../http/dispatch';
import type { DispatchRequest } from '../http/dispatch';
import { createHandlers } from '../http/handlers/table';
import { hostPolicy } from '../http/host-policy';
import { RateLimiter } from '../http/rate-limit';
import { createHttpServer } from '../http/server';
import { TokenAuthority } from '../service/tokens';
import { FaultRegistry } from '../faults/faults';
import { sessionAwareDispatcher } from '../sessions/front';
import { SessionRegistry } from '../sessions/registry';
import { privateDirMode, privateFileMode } from '../store/durable-fs';
import { openStore } from '../store/store';
import { LiveStreamBackend } from '../stream/live-backend';
import type { StreamLimits } from '../stream/protocol';
import { attachStreamServer } from '../stream/ws-server';
import type { Durability } from '../store/journal';
import type { ClockMode } from '../../api/admin';
import { clockFileIn, openFolderClock } from '../service/clock-state';
import type { RuntimeInfo } from '../service/data-dir';
import { dataFiles, ensureSecretFile } from '../service/data-dir';
import { secureDataDir } from '../service/data-dir-check';
import { expireIdempotency } from '../service/idempotency';
import { createMarketView } from '../market/market-view';
import { Matcher } from '../service/matcher';
import { Sandbox } from '../service/sandbox';
import { recoveryLines, storageHealth } from '../service/storage-health';
import type { SandboxEvent, SandboxState } from '../service/state';
import {
  applySandboxEvent,
  createSandboxState,
  deserializeSandboxState,
  serializeSandboxState,
} from '../service/state';

/** How long a graceful shutdown waits for answers still being written before it cuts them off. */
const shutdownGraceMs = 5_000;

export interface SandboxOptions {
  port: number;
  host: string;
  dataDir: string;
  /** Start the market clock at this instant (epoch ms); it runs on in real time. */
  startAt?: number;
  /**
   * How the market clock runs (`tbm sandbox --clock`); absent: as the data folder's clock did
   * before, or `real` for a new folder. See `service/clock-state.ts` for the rules.
   */
  clock?: ClockMode;
  /** The wall clock the market clock follows (default Date.now); tests simulate a weekend with it. */
  wallClock?: () => number;
  keyRateLimit: number;
  orderRateLimit: number;
  /** 'none' only for benchmarks that measure something else. */
  durability?: Durability;
  log: (line: string) => void;
  /** Stream timings and limits (tests shorten the heartbeat and silence periods). */
  streamLimits?: Partial<StreamLimits>;
  /** How long access tokens live (default: an hour, as API.md says); tests shorten it. */
  accessTokenLifetimeSeconds?: number;
}

export interface RunningSandbox {
  url: string;
  port: number;
  sandbox: Sandbox;
  close(): Promise<void>;
}

/** Opens the data folder, replays the journal, and serves the API until `close`. */
export async function startSandbox(options: SandboxOptions): Promise<RunningSandbox> {
  mkdirSync(options.dataDir, { recursive: true, mode: privateDirMode });
  // Before the store opens: a refused folder is left as it was found, lock file and all.
  secureDataDir(options.dataDir, { log: options.log });
  const store = await openStore<SandboxState, SandboxEvent>({
    dir: join(options.dataDir, dataFiles.store),
    initialState: createSandboxState,
    apply: applySandboxEvent,
    serialize: serializeSandboxState,
    deserialize: deserializeSandboxState,
    durability: options.durability ?? 'fsync',
    // A record is one command (a keyed order is three events), so this is ~100,000 events:
    // what a restart after a crash replays at most.
    snapshotEvery: 33_000,
    onBackgroundError: (error) =>
      options.log(`[sandbox] background snapshot failed (the journal is intact): ${error.message}`),
  });
  for (const line of recoveryLines(store.recovery)) options.log(line);
  try {
    const adminToken = Buffer.from(ensureSecretFile(options.dataDir, dataFiles.adminToken, 32));
    const signingKey = Buffer.from(
      ensureSecretFile(options.dataDir, dataFiles.signingKey, 32),
      'hex',
    );
    const folderClock = openFolderClock(
      clockFileIn(options.dataDir),
      {
        ...(options.clock !== undefined && { mode: options.clock }),
        ...(options.startAt !== undefined && { startAt: options.startAt }),
        lastEventAt: store.state.lastEventAt,
      },
      options.wallClock ?? Date.now,
      options.log,
    );
    const clock = folderClock.clock;
    if (clock.mode === 'session') {
      const iso = (t: number) => new Date(t).toISOString();
      options.log(
        `[sandbox] session clock: market time ${iso(clock.now())} at wall time ${iso(clock.wallNow())}; ` +
          'it runs in real time and skips the hours forex is closed',
      );
    }
    const sandbox = new Sandbox(store, createMarketView(), clock);
    await sandbox.ensureIdKey(clock.now());
    await sandbox.ensureDefaultAccount(clock.now());

    // Tokens expire on the market clock, as everything else in the API that has a time does.
    const tokens = new TokenAuthority(signingKey, options.accessTokenLifetimeSeconds, () =>
      clock.now(),
    );
    const faults = new FaultRegistry();
    // The URL is known once the server listens; sessions are created only after that.
    let url = '';
    // The stream server is attached once the HTTP server exists; no key is revoked before.
    let closeStreamsOf = (_keyId: string, _words: string): void => undefined;
    // One count per key and per address, whichever URL (the sandbox's or a session's) it used.
    const keyLimiter = new RateLimiter(options.keyRateLimit);
    const addressLimiter = new RateLimiter(options.keyRateLimit);
    const sessions = new SessionRegistry(() => ({
      keys: sandbox.state.keys,
      tokens,
      baseUrl: url,
      keyLimiter,
      addressLimiter,
      log: options.log,
    }));
    // Batches dispatch their inner requests through the dispatcher that runs the batch.
    const dispatch = (request: DispatchRequest) => dispatcher.dispatch(request);
    const dispatcher: Dispatcher = new Dispatcher({
      log: options.log,
      handlers: createHandlers({
        sandbox,
        tokens,
        orderLimiter: new RateLimiter(options.orderRateLimit),
        dispatch,
        sessions,
        faults,
        storage: () => storageHealth(store.recovery, store.stats),
        clock,
        keyRevoked: (keyId, words) => closeStreamsOf(keyId, words),
      }),
      tokens,
      keys: sandbox.state.keys,
      adminTokenMatches: (token) => {
        const given = Buffer.from(token);
        return given.length === adminToken.length && timingSafeEqual(given, adminToken);
      },
      keyLimiter,
      addressLimiter,
      now: Date.now,
      faultsFor: (caller, changesState) => faults.decide(caller.keyId, changesState),
    });
    // Loopback names, and the name or address it was bound to (`--host`).
    const policy = hostPolicy(options.host);
    const server = createHttpServer(
      sessionAwareDispatcher(dispatcher, sessions, new RateLimiter(options.keyRateLimit)),
      policy,
      options.log,
    );
    const liveStream = new LiveStreamBackend({
      sandbox,
      tokens,
      storeDir: join(options.dataDir, dataFiles.store),
      faultsFor: (principal) => faults.get(principal.keyId),
    });
    const streams = attachStreamServer(server, {
      live: liveStream,
      sessionBackend: (id) => sessions.streamBackend(id),
      ...(options.streamLimits !== undefined && { limits: options.streamLimits }),
      log: options.log,
      policy,
    });
    closeStreamsOf = (keyId, words) => {
      const closed = streams.closeKey(keyId, words);
      if (closed > 0)
        options.log(`[sandbox] closed ${closed} stream connection(s) of revoked key ${keyId}`);
    };
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const port = (server.address() as AddressInfo).port;
    const host = options.host.includes(':') ? `[${options.host}]` : options.host;
    url = `http://${host}:${port}`;
    writeRuntimeInfo(options.dataDir, { url, pid: process.pid, started_at: Date.now() });

    const matcher = new Matcher(sandbox, sandbox.state.lastEventAt);
    matcher.start((error) => options.log(`[sandbox] matching failed: ${error.message}`));
    // Index the idempotency records of the snapshot a slice at a time, between requests.
    const warmIdempotency = () => {
      if (!sandbox.state.idempotency.warm(20_000)) setImmediate(warmIdempotency);
    };
    setImmediate(warmIdempotency);
    const sweeper = setInterval(
      () => expireIdempotency(sandbox.state.idempotency, clock.now()),
      60_000,
    );
    sweeper.unref();

    let closing: Promise<void> | undefined;
    const close = () =>
      (closing ??= (async () => {
        matcher.stop();
        clearInterval(sweeper);
        // Upgraded sockets are no longer HTTP connections: server.close() would wait on them.
        await streams.close();
        sessions.close();
        liveStream.close();
        await new Promise<void>((resolve) => {
          // A keep-alive connection busy at this moment goes idle once its answer is sent, and
          // would otherwise hold the shutdown for the whole keep-alive timeout (65 s): close
          // idle ones as they appear, and whatever is left (a long download) after a grace time.
          const sweep = setInterval(() => server.closeIdleConnections(), 50);
          const grace = setTimeout(() => server.closeAllConnections(), shutdownGraceMs);
          server.close(() => {
            clearInterval(sweep);
            clearTimeout(grace);
            resolve();
          });
          server.closeIdleConnections();
        });
        rmSync(join(options.dataDir, dataFiles.runtime), { force: true });
        folderClock.save();
        await store.close();
      })());
    return { url, port, sandbox, close };
  } catch (error) {
    await store.close();
    throw error;
  }
}

function writeRuntimeInfo(dataDir: string, info: RuntimeInfo): void {
  const path = join(dataDir, dataFiles.runtime);
  // A temp file left by a crash would keep its own mode through a plain overwrite: start afresh.
  rmSync(`${path}.tmp`, { force: true });
  writeFileSync(`${path}.tmp`, JSON.stringify(info), { mode: privateFileMode, flag: 'wx' });
  renameSync(`${path}.tmp`, path);
}
