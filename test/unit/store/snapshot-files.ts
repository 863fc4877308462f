// Snapshot files as earlier sandboxes wrote them, for tests that check they are still read.
import * as fs from 'node:fs';
import { join } from 'node:path';
import { crc32 } from '../../../sandbox/store/crc32';
import { snapshotFileName } from '../../../sandbox/store/snapshot';

/** What sandboxes before binary snapshots wrote: a version 1 header, then the state as JSON. */
export function writeVersion1Snapshot(dir: string, lsn: number, state: unknown): string {
  const payload = Buffer.from(JSON.stringify(state), 'utf8');
  const header = JSON.stringify({
    format: 'timber-sandbox-snapshot',
    version: 1,
    lsn,
    bytes: payload.length,
    crc32: crc32(payload, 0, payload.length),
  });
  const path = join(dir, snapshotFileName(lsn));
  fs.writeFileSync(path, Buffer.concat([Buffer.from(`${header.padEnd(127, ' ')}\n`), payload]));
  return path;
}
