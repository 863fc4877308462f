import type { FaultConfig } from '../../api/faults';
import type {
  Ack,
  StreamBackend,
  StreamConnection,
  StreamSink,
  Subscription,
} from '../stream/backend';
import type { TokenAuthority } from '../service/tokens';
import { checkAccessToken } from '../service/tokens';
import type { KeyLookup } from '../service/keys';
import type { FeedClient } from './feed';
import type { ReplaySession } from './session';

/** `/sessions/{id}/stream`: the session's bars, orders and account, for the owner's keys. */
export function sessionStreamBackend(
  session: ReplaySession,
  keys: KeyLookup,
  tokens: TokenAuthority,
): StreamBackend {
  return {
    authenticate(token) {
      const checked = checkAccessToken(tokens, token, tokens.now(), keys);
      if ('refused' in checked) return checked;
      if (!session.visibleTo(checked.accountId)) {
        return { refused: `no replay session ${session.id} for this key's account` };
      }
      // The owner's keys act on the session's own account here.
      return { ...checked, accountId: session.accountId };
    },
    now: () => session.replay.now(),
    tokenNow: () => tokens.now(),
    connect(_principal, sink) {
      session.lastActivityAt = Date.now();
      return new SessionConnection(session, sink);
    },
    faultsFor(): FaultConfig | undefined {
      return session.request.faults;
    },
  };
}

class SessionConnection implements StreamConnection, FeedClient {
  wantsOrders = false;
  wantsAccount = false;
  wantsCandles = false;

  constructor(
    private readonly session: ReplaySession,
    private readonly sink: StreamSink,
  ) {
    session.feed.attach(this);
  }

  get bufferedBytes(): number {
    return this.sink.bufferedBytes;
  }

  send(text: string): void {
    this.sink.send(text);
  }

  subscribe(request: Subscription): void {
    this.session.lastActivityAt = Date.now();
    const { feed } = this.session;
    switch (request.channel) {
      case 'ticks':
        this.sink.error(
          'invalid_request',
          'replay sessions release bars, not ticks: subscribe to "candles" (ticks are fed to the engine between bars)',
        );
        return;
      case 'candles': {
        const problem = this.candlesProblem(request);
        if (problem !== undefined) {
          this.sink.error('invalid_request', problem);
          return;
        }
        this.wantsCandles = true;
        this.subscribed(request);
        feed.drive(this);
        return;
      }
      case 'orders':
      case 'account': {
        const log = request.channel === 'orders' ? feed.orderLog : feed.accountLog;
        if (request.channel === 'orders') this.wantsOrders = true;
        else this.wantsAccount = true;
        // Where the channel stands, as on the live stream: a client that has seen no event yet
        // resumes from here after a drop. Told nothing, it subscribes again without since_seq
        // and misses every event of the gap; a lockstep client waiting for its order's fill
        // then never acknowledges another bar, and the session stalls for good.
        this.subscribed(request, log.length);
        // The whole session is in memory, so any since_seq can be resumed.
        for (let index = request.since_seq ?? log.length; index < log.length; index++) {
          this.sink.send(log[index]);
        }
        return;
      }
      default:
        request.channel satisfies never;
    }
  }

  private candlesProblem(request: Subscription): string | undefined {
    const { request: session } = this.session;
    if (request.interval !== undefined && request.interval !== session.interval) {
      return `this session replays ${session.interval} bars; subscribe with interval "${session.interval}" or none`;
    }
    const unknown = (request.symbols ?? []).filter((symbol) => !session.symbols.includes(symbol));
    if (unknown.length > 0) {
      return `this session replays ${session.symbols.join(', ')}; it has no ${unknown.join(', ')}`;
    }
    const driver = this.session.feed.driver;
    if (driver !== undefined && driver !== this) {
      return 'another connection already drives this session (one candles subscriber per session)';
    }
    return undefined;
  }

  private subscribed(request: Subscription, seq?: number): void {
    this.sink.system('subscribed', {
      channel: request.channel,
      session_id: this.session.id,
      ...(seq !== undefined && { seq }),
    });
  }

  unsubscribe(request: Subscription): void {
    if (request.channel === 'orders') this.wantsOrders = false;
    if (request.channel === 'account') this.wantsAccount = false;
    if (request.channel === 'candles') {
      this.wantsCandles = false;
      this.session.feed.stopDriving(this);
    }
    this.sink.system('unsubscribed', { channel: request.channel });
  }

  ack(request: Ack): void {
    this.session.lastActivityAt = Date.now();
    if (this.session.feed.driver !== this) {
      this.sink.error(
        'invalid_request',
        'only the connection subscribed to candles acknowledges bars',
      );
      return;
    }
    const problem = this.session.feed.ack(request.seq, request.window, request.batch);
    if (problem !== undefined) this.sink.error('invalid_request', problem);
  }

  close(): void {
    this.session.feed.detach(this);
  }
}
