// A `ws` client for the stream tests: keeps every message it received, waits (event-driven, with
// a deadline) for messages matching a predicate, and reports how the server closed it.
import { streamUrlFor } from '../../api/script-environment';
import WebSocket from 'ws';
import type { ClientOptions } from 'ws';

export interface StreamMessage {
  channel?: string;
  type: string;
  seq?: number;
  t?: number;
  data?: unknown;
  error?: { code: string; message: string };
}

interface Waiter {
  from: number;
  match: (message: StreamMessage) => boolean;
  resolve: (message: StreamMessage) => void;
}

export class TestStream {
  readonly messages: StreamMessage[] = [];
  /** Frames that came as binary: the server must send its JSON as text frames. */
  binaryFrames = 0;
  readonly closed: Promise<{ code: number; reason: string }>;
  private readonly waiters = new Set<Waiter>();

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data, isBinary) => {
      if (isBinary) this.binaryFrames++;
      const message = JSON.parse((data as Buffer).toString()) as StreamMessage;
      this.messages.push(message);
      const index = this.messages.length - 1;
      for (const waiter of this.waiters) {
        if (index >= waiter.from && waiter.match(message)) {
          this.waiters.delete(waiter);
          waiter.resolve(message);
        }
      }
    });
    this.closed = new Promise((resolve) =>
      socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
  }

  /** Opens a connection; with a token, authenticated by the Authorization header. */
  static async open(url: string, token?: string, options: ClientOptions = {}): Promise<TestStream> {
    const socket = new WebSocket(streamUrlFor(url), {
      ...options,
      headers: {
        ...options.headers,
        ...(token !== undefined && { Authorization: `Bearer ${token}` }),
      },
    });
    const stream = new TestStream(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    socket.on('error', () => undefined);
    return stream;
  }

  send(message: unknown): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** The first message (at or after index `from`) that matches, waiting up to `timeoutMs`. */
  next(
    what: string,
    match: (message: StreamMessage) => boolean,
    { from = 0, timeoutMs = 15_000 }: { from?: number; timeoutMs?: number } = {},
  ): Promise<StreamMessage> {
    const found = this.messages.slice(from).find(match);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        from,
        match,
        resolve: (message) => {
          clearTimeout(timer);
          resolve(message);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(
          new Error(`timed out after ${timeoutMs} ms waiting for ${what}; got ${this.describe()}`),
        );
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  /** Sends a message and waits for the answer of the given type (or an error) after it. */
  async request(message: unknown, type: string): Promise<StreamMessage> {
    const from = this.messages.length;
    this.send(message);
    return this.next(`${type} or an error`, (m) => m.type === type || m.type === 'error', { from });
  }

  async subscribe(subscription: Record<string, unknown>): Promise<StreamMessage> {
    const answer = await this.request({ op: 'subscribe', ...subscription }, 'subscribed');
    if (answer.type === 'error') throw new Error(`subscribe refused: ${answer.error?.message}`);
    return answer;
  }

  close(): void {
    this.socket.terminate();
  }

  private describe(): string {
    const last = this.messages.slice(-5).map((m) => JSON.stringify(m).slice(0, 200));
    return `${this.messages.length} messages, the last: ${last.join(' | ') || 'none'}`;
  }
}

/** Every stream the test file opened, closed in `after`. */
export const openedStreams = new Set<TestStream>();

export async function openStream(url: string, token?: string, options?: ClientOptions) {
  const stream = await TestStream.open(url, token, options);
  openedStreams.add(stream);
  return stream;
}

export function closeAllStreams(): void {
  for (const stream of openedStreams) stream.close();
  openedStreams.clear();
}
