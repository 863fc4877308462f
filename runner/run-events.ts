import type { Account } from '../api/account';
import type { Order } from '../api/orders';
import type { OutputStream, RunEvent, RunFill, WarningCode } from '../api/run-events';
import type { OrderEventType } from '../api/stream';
import type { RunRecorder } from './records';

/** A run event before the run stamps it with its id and the time. */
export type RunEventBody = RunEvent extends infer E
  ? E extends RunEvent
    ? Omit<E, 'run_id' | 'at'>
    : never
  : never;

export type RunEventListener = (event: RunEvent) => void;

/** Account updates come with every price move of a position: a view needs a few a second. */
const accountEveryMs = 250;

/**
 * One run's events: stamped, redacted, appended to the run's `events.ndjson` (all but output
 * lines, which `output.log` keeps), counted, and handed to whoever watches the run.
 */
export class RunEvents {
  orders = 0;
  fills = 0;
  private pendingAccount: Account | null = null;
  private accountTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly recorder: RunRecorder,
    private readonly listener: RunEventListener | undefined,
  ) {}

  emit(body: RunEventBody): void {
    let event: RunEvent = { ...body, run_id: this.recorder.id, at: Date.now() };
    const json = JSON.stringify(event);
    const redacted = this.recorder.redact(json);
    if (redacted !== json) event = JSON.parse(redacted) as RunEvent;
    this.recorder.eventLine(redacted);
    this.listener?.(event);
  }

  /** A line of output: into `output.log`, redacted; returned as written. */
  line(stream: OutputStream, text: string): string {
    const written = this.recorder.log(stream, text);
    this.listener?.({
      type: 'line',
      run_id: this.recorder.id,
      at: Date.now(),
      stream,
      text: written,
    });
    return written;
  }

  warning(message: string, code?: WarningCode): void {
    this.recorder.warn(message);
    this.emit({
      type: 'warning',
      message: this.recorder.redact(message),
      ...(code !== undefined && { code }),
    });
  }

  /**
   * Every order begins with `accepted` (a rejection comes later, at matching): that counts it,
   * unless the caller knows better (orders read once at the end, each seen once).
   */
  order(change: OrderEventType, order: Order, first = change === 'accepted'): void {
    if (first) this.orders++;
    this.emit({ type: 'order', change, order });
  }

  fill(fill: RunFill): void {
    this.fills++;
    this.emit({ type: 'fill', fill });
  }

  account(account: Account): void {
    this.pendingAccount = account;
    this.accountTimer ??= setTimeout(() => this.flushAccount(), accountEveryMs);
  }

  /** Sends the latest account update still held back. */
  flushAccount(): void {
    if (this.accountTimer !== null) clearTimeout(this.accountTimer);
    this.accountTimer = null;
    const account = this.pendingAccount;
    this.pendingAccount = null;
    if (account !== null) this.emit({ type: 'account', account });
  }
}
