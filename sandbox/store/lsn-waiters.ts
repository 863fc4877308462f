// Promises waiting for an LSN to become durable, kept in LSN order (the order
// appends are made), so resolving a batch walks the front of one array.
interface Waiter {
  readonly lsn: number;
  resolve(lsn: number): void;
  reject(error: Error): void;
}

export class LsnWaiters {
  private queue: Waiter[] = [];
  // Index of the first unresolved waiter: avoids shifting the array per batch.
  private head = 0;

  /** Resolves with `lsn` once resolveThrough(lsn or later) is called. LSNs must not decrease. */
  add(lsn: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.queue.push({ lsn, resolve, reject });
    });
  }

  resolveThrough(durableLsn: number): void {
    const queue = this.queue;
    let head = this.head;
    while (head < queue.length && queue[head].lsn <= durableLsn) {
      const waiter = queue[head];
      head++;
      waiter.resolve(waiter.lsn);
    }
    if (head === queue.length) {
      this.queue = [];
      head = 0;
    } else if (head > 1024 && head * 2 > queue.length) {
      this.queue = queue.slice(head);
      head = 0;
    }
    this.head = head;
  }

  rejectAll(error: Error): void {
    const queue = this.queue;
    for (let index = this.head; index < queue.length; index++) queue[index].reject(error);
    this.queue = [];
    this.head = 0;
  }
}
