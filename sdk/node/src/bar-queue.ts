import type { CandleBatchRow } from '../../../api/stream';

/**
 * A replay session's bars received and not delivered yet, oldest first, as `bars` rows. A bar
 * a reconnect sends again (unacknowledged bars are resent) is kept only once.
 */
export class BarQueue {
  private readonly rows: CandleBatchRow[] = [];
  private head = 0;
  private lastSeq = 0;

  keep(row: CandleBatchRow): void {
    if (row[0] <= this.lastSeq) return;
    this.lastSeq = row[0];
    this.rows.push(row);
  }

  /** The oldest bar not delivered yet. */
  peek(): CandleBatchRow | undefined {
    return this.head < this.rows.length ? this.rows[this.head] : undefined;
  }

  /** The bar `peek` gave goes to the strategy. */
  shift(): void {
    this.head++;
    // A long backtest receives millions of bars: delivered ones are let go now and then.
    if (this.head > 4096 && this.head * 2 > this.rows.length) {
      this.rows.splice(0, this.head);
      this.head = 0;
    }
  }
}
