import type { Order } from '../../../api/orders';

/**
 * The client side of a replay session's lockstep (speed "max"), kept apart from the sockets so
 * it can be tested alone. The rules, the same as the Python SDK's:
 *
 * 1. Bar k (the candle with seq k) may reach the strategy once the session said `advanced` k:
 *    every event up to bar k's close has then arrived.
 * 2. It may go earlier when the account was quiet at bar k-1 (no open orders, no armed exits)
 *    and the strategy left it so: then nothing can happen before bar k. This holds from bar to
 *    bar, so a quiet strategy runs ahead of the server's clock through the bars sent ahead.
 *    Requests made at such a bar carry the acknowledgement of bar k-1 (`X-Timber-Ack`), which
 *    moves the server's clock to bar k before they are handled: one round trip per order.
 * 3. Bars are acknowledged every `ackEvery` bars, and whenever the client is about to wait for
 *    the server, so that the server can move on; but never before the events of the orders
 *    placed or cancelled so far have arrived. The server sends them before its answer, yet the
 *    answer can be read first, and an acknowledgement would then let the clock move on before
 *    onOrder/onFill had their say at the bar the events belong to.
 */
export class LockstepGate {
  /** Highest `advanced` seq received, and whether the account was quiet then. */
  private advanced = 0;
  private advancedQuiet = false;
  /** The bar the strategy is at (last delivered), and whether the account is known quiet there. */
  private current = 0;
  private quiet = false;
  /**
   * What the strategy did at the current bar: orders placed, and whether it did anything whose
   * effects cannot be vouched for (a cancel, a request that failed).
   */
  private acted = false;
  private unsure = false;
  /** Requests made and not answered yet: their events may still come. */
  private pending = 0;
  private readonly barOrders: Order[] = [];
  /** Orders whose answered state no event has shown yet: status, and time of the answer. */
  private readonly awaiting = new Map<string, { status: Order['status']; at?: number }>();
  /** The last bar whose handlers returned and whose requests were answered, and the last acked. */
  private completedBar = 0;
  private ackedBar = 0;

  constructor(
    readonly window = 2048,
    readonly ackEvery = 64,
  ) {}

  /** An `advanced` message was handled (in stream order: the events before it were too). */
  onAdvanced(seq: number, quiet: boolean): void {
    if (seq <= this.advanced) return;
    this.advanced = seq;
    this.advancedQuiet = quiet;
  }

  /** Whether bar `seq` (the next one after the current) may go to the strategy now. */
  mayDeliver(seq: number): boolean {
    return seq <= this.advanced || (this.quiet && this.settledQuietly());
  }

  /** Bar `seq` goes to the strategy (after `mayDeliver` said yes). */
  delivering(seq: number): void {
    const known = seq <= this.advanced;
    // Rule 1 knows the quiet of the bar the clock stands at; rule 2 carries it forward.
    const quiet = known ? seq === this.advanced && this.advancedQuiet : true;
    this.quiet = quiet && this.settledQuietly();
    if (this.acted) {
      this.acted = false;
      this.unsure = false;
      this.barOrders.length = 0;
    }
    this.current = seq;
  }

  /**
   * The acknowledgement requests at the current bar carry: bar k-1 while the server's clock has
   * not reached bar k, so that it moves there first; undefined once it has.
   */
  requestAck(): number | undefined {
    return this.current > this.advanced ? this.current - 1 : undefined;
  }

  /** The strategy placed an order at the current bar (its answer). */
  placed(order: Order): void {
    this.acted = true;
    this.barOrders.push(order);
    this.expect(order.id, order.status, order.updated_at);
  }

  /**
   * An answer whose events must arrive before the next ack: the order's status and time as
   * answered, or only the status (a batch cancel answers with ids).
   */
  expect(orderId: string, status: Order['status'], at?: number): void {
    this.awaiting.set(orderId, at === undefined ? { status } : { status, at });
  }

  /** An order event arrived: the order as it stood then. */
  orderEvent(order: Order): void {
    const wanted = this.awaiting.get(order.id);
    if (wanted === undefined) return;
    // Events come in order; the answer showed the state after the request's last one.
    const caughtUp =
      wanted.at === undefined
        ? order.status === wanted.status
        : order.updated_at > wanted.at ||
          (order.updated_at === wanted.at && order.status === wanted.status);
    if (caughtUp) this.awaiting.delete(order.id);
  }

  /** The strategy is about to place or cancel at the current bar; `answered` follows. */
  acting(): void {
    this.acted = true;
    this.pending++;
  }

  /** A request announced with `acting` was answered (or failed). */
  answered(): void {
    this.pending--;
  }

  /** Something done at the current bar may have effects still to come: a cancel, a failure. */
  unsettled(): void {
    this.acted = true;
    this.unsure = true;
  }

  /** Bar `seq`'s handlers returned and their requests were answered. */
  completed(seq: number): void {
    this.completedBar = seq;
  }

  /** The ack to send now: every `ackEvery` bars, or whatever is unacknowledged when `waiting`. */
  ackDue(waiting: boolean): { op: 'ack'; seq: number; window: number; batch: true } | undefined {
    const seq = this.completedBar;
    if (seq <= this.ackedBar || (!waiting && seq - this.ackedBar < this.ackEvery)) return undefined;
    if (this.awaiting.size > 0) return undefined; // rule 3: their events first
    this.ackedBar = seq;
    return this.ack();
  }

  /** The ack for what is done, sent again after a reconnect (the server may have missed it). */
  ack(): { op: 'ack'; seq: number; window: number; batch: true } {
    return { op: 'ack', seq: this.ackedBar, window: this.window, batch: true };
  }

  /**
   * Whether this bar's actions left the account as quiet as it was: each order a market order
   * without exits, filled at once, its fill event already received; nothing cancelled, nothing
   * failed. Then no
   * event can come before the next bar, exactly as if nothing had been done.
   */
  private settledQuietly(): boolean {
    if (!this.acted) return true;
    if (this.unsure || this.pending > 0) return false;
    for (const order of this.barOrders) {
      if (
        order.status !== 'filled' ||
        order.order_type !== 'market' ||
        order.stop_loss !== null ||
        order.take_profit !== null ||
        this.awaiting.has(order.id)
      ) {
        return false;
      }
    }
    return true;
  }
}
