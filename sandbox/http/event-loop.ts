/**
 * Lets the event loop serve what is waiting (timers, other sockets) before the caller goes on:
 * long work done in slices with this between them never holds the other clients for long.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
