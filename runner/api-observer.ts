import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { connect } from 'node:net';
import type { ApiUse, RateLimitWindow } from '../api/run-events';

/**
 * A loopback pass-through in front of a local sandbox, so the runner can tell a user that their
 * script never reached the API, or that the sandbox refused its orders for flooding (429).
 * HTTP requests are forwarded as they are; WebSocket upgrades become a raw byte pipe.
 */
export interface ApiObserver {
  /** Give this to the script instead of the sandbox's URL. */
  url: string;
  requests(): number;
  rateLimited(): number;
  /** The calls answered since the last call of this (null if none), and the latest rate window. */
  takeUse(): ApiUse | null;
  close(): Promise<void>;
}

/** Latencies kept per interval for its percentiles; past this, a uniform sample of them. */
const maxSamples = 4096;

/** What the observer saw between two readings. */
class UseInterval {
  requests = 0;
  errors = 0;
  rateLimited = 0;
  last = 0;
  max = 0;
  private seen = 0;
  private samples: number[] = [];

  answered(latencyMs: number): void {
    this.requests++;
    this.last = latencyMs;
    if (latencyMs > this.max) this.max = latencyMs;
    // Reservoir sampling keeps every latency equally likely to be among the samples.
    this.seen++;
    if (this.samples.length < maxSamples) this.samples.push(latencyMs);
    else {
      const slot = Math.floor(Math.random() * this.seen);
      if (slot < maxSamples) this.samples[slot] = latencyMs;
    }
  }

  percentile(fraction: number): number {
    if (this.samples.length === 0) return 0;
    const sorted = [...this.samples].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))];
  }
}

/** The `X-RateLimit-*` headers of an answer, when it has all three. */
export function rateWindowOf(
  headers: Record<string, string | string[] | undefined>,
): RateLimitWindow | null {
  const read = (name: string) => {
    const value = headers[name];
    const number = Number(Array.isArray(value) ? value[0] : value);
    return value === undefined || !Number.isFinite(number) ? null : number;
  };
  const limit = read('x-ratelimit-limit');
  const remaining = read('x-ratelimit-remaining');
  const reset = read('x-ratelimit-reset');
  return limit === null || remaining === null || reset === null
    ? null
    : { limit, remaining, reset };
}

export async function observeApi(target: string): Promise<ApiObserver> {
  const upstream = new URL(target);
  if (upstream.protocol !== 'http:')
    throw new Error(`the API observer only fronts a local http:// sandbox, not ${target}`);
  const port = Number(upstream.port || 80);
  const host = upstream.hostname;
  let requests = 0;
  let rateLimited = 0;
  let interval = new UseInterval();
  let rateWindow: RateLimitWindow | null = null;
  const sockets = new Set<Socket>();

  const server = createServer((incoming, outgoing) => {
    requests += 1;
    const sentAt = performance.now();
    const forward = httpRequest(
      {
        host,
        port,
        method: incoming.method,
        path: incoming.url,
        headers: { ...incoming.headers, host: upstream.host },
      },
      (answer) => {
        interval.answered(performance.now() - sentAt);
        const status = answer.statusCode ?? 502;
        if (status === 429) {
          rateLimited += 1;
          interval.rateLimited++;
        }
        if (status >= 500) interval.errors++;
        rateWindow = rateWindowOf(answer.headers) ?? rateWindow;
        outgoing.writeHead(answer.statusCode ?? 502, answer.rawHeaders);
        answer.pipe(outgoing);
      },
    );
    forward.on('error', (error) => {
      interval.answered(performance.now() - sentAt);
      interval.errors++;
      if (!outgoing.headersSent) {
        outgoing.writeHead(502, { 'Content-Type': 'application/json' });
        outgoing.end(
          JSON.stringify({
            error: { code: 'unavailable', message: `the sandbox is unreachable: ${error.message}` },
          }),
        );
      } else outgoing.destroy();
    });
    incoming.pipe(forward);
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('upgrade', (incoming, client: Socket, head: Buffer) => {
    requests += 1;
    const backend = connect(port, host, () => {
      const lines = [`${incoming.method} ${incoming.url} HTTP/1.1`];
      for (let i = 0; i < incoming.rawHeaders.length; i += 2) {
        const name = incoming.rawHeaders[i];
        const value = name.toLowerCase() === 'host' ? upstream.host : incoming.rawHeaders[i + 1];
        lines.push(`${name}: ${value}`);
      }
      backend.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (head.length > 0) backend.write(head);
      backend.pipe(client);
      client.pipe(backend);
    });
    sockets.add(backend);
    backend.once('close', () => sockets.delete(backend));
    const end = () => {
      backend.destroy();
      client.destroy();
    };
    backend.on('error', end);
    client.on('error', end);
    client.on('close', end);
    backend.on('close', end);
  });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => done());
  });
  const { port: ownPort } = server.address() as AddressInfo;
  const basePath = upstream.pathname.replace(/\/$/, '');
  return {
    url: `http://127.0.0.1:${ownPort}${basePath}`,
    requests: () => requests,
    rateLimited: () => rateLimited,
    takeUse: () => {
      const done = interval;
      if (done.requests === 0) return null;
      interval = new UseInterval();
      return {
        requests: done.requests,
        errors: done.errors,
        rate_limited: done.rateLimited,
        latency_ms: {
          last: round(done.last),
          p50: round(done.percentile(0.5)),
          p95: round(done.percentile(0.95)),
          max: round(done.max),
        },
        rate_limit: rateWindow,
      };
    },
    close: () =>
      new Promise<void>((done) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => done());
      }),
  };
}

const round = (ms: number) => Math.round(ms * 100) / 100;
