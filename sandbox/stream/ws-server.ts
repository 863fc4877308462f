// The WebSocket side of node:http: routes upgrade requests by path (`/stream` to the live
// sandbox, `/sessions/{id}/stream` to a replay session), refuses foreign hosts and web pages,
// checks a bearer token when the upgrade carries one, refuses everything else in the API's
// error shape, and keeps the clients.
import { STATUS_CODES } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { ErrorCode } from '../../api/errors';
import { errorStatus } from '../../api/errors';
import type { HostPolicy } from '../http/host-policy';
import { hostPolicy } from '../http/host-policy';
import type { StreamBackend, StreamPrincipal } from './backend';
import { StreamClient } from './connection';
import type { StreamLimits } from './protocol';
import { closeCodes, ConnectionsPerKey, defaultStreamLimits } from './protocol';

export interface StreamServerOptions {
  /** What `/stream` serves. */
  live: StreamBackend;
  /** The backend of a replay session's `/sessions/{id}/stream`; undefined: no such session (404). */
  sessionBackend?: (sessionId: string) => StreamBackend | undefined;
  limits?: Partial<StreamLimits>;
  log?: (line: string) => void;
  /** Which Host and Origin headers an upgrade may carry (loopback ones unless told otherwise). */
  policy?: HostPolicy;
}

export interface StreamServer {
  readonly clientCount: number;
  readonly limits: StreamLimits;
  /** Closes every connection of a revoked key (4401), on /stream and replay sessions' streams. */
  closeKey(keyId: string, words: string): number;
  /** Closes every client (1001) and stops accepting upgrades. */
  close(): Promise<void>;
}

const sessionStreamPath = /^\/sessions\/([^/]+)\/stream$/;
const websocketKey = /^[+/0-9A-Za-z]{22}==$/;
let upgradeCounter = 0;
const requestIdPrefix = `ws_${Date.now().toString(36)}_`;

export function attachStreamServer(server: Server, options: StreamServerOptions): StreamServer {
  const limits: StreamLimits = { ...defaultStreamLimits, ...options.limits };
  const perKey = new ConnectionsPerKey(limits.maxConnectionsPerKey);
  const log = options.log ?? (() => undefined);
  const policy = options.policy ?? hostPolicy();
  const clients = new Set<StreamClient>();
  const sockets = new WebSocketServer({
    noServer: true,
    maxPayload: limits.maxFrameBytes,
    perMessageDeflate: false,
    clientTracking: false,
    // Invalid UTF-8 is answered like any other bad message (protocol.ts), not by a close.
    skipUTF8Validation: true,
  });
  let closing = false;

  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    // A client that resets mid-handshake must not take the process with it.
    socket.on('error', () => socket.destroy());
    try {
      if (closing) {
        refuse(socket, request, 'unavailable', 'the sandbox is shutting down');
        return;
      }
      const route = routeOf(request, options);
      if ('refusal' in route) {
        refuse(socket, request, route.refusal.code, route.refusal.message);
        return;
      }
      const problem = handshakeProblem(request);
      if (problem !== null) {
        refuse(socket, request, 'invalid_request', problem);
        return;
      }
      // A browser always sends Origin on a WebSocket handshake; other clients send none.
      const foreign =
        policy.refuseHost(request.headers.host) ?? policy.refuseOrigin(request.headers.origin);
      if (foreign !== null) {
        refuse(socket, request, 'forbidden', foreign);
        return;
      }
      const authorization = request.headers.authorization;
      let principal: StreamPrincipal | null = null;
      if (authorization !== undefined) {
        const token = /^Bearer +(\S+)\s*$/i.exec(authorization)?.[1];
        const outcome =
          token === undefined
            ? { refused: 'the Authorization header must be "Bearer <access_token>"' }
            : route.backend.authenticate(token);
        if ('refused' in outcome) {
          refuse(socket, request, 'unauthorized', outcome.refused, {
            'WWW-Authenticate': 'Bearer realm="timber"',
          });
          return;
        }
        principal = outcome;
      }
      sockets.handleUpgrade(request, socket, head, (ws) => {
        const tcp = socket as Duplex & { cork(): void; uncork(): void };
        const client = new StreamClient(
          ws,
          route.backend,
          limits,
          log,
          (gone) => clients.delete(gone),
          perKey,
          tcp,
        );
        clients.add(client);
        client.start(principal);
      });
    } catch (error) {
      log(`[stream] upgrade failed: ${error instanceof Error ? error.message : String(error)}`);
      refuse(socket, request, 'internal', 'the sandbox failed on this upgrade; see its log');
    }
  };
  server.on('upgrade', onUpgrade);

  const sweepMs = Math.max(
    5,
    Math.min(1_000, Math.min(limits.heartbeatMs, limits.silenceMs, limits.authTimeoutMs) / 4),
  );
  const sweeper = setInterval(() => {
    const now = Date.now();
    for (const client of clients) client.sweep(now);
  }, sweepMs);
  sweeper.unref();

  return {
    get clientCount() {
      return clients.size;
    },
    limits,
    closeKey: (keyId, words) => {
      let closed = 0;
      for (const client of clients) {
        if (client.keyId !== keyId) continue;
        client.keyRevoked(words);
        closed++;
      }
      return closed;
    },
    close: async () => {
      closing = true;
      clearInterval(sweeper);
      server.off('upgrade', onUpgrade);
      const gone = [...clients].map(
        (client) =>
          new Promise<void>((resolve) => {
            client.onClose(resolve);
            client.end(closeCodes.goingAway, 'the sandbox is shutting down', 500);
          }),
      );
      await Promise.all(gone);
      sockets.close();
    },
  };
}

type Route = { backend: StreamBackend } | { refusal: { code: ErrorCode; message: string } };

function routeOf(request: IncomingMessage, options: StreamServerOptions): Route {
  const url = request.url ?? '/';
  const mark = url.indexOf('?');
  const path = mark === -1 ? url : url.slice(0, mark);
  if (path === '/stream') return { backend: options.live };
  const session = sessionStreamPath.exec(path);
  if (session !== null) {
    let sessionId: string;
    try {
      sessionId = decodeURIComponent(session[1]);
    } catch {
      return { refusal: { code: 'not_found', message: `no replay session ${session[1]}` } };
    }
    const backend = options.sessionBackend?.(sessionId);
    if (backend !== undefined) return { backend };
    return {
      refusal: {
        code: 'not_found',
        message: `no replay session ${sessionId.slice(0, 64)}; create one with POST /sandbox/sessions`,
      },
    };
  }
  return {
    refusal: {
      code: 'not_found',
      message: `no stream at ${path.slice(0, 200)}; connect to /stream (or /sessions/{id}/stream)`,
    },
  };
}

/** Why the request is no WebSocket handshake this server can complete, or null. */
function handshakeProblem(request: IncomingMessage): string | null {
  if (request.method !== 'GET') return `a WebSocket handshake is a GET, not ${request.method}`;
  if ((request.headers.upgrade ?? '').toLowerCase() !== 'websocket') {
    return 'only WebSocket upgrades are served ("Upgrade: websocket")';
  }
  const key = request.headers['sec-websocket-key'];
  if (key === undefined || !websocketKey.test(key.trim())) {
    return 'Sec-WebSocket-Key is missing or is not 16 bytes in base64';
  }
  const version = request.headers['sec-websocket-version'];
  if (version !== '13' && version !== '8') {
    return `Sec-WebSocket-Version must be 13 (got ${version === undefined ? 'none' : JSON.stringify(version.slice(0, 20))})`;
  }
  return null;
}

/** Answers the upgrade request with an HTTP error in the API's shape and closes the socket. */
function refuse(
  socket: Duplex,
  request: IncomingMessage,
  code: ErrorCode,
  message: string,
  headers: Record<string, string> = {},
): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const given = request.headers['x-request-id'];
  const requestId =
    typeof given === 'string' && /^[\x21-\x7e]{1,128}$/.test(given)
      ? given
      : requestIdPrefix + (++upgradeCounter).toString(36);
  const status = errorStatus[code];
  const body = JSON.stringify({ error: { code, message, details: [], request_id: requestId } });
  const extra = Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nX-Request-Id: ${requestId}\r\n${extra}Connection: close\r\n\r\n${body}`,
  );
}
