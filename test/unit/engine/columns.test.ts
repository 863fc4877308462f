import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Float64Column, Int32Column } from '../../../sandbox/engine/columns';

void describe('columns', () => {
  void it('encode and decode rows across chunk boundaries, including unwritten chunks', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.integer({ min: 1, max: 200_000 }), fc.double({ noNaN: false }), fc.integer()),
          { maxLength: 40 },
        ),
        fc.integer({ min: 0, max: 140_000 }),
        (writes, extraRows) => {
          const doubles = new Float64Column();
          const integers = new Int32Column();
          let count = extraRows;
          // Dense rows first, so that a row lost at any boundary shows.
          for (let row = 1; row <= extraRows; row++) {
            doubles.set(row, row * 1.5);
            integers.set(row, row);
          }
          for (const [row, double, integer] of writes) {
            doubles.set(row, double);
            integers.set(row, integer);
            count = Math.max(count, row);
          }
          const doublesBack = new Float64Column();
          const integersBack = new Int32Column();
          doublesBack.decode(doubles.encode(count), count);
          integersBack.decode(integers.encode(count), count);
          for (let row = 1; row <= count; row++) {
            if (!Object.is(doublesBack.get(row), doubles.get(row))) assert.fail(`row ${row}`);
            if (integersBack.get(row) !== integers.get(row)) assert.fail(`row ${row}`);
          }
        },
      ),
      { numRuns: 25 },
    );
  });

  void it('reads unwritten rows as zero and refuses a column of the wrong length', () => {
    const column = new Float64Column();
    column.set(70_000, 1.5);
    assert.equal(column.get(3), 0);
    assert.equal(column.get(1_000_000), 0);
    assert.throws(() => new Float64Column().decode(column.encode(70_000), 69_999), /bytes/);
  });
});
