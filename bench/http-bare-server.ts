// The baseline server for bench/http.ts: bare node:http answering fixed bodies of the same size
// as the sandbox's, with no routing, auth, rate limiting, validation or journal. Run as a child
// process (`node --import tsx bench/http-bare-server.ts`); prints {"url"} once listening.
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Same shape and size as the sandbox's GET /account for a fresh account (~176 bytes). */
const accountBody = JSON.stringify({
  account_id: 'acc_43dbdbffddb2',
  currency: 'USD',
  balance: 100000,
  equity: 100000,
  margin_used: 0,
  margin_available: 100000,
  unrealized_pnl: 0,
  realized_pnl: 0,
  positions: [],
});

/** Same shape and size as the sandbox's answer to a filled market order (~447 bytes). */
const orderBody = JSON.stringify({
  id: 'ord_0000000001',
  client_order_id: null,
  symbol: 'EURUSD',
  action: 'buy',
  quantity: 1000,
  filled_quantity: 1000,
  order_type: 'market',
  limit_price: null,
  stop_loss: null,
  take_profit: null,
  time_in_force: 'gtc',
  status: 'filled',
  avg_fill_price: 1.11181,
  fills: [{ id: 'fil_0000000001', price: 1.11181, quantity: 1000, fee: 0.02, t: 1709726405826 }],
  created_at: 1709726405826,
  updated_at: 1709726405826,
  parent_order_id: null,
  trigger: null,
});

const chunkBytes = 256 * 1024;
const maxLines = 5_000_000;
let prebuilt: { lines: number; chunks: Buffer[] } | undefined;

/** `lines` candle lines in the sandbox's NDJSON format, built once and kept. */
function ndjsonChunks(lines: number): Buffer[] {
  if (prebuilt?.lines === lines) return prebuilt.chunks;
  const chunks: Buffer[] = [];
  let text = '';
  let t = Date.UTC(2020, 0, 1);
  for (let line = 0; line < lines; line++, t += 60_000) {
    const open = 1.1 + (line % 997) / 100_000;
    text += `{"t":${t},"o":${open},"h":${open + 0.00012},"l":${open - 0.00009},"c":${open + 0.00003},"v":${20 + (line % 13)}}\n`;
    if (text.length >= chunkBytes) {
      chunks.push(Buffer.from(text));
      text = '';
    }
  }
  if (text.length > 0) chunks.push(Buffer.from(text));
  prebuilt = { lines, chunks };
  return chunks;
}

async function streamChunks(response: ServerResponse, chunks: readonly Buffer[]): Promise<void> {
  response.writeHead(200, { 'Content-Type': 'application/x-ndjson' });
  for (const chunk of chunks) {
    if (!response.write(chunk)) {
      await new Promise<void>((resolve) => response.once('drain', resolve));
    }
    if (response.destroyed) return;
  }
  response.end();
}

function sendJson(response: ServerResponse, status: number, body: string): void {
  response.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(body)),
  });
  response.end(body);
}

function handle(request: IncomingMessage, response: ServerResponse): void {
  const url = request.url ?? '/';
  if (request.method === 'POST') {
    // Read and parse the body, as any JSON API must, then answer a fixed order.
    const parts: Buffer[] = [];
    request.on('data', (part: Buffer) => parts.push(part));
    request.on('end', () => {
      try {
        JSON.parse(Buffer.concat(parts).toString('utf8'));
        sendJson(response, 201, orderBody);
      } catch {
        sendJson(response, 400, '{"error":"bad json"}');
      }
    });
    return;
  }
  if (url.startsWith('/ndjson')) {
    const lines = Number(new URL(url, 'http://bare').searchParams.get('lines') ?? '0');
    if (!Number.isInteger(lines) || lines < 0 || lines > maxLines) {
      sendJson(response, 400, '{"error":"lines must be 0 to 5000000"}');
      return;
    }
    void streamChunks(response, ndjsonChunks(lines));
    return;
  }
  sendJson(response, 200, url === '/health' ? '{"status":"ok"}' : accountBody);
}

const server = createServer({ keepAliveTimeout: 65_000 }, handle);
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  console.log(JSON.stringify({ url: `http://127.0.0.1:${port}`, pid: process.pid }));
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));
