import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { Float64Column, Int32Column } from '../../../sandbox/engine/columns';
import {
  listSnapshots,
  loadLatestSnapshot,
  type SkippedSnapshot,
  snapshotFileName,
  writeSnapshot,
} from '../../../sandbox/store/snapshot';
import {
  addStringColumn,
  float64Section,
  int32Section,
  SnapshotImage,
  SnapshotSections,
} from '../../../sandbox/store/snapshot-sections';
import { sectionBuffers } from './engine-image';
import { writeVersion1Snapshot } from './snapshot-files';
import { tempDir } from './temp-dir';

interface Columns {
  doubles: number[];
  integers: number[];
  texts: (string | null)[];
}

function imageOf(columns: Columns, label: string): SnapshotImage {
  const image = new SnapshotImage();
  const doubles = image.add(float64Section(columns.doubles.length, (i) => columns.doubles[i]));
  const integers = image.add(int32Section(columns.integers.length, (i) => columns.integers[i]));
  const texts = addStringColumn(image, columns.texts.length, (i) => columns.texts[i]);
  image.meta = { label, doubles, integers, texts, counts: lengthsOf(columns) };
  return image;
}

function lengthsOf(columns: Columns) {
  return [columns.doubles.length, columns.integers.length, columns.texts.length];
}

/** Reads the columns back through the sections' API, as a restored state would. */
function columnsFrom(meta: ReturnType<typeof imageMeta>, sections: SnapshotSections): Columns {
  const [doubleCount, integerCount, textCount] = meta.counts;
  const doubles = new Float64Array(doubleCount);
  sections.read(meta.doubles, 0, new Uint8Array(doubles.buffer));
  const integers = new Int32Array(integerCount);
  sections.read(meta.integers, 0, new Uint8Array(integers.buffer));
  const lengths = new Int32Array(textCount);
  sections.read(meta.texts.lengths, 0, new Uint8Array(lengths.buffer));
  const blob = Buffer.from(sections.bytes(meta.texts.bytes));
  let at = 0;
  const texts = [...lengths].map((length) => {
    if (length < 0) return null;
    at += length;
    return blob.toString('utf8', at - length, at);
  });
  return { doubles: [...doubles], integers: [...integers], texts };
}

function imageMeta(value: unknown) {
  return value as {
    label: string;
    doubles: number;
    integers: number;
    texts: { lengths: number; bytes: number };
    counts: [number, number, number];
  };
}

const columnsArbitrary = fc.record({
  doubles: fc.array(fc.double(), { maxLength: 300 }),
  integers: fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { maxLength: 300 }),
  texts: fc.array(fc.option(fc.string({ unit: 'binary', maxLength: 40 }), { freq: 4 }), {
    maxLength: 300,
  }),
});

void test('sections of numbers and strings round-trip through a snapshot file', async (t) => {
  const dir = tempDir(t);
  let lsn = 0;
  await fc.assert(
    fc.asyncProperty(columnsArbitrary, async (columns) => {
      lsn++;
      await writeSnapshot(dir, lsn, imageOf(columns, `run ${lsn}`), { durability: 'none' });
      const loaded = await loadLatestSnapshot(dir);
      assert.ok(loaded !== null);
      try {
        assert.equal(loaded.lsn, lsn);
        const meta = imageMeta(loaded.state);
        assert.equal(meta.label, `run ${lsn}`);
        // Strings go through UTF-8, which turns lone surrogates into U+FFFD, as JSON text would.
        const expected = {
          ...columns,
          texts: columns.texts.map((text) =>
            text === null ? null : Buffer.from(text, 'utf8').toString('utf8'),
          ),
        };
        assert.deepEqual(columnsFrom(meta, loaded.sections), expected);
      } finally {
        loaded.sections.discard();
      }
    }),
    { numRuns: 60 },
  );
});

const sample: Columns = {
  doubles: Array.from({ length: 5000 }, (_, i) => i / 7),
  integers: Array.from({ length: 5000 }, (_, i) => i * 3),
  texts: Array.from({ length: 5000 }, (_, i) => (i % 5 === 0 ? null : `key-${i}-é`)),
};

void test('a damaged or cut binary snapshot is skipped, saying why, for the older one', async (t) => {
  const damage: [string, (path: string) => void, RegExp][] = [
    ['a flipped byte in a section', (path) => flipByte(path, 4000), /section 0's checksum/],
    ['a flipped byte in the index', (path) => flipByte(path, -3), /checksum does not match/],
    ['cut short', (path) => fs.truncateSync(path, fs.statSync(path).size - 100), /holds \d+ bytes/],
    ['cut inside the sections', (path) => fs.truncateSync(path, 20_000), /holds 20000 bytes/],
    ['emptied', (path) => fs.writeFileSync(path, ''), /no header line/],
  ];
  for (const [name, harm, reason] of damage) {
    const dir = tempDir(t);
    await writeSnapshot(dir, 10, imageOf(sample, 'older'), { durability: 'none' });
    const newest = await writeSnapshot(dir, 20, imageOf(sample, 'newest'), { durability: 'none' });
    harm(newest.path);
    const skipped: SkippedSnapshot[] = [];
    const loaded = await loadLatestSnapshot(dir, { onSkipped: (report) => skipped.push(report) });
    assert.equal(loaded?.lsn, 10, name);
    assert.equal(imageMeta(loaded.state).label, 'older', name);
    assert.deepEqual(columnsFrom(imageMeta(loaded.state), loaded.sections), sample, name);
    loaded.sections.discard();
    assert.deepEqual(
      skipped.map((report) => report.lsn),
      [20],
      name,
    );
    assert.match(skipped[0].reason, reason, name);
  }
});

void test('a snapshot written by an earlier sandbox (all JSON, version 1) still loads', async (t) => {
  const dir = tempDir(t);
  const state = { accounts: { acc_1: { cash: 99_000, name: 'Zoë' } }, lsn: 7 };
  writeVersion1Snapshot(dir, 7, state);
  const loaded = await loadLatestSnapshot(dir);
  assert.equal(loaded?.lsn, 7);
  assert.deepEqual(loaded.state, state);
  assert.equal(loaded.sections.count, 0);
});

void test('a snapshot from a newer sandbox is refused in words', async (t) => {
  const dir = tempDir(t);
  const header = JSON.stringify({ format: 'timber-sandbox-snapshot', version: 9, lsn: 3 });
  fs.writeFileSync(join(dir, snapshotFileName(3)), `${header.padEnd(127, ' ')}\n{}`);
  const skipped: SkippedSnapshot[] = [];
  assert.equal(await loadLatestSnapshot(dir, { onSkipped: (s) => skipped.push(s) }), null);
  assert.match(skipped[0].reason, /version 1 to 3 .*newer sandbox/);
  assert.equal(listSnapshots(dir).length, 1);
});

void test('sections read after they were closed fail in words, not with stale bytes', () => {
  const sections = SnapshotSections.fromBuffers([new Uint8Array(16)]);
  let finished = 0;
  sections.beforeClose(() => finished++);
  sections.close();
  sections.close();
  assert.equal(finished, 1);
  assert.throws(() => sections.bytes(0), /closed with the store/);
  assert.throws(() => SnapshotSections.none.bytes(0), /refers to section 0 but holds 0/);
});

void test('a captured column keeps its rows as they were, whatever is set afterwards', () => {
  const prices = new Float64Column();
  const counts = new Int32Column();
  for (let row = 1; row <= 70_000; row++) {
    prices.set(row, row / 4);
    counts.set(row, row);
  }
  const capturedPrices = prices.capture(70_000);
  const capturedCounts = counts.capture(70_000);
  prices.set(5, -1);
  prices.set(70_001, 9);
  counts.set(65_600, -1);
  const [priceBytes, countBytes] = sectionBuffers([capturedPrices, capturedCounts]);
  const priceRows = new Float64Array(new Uint8Array(priceBytes).buffer);
  const countRows = new Int32Array(new Uint8Array(countBytes).buffer);
  assert.equal(priceRows.length, 70_001);
  assert.equal(priceRows[5], 5 / 4);
  assert.equal(countRows[65_600], 65_600);
  assert.equal(prices.get(5), -1);
  assert.equal(counts.get(65_600), -1);

  // Two snapshots in flight: the one written out first does not release what the other holds.
  const first = counts.capture(70_001);
  const second = counts.capture(70_001);
  sectionBuffers([second]);
  counts.set(7, -7);
  const [held] = sectionBuffers([first]);
  assert.equal(new Int32Array(new Uint8Array(held).buffer)[7], 7);
  sectionBuffers([counts.capture(10)]);
  counts.set(8, -8);
  assert.equal(counts.get(8), -8);

  // Restored lazily, a column reads chunks as used and captures unread ones from the file.
  const restored = new Float64Column();
  const sections = SnapshotSections.fromBuffers([priceBytes]);
  restored.adoptLazily(sections.source(0, priceBytes.byteLength), 70_000);
  assert.equal(restored.get(69_999), 69_999 / 4);
  assert.equal(restored.get(70_001), 0);
  const [again] = sectionBuffers([restored.capture(70_002)]);
  const againRows = new Float64Array(new Uint8Array(again).buffer);
  assert.equal(againRows.length, 70_003);
  assert.equal(againRows[12], 12 / 4);
  assert.equal(againRows[70_002], 0);
  restored.set(3, 1.5);
  assert.equal(restored.get(3), 1.5);
  assert.equal(restored.get(4), 1);
});

function flipByte(path: string, index: number): void {
  const data = fs.readFileSync(path);
  const at = index < 0 ? data.length + index : index;
  data[at] ^= 0x20;
  fs.writeFileSync(path, data);
}
