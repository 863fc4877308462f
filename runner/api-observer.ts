import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { connect } from 'node:net';

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
  close(): Promise<void>;
}

export async function observeApi(target: string): Promise<ApiObserver> {
  const upstream = new URL(target);
  if (upstream.protocol !== 'http:')
    throw new Error(`the API observer only fronts a local http:// sandbox, not ${target}`);
  const port = Number(upstream.port || 80);
  const host = upstream.hostname;
  let requests = 0;
  let rateLimited = 0;
  const sockets = new Set<Socket>();

  const server = createServer((incoming, outgoing) => {
    requests += 1;
    const forward = httpRequest(
      {
        host,
        port,
        method: incoming.method,
        path: incoming.url,
        headers: { ...incoming.headers, host: upstream.host },
      },
      (answer) => {
        if (answer.statusCode === 429) rateLimited += 1;
        outgoing.writeHead(answer.statusCode ?? 502, answer.rawHeaders);
        answer.pipe(outgoing);
      },
    );
    forward.on('error', (error) => {
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
    close: () =>
      new Promise<void>((done) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => done());
      }),
  };
}
