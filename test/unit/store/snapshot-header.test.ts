import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { crc32 } from '../../../sandbox/store/crc32';
import { encodeHeader, HEADER_BYTES, parseHeader } from '../../../sandbox/store/snapshot-header';
import { readSnapshotFile, verifySnapshotFile } from '../../../sandbox/store/snapshot-file';
import { snapshotFileName } from '../../../sandbox/store/snapshot';
import { writeVersion2Snapshot } from './snapshot-files';
import { tempDir } from './temp-dir';

const MAX = Number.MAX_SAFE_INTEGER;
const MAX_CRC = 0xffffffff;

void test('a header carrying the largest values fits its 256 bytes and reads back', () => {
  const header = encodeHeader(MAX, MAX - 1000, 1000, MAX_CRC);
  assert.equal(header.length, HEADER_BYTES);
  assert.equal(header.indexOf(10), HEADER_BYTES - 1);
  const parsed = parseHeader(header, MAX);
  assert.deepEqual(
    [parsed.version, parsed.lsn, parsed.at, parsed.bytes, parsed.crc32, parsed.cutLine],
    [3, MAX, MAX - 1000, 1000, MAX_CRC, null],
  );
});

void test('any LSN, offset, size and CRC round-trip through the header', () => {
  const whole = fc.oneof(
    fc.nat(),
    fc.integer({ min: 0, max: MAX }),
    fc.constantFrom(0, 9_999, 10_000, 2 ** 32, 10 ** 15, MAX),
  );
  fc.assert(
    fc.property(whole, whole, whole, fc.nat({ max: MAX_CRC }), (lsn, gap, bytes, crc) => {
      const at = Math.min(MAX, HEADER_BYTES + gap);
      const header = encodeHeader(lsn, at, bytes, crc);
      assert.equal(header.length, HEADER_BYTES);
      const parsed = parseHeader(header, at + bytes);
      assert.deepEqual([parsed.lsn, parsed.at, parsed.bytes, parsed.crc32], [lsn, at, bytes, crc]);
    }),
    { numRuns: 2_000 },
  );
});

void test('values a header cannot carry are refused where it is encoded, naming the field', () => {
  assert.throws(() => encodeHeader(MAX + 1, 300, 1, 1), /lsn must be a whole number >= 0/);
  assert.throws(() => encodeHeader(1, -1, 1, 1), /indexAt must be a whole number >= 0, not -1/);
  assert.throws(() => encodeHeader(1, 300, 1.5, 1), /bytes must be a whole number/);
  assert.throws(() => encodeHeader(1, 300, 1, MAX_CRC + 1), /CRC-32 is at most/);
});

void test('a snapshot whose index lies past byte 10^12 and whose LSN has 16 digits reads back', async (t) => {
  const dir = tempDir(t);
  const lsn = 9_007_199_254_740_000;
  const path = join(dir, snapshotFileName(lsn));
  const meta = { accounts: 3, note: 'far' };
  const index = Buffer.from(`{"sections":[],"meta":${JSON.stringify(meta)}}`);
  const at = 1_000_000_000_123; // a sparse hole: nothing between the header and the index
  const fd = fs.openSync(path, 'w');
  fs.writeSync(fd, index, 0, index.length, at);
  fs.writeSync(
    fd,
    encodeHeader(lsn, at, index.length, crc32(index, 0, index.length)),
    0,
    HEADER_BYTES,
    0,
  );
  fs.closeSync(fd);
  const read = await readSnapshotFile(path, lsn);
  assert.deepEqual([read.meta, read.completedHeader], [meta, false]);
});

void test('version 2 headers cut at 128 bytes by earlier sandboxes are completed and read', async (t) => {
  const dir = tempDir(t);
  const sections = [Buffer.from('first section'), Buffer.alloc(4096, 7), Buffer.from([1, 2, 3])];
  // From headers that just fit (127 characters, the newline the 128th byte) to ones cut inside
  // index_bytes; an index of MBs is what resting orders make.
  const cases: [lsn: number, gap: number, withSections: boolean, filler: number][] = [
    [12, 0, true, 0],
    [100_224, 12_000_000_000, false, 0],
    [10_000, 10_000_000, true, 10_000_000],
    [133_225, 12_000_000, false, 1_000_000],
    [133_225, 1_200_000_000, true, 1_000_000],
    [4_600_000_000, 1_000_000_000, true, 0],
    [1_234_567_890_123_456, 123_456_789_012, false, 0],
    [MAX, 999_999_999_999, true, 2_000_000],
  ];
  let cut = 0;
  for (const [lsn, gap, withSections, filler] of cases) {
    const path = join(dir, snapshotFileName(lsn));
    const meta = { lsn, orders: ['ord_1', 'ord_2'], filler: 'x'.repeat(filler) };
    const line = writeVersion2Snapshot(
      path,
      lsn,
      JSON.stringify(meta),
      withSections ? sections : [],
      gap,
    );
    if (line.length >= 128) cut++;
    const read = await readSnapshotFile(path, lsn);
    assert.deepEqual(read.meta, meta, `LSN ${lsn}`);
    assert.equal(read.completedHeader, line.length >= 128, `LSN ${lsn}`);
    assert.equal(read.sections.count, withSections ? sections.length : 0);
    if (withSections) assert.deepEqual(Buffer.from(read.sections.bytes(1)), sections[1]);
    read.sections.close();
    assert.equal(await verifySnapshotFile(path, lsn), 2);
  }
  assert.ok(cut >= 5, `only ${cut} of the headers were cut`);
});

void test('a cut version 2 header is accepted only when the rest of the file matches it', async (t) => {
  const dir = tempDir(t);
  const lsn = 1_234_567_890_123;
  const sections = [Buffer.alloc(2048, 3)];
  const fresh = () => {
    const path = join(dir, snapshotFileName(lsn));
    writeVersion2Snapshot(path, lsn, JSON.stringify({ filler: 'x'.repeat(300) }), sections, 5e9);
    return path;
  };
  const harms: [string, (path: string) => void, RegExp][] = [
    [
      'a flipped index byte',
      (path) => flipByte(path, -5),
      /cut short and does not match its index/,
    ],
    [
      'a flipped section byte',
      (path) => flipByte(path, 1000),
      /section 0's checksum does not match/,
    ],
    ['bytes appended', (path) => fs.appendFileSync(path, ' '), /cut short and does not match/],
    ['a flipped CRC digit', (path) => flipByte(path, 126), /does not match|not JSON/],
  ];
  for (const [name, harm, reason] of harms) {
    const path = fresh();
    await readSnapshotFile(path, lsn).then((read) => read.sections.close());
    harm(path);
    await assert.rejects(readSnapshotFile(path, lsn), reason, name);
  }
});

function flipByte(path: string, index: number): void {
  const fd = fs.openSync(path, 'r+');
  try {
    const at = index < 0 ? fs.fstatSync(fd).size + index : index;
    const byte = Buffer.alloc(1);
    fs.readSync(fd, byte, 0, 1, at);
    byte[0] ^= 0x01;
    fs.writeSync(fd, byte, 0, 1, at);
  } finally {
    fs.closeSync(fd);
  }
}
