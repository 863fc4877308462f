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

/**
 * What sandboxes before version 3 wrote: the version 2 layout, with a 128-byte header that was
 * cut short whenever its line was longer (the fault this version completes). `gapBytes` leaves
 * a hole (a sparse run of zeros, never read) before the index, to give it an offset with many
 * digits without writing that much. Returns the header line as it was meant, whole.
 */
export function writeVersion2Snapshot(
  path: string,
  lsn: number,
  metaJson: string,
  sections: readonly Uint8Array[] = [],
  gapBytes = 0,
): string {
  const fd = fs.openSync(path, 'w');
  try {
    let position = 128;
    const table: [number, number, number][] = [];
    for (const section of sections) {
      position = Math.ceil(position / 8) * 8;
      fs.writeSync(fd, section, 0, section.byteLength, position);
      table.push([position, section.byteLength, crc32(section, 0, section.byteLength)]);
      position += section.byteLength;
    }
    position += gapBytes;
    const index = Buffer.from(`{"sections":${JSON.stringify(table)},"meta":${metaJson}}`);
    fs.writeSync(fd, index, 0, index.length, position);
    const line = JSON.stringify({
      format: 'timber-sandbox-snapshot',
      version: 2,
      lsn,
      index_at: position,
      index_bytes: index.length,
      index_crc32: crc32(index, 0, index.length),
    });
    // As the old encoder did: pad to 127 and add a newline, then write only the first 128 bytes.
    const header = Buffer.from(`${line.padEnd(127, ' ')}\n`);
    fs.writeSync(fd, header, 0, 128, 0);
    return line;
  } finally {
    fs.closeSync(fd);
  }
}
