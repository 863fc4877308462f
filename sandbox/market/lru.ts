/**
 * A small least-recently-used cache on a Map (which keeps insertion order). An evicted value is
 * handed to `onEvict`, which lets large typed-array values be recycled instead of reallocated.
 */
export class LruCache<V> {
  private readonly entries = new Map<number, V>();

  constructor(
    private readonly capacity: number,
    private readonly onEvict?: (value: V) => void,
  ) {}

  get(key: number): V | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  set(key: number, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.entries().next();
      if (!oldest.done) {
        this.entries.delete(oldest.value[0]);
        this.onEvict?.(oldest.value[1]);
      }
    }
  }

  clear(): void {
    this.entries.clear();
  }
}
