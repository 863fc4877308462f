// The disk's floor for a durable answer: how long one journal-sized write plus fdatasync takes
// on the folder the sandbox journals to. No durable order can be acknowledged faster.
import { open, rm } from 'node:fs/promises';
import { join } from 'node:path';

export interface SyncLatency {
  samples: number;
  p50Ms: number;
  p99Ms: number;
}

/** `samples` appends of `bytes` each followed by fdatasync, bounded by `timeLimitMs`. */
export async function measureSyncLatency(
  folder: string,
  samples = 300,
  bytes = 16 * 1024,
  timeLimitMs = 5_000,
): Promise<SyncLatency> {
  const path = join(folder, 'fsync-probe');
  const file = await open(path, 'w');
  const block = Buffer.alloc(bytes, 0x61);
  const times: number[] = [];
  const started = performance.now();
  try {
    for (let index = 0; index < samples && performance.now() - started < timeLimitMs; index++) {
      const before = performance.now();
      await file.write(block, 0, bytes, index * bytes);
      await file.datasync();
      times.push(performance.now() - before);
    }
  } finally {
    await file.close();
    await rm(path, { force: true });
  }
  times.sort((a, b) => a - b);
  const at = (fraction: number) =>
    times[Math.min(times.length - 1, Math.floor(fraction * times.length))] ?? Number.NaN;
  return { samples: times.length, p50Ms: at(0.5), p99Ms: at(0.99) };
}
