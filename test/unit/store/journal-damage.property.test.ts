// Whatever damage a journal file takes, opening it never hands back wrong data:
// it either refuses (naming the damage) or yields an exact prefix of what was
// written, losing at most an unacknowledged tail.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { test } from 'node:test';
import fc from 'fast-check';
import { openJournal } from '../../../sandbox/store/journal';
import { JournalCorruptionError, listSegmentFiles } from '../../../sandbox/store/journal-recovery';
import { tempDir } from './temp-dir';

const RECORDS: unknown[] = [
  { type: 'order.accepted', orderId: 'ord_1', quantity: 3 },
  { type: 'order.filled', orderId: 'ord_1', price: 1.0812, note: 'Zoë 😀' },
  'plain text',
  [1, 2, { nested: true }],
  { type: 'order.cancelled', orderId: 'ord_2' },
  12345,
  { type: 'deposit', amount: 1_000_000, currency: 'EUR' },
];

/** Opens the damaged copy; returns the replayed values, or null when opening was refused. */
async function openDamaged(dir: string, path: string, data: Buffer): Promise<unknown[] | null> {
  fs.writeFileSync(path, data);
  let journal;
  try {
    journal = openJournal({ dir, durability: 'none' });
  } catch (error) {
    assert.ok(error instanceof JournalCorruptionError, String(error));
    return null;
  }
  const values: unknown[] = [];
  journal.replay(1, (value) => values.push(value));
  await journal.close();
  return values;
}

void test('any damage is refused or costs only a tail; no record ever changes', async (t) => {
  const dir = tempDir(t);
  const writer = openJournal({ dir, durability: 'none' });
  await writer.appendMany(RECORDS);
  await writer.close();
  const [{ path }] = listSegmentFiles(dir);
  const original = fs.readFileSync(path);
  const starts: number[] = [];
  let offset = 0;
  for (const record of RECORDS) {
    starts.push(offset);
    offset += 8 + Buffer.byteLength(JSON.stringify(record));
  }
  const lastRecordStart = starts.at(-1)!;

  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 0, max: original.length - 1 }),
      fc.integer({ min: 1, max: 255 }),
      fc.integer({ min: 1, max: 12 }),
      async (position, xor, span) => {
        const damaged = Buffer.from(original);
        const end = Math.min(original.length, position + span);
        for (let index = position; index < end; index++) damaged[index] ^= xor;
        const values = await openDamaged(dir, path, damaged);
        if (end <= lastRecordStart) {
          // An intact record follows the damage: not a torn tail.
          assert.equal(values, null, `damage at ${position}..${end} must refuse`);
        } else {
          // Damage reaching the end of the file reads as a torn tail, cut at the first damaged record.
          const firstDamaged = starts.findLastIndex((start) => start <= position);
          assert.deepEqual(values, RECORDS.slice(0, firstDamaged));
        }
      },
    ),
    { numRuns: 300 },
  );

  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 0, max: original.length }),
      fc.uint8Array({ minLength: 1, maxLength: 64 }),
      async (cut, garbage) => {
        // A file cut anywhere, then anything appended: a prefix or a refusal.
        const damaged = Buffer.concat([original.subarray(0, cut), garbage]);
        const values = await openDamaged(dir, path, damaged);
        if (values !== null) assert.deepEqual(values, RECORDS.slice(0, values.length));
      },
    ),
    { numRuns: 300 },
  );
});
