// Idempotency records in a binary snapshot: one section per field (strings as UTF-8 blobs), read
// back in place and turned into records only as they are indexed (IdempotencyState.warm), after
// the sandbox is serving. A busy sandbox holds hundreds of thousands of records.
import { z } from 'zod';
import { orderStatuses } from '../../api/orders';
import { isAscii } from 'node:buffer';
import type { SnapshotImage, SnapshotSections } from '../store/snapshot-sections';
import { addStringColumn, float64Section, int32Section } from '../store/snapshot-sections';
import type { AnsweredOrder, IdempotencyRecord, LoadedRecords } from './idempotency';
import { IdempotencyState } from './idempotency';

const SectionNumber = z.number().int().nonnegative();
const StringSections = z.object({ lengths: SectionNumber, bytes: SectionNumber });

export const IdempotencySectionsMeta = z.object({
  count: z.number().int().nonnegative(),
  slots: StringSections,
  hashes: StringSections,
  /** The body text of a refusal; null for an answered order, described by the fields below. */
  texts: StringSections,
  order_ids: StringSections,
  statuses: SectionNumber,
  times: SectionNumber,
  fills: SectionNumber,
  /** Index in `orderStatuses`; -1 for a refusal. */
  order_statuses: SectionNumber,
  filled_quantities: SectionNumber,
  /** NaN for null. */
  avg_fill_prices: SectionNumber,
  updated_ats: SectionNumber,
});
export type IdempotencySectionsMeta = z.infer<typeof IdempotencySectionsMeta>;

/**
 * Adds the records' sections to `image` and returns the meta naming them. The records (which never
 * change once made) are captured now; their bytes are encoded while the snapshot is written.
 */
export function addIdempotencySections(
  state: IdempotencyState,
  image: SnapshotImage,
): IdempotencySectionsMeta {
  const slots: string[] = [];
  const records: IdempotencyRecord[] = [];
  for (const [slot, record] of state) {
    slots.push(slot);
    records.push(record);
  }
  const count = records.length;
  const orderAt = (index: number): AnsweredOrder | null => {
    const answer = records[index].answer;
    return typeof answer === 'string' ? null : answer;
  };
  return {
    count,
    slots: addStringColumn(image, count, (index) => slots[index]),
    hashes: addStringColumn(image, count, (index) => records[index].hash),
    texts: addStringColumn(image, count, (index) => {
      const answer = records[index].answer;
      return typeof answer === 'string' ? answer : null;
    }),
    order_ids: addStringColumn(image, count, (index) => orderAt(index)?.id ?? null),
    statuses: image.add(int32Section(count, (index) => records[index].status)),
    times: image.add(float64Section(count, (index) => records[index].t)),
    fills: image.add(int32Section(count, (index) => orderAt(index)?.fills ?? 0)),
    order_statuses: image.add(
      int32Section(count, (index) => {
        const order = orderAt(index);
        return order === null ? -1 : orderStatuses.indexOf(order.status);
      }),
    ),
    filled_quantities: image.add(
      float64Section(count, (index) => orderAt(index)?.filled_quantity ?? 0),
    ),
    avg_fill_prices: image.add(
      float64Section(count, (index) => orderAt(index)?.avg_fill_price ?? NaN),
    ),
    updated_ats: image.add(float64Section(count, (index) => orderAt(index)?.updated_at ?? 0)),
  };
}

/** The records of `addIdempotencySections`, to be indexed lazily; throws if the meta is not one. */
export function idempotencyFromSections(
  json: unknown,
  sections: SnapshotSections,
): IdempotencyState {
  const meta = IdempotencySectionsMeta.parse(json);
  return IdempotencyState.fromLoaded(new SectionRecords(meta, sections));
}

/** Records read a window at a time, in order, into reused buffers: only the records are new memory. */
const windowRows = 16 * 1024;

type StringField = 'slots' | 'hashes' | 'texts' | 'order_ids';
type Int32Field = 'statuses' | 'fills' | 'order_statuses';
type Float64Field = 'times' | 'filled_quantities' | 'avg_fill_prices' | 'updated_ats';
const stringFields = ['slots', 'hashes', 'texts', 'order_ids'] as const;
const int32Fields = ['statuses', 'fills', 'order_statuses'] as const;
const float64Fields = ['times', 'filled_quantities', 'avg_fill_prices', 'updated_ats'] as const;

class SectionRecords implements LoadedRecords {
  readonly count: number;
  private start = 0;
  private end = 0;
  private readonly int32 = new Map<Int32Field, Int32Array>();
  private readonly float64 = new Map<Float64Field, Float64Array>();
  private readonly strings = new Map<StringField, StringWindow>();

  constructor(
    private readonly meta: IdempotencySectionsMeta,
    private readonly sections: SnapshotSections,
  ) {
    const count = meta.count;
    this.count = count;
    // Sizes are checked now, so that indexing after the sandbox is serving cannot fail on them.
    for (const field of int32Fields) sections.source(meta[field], count * 4);
    for (const field of float64Fields) sections.source(meta[field], count * 8);
    for (const field of stringFields) {
      sections.source(meta[field].lengths, count * 4);
      this.strings.set(field, new StringWindow(sections, meta[field]));
    }
    const rows = Math.min(count, windowRows);
    for (const field of int32Fields) this.int32.set(field, new Int32Array(rows));
    for (const field of float64Fields) this.float64.set(field, new Float64Array(rows));
    this.checkOrderStatuses();
  }

  /** Checked now, a window at a time: records are made once the sandbox serves, too late to refuse. */
  private checkOrderStatuses(): void {
    const codes = this.int32.get('order_statuses')!;
    for (let first = 0; first < this.count; first += codes.length) {
      const rows = Math.min(codes.length, this.count - first);
      this.sections.read(this.meta.order_statuses, first * 4, bytesOf(codes, rows));
      for (let row = 0; row < rows; row++) {
        if (codes[row] < -1 || codes[row] >= orderStatuses.length) {
          throw new Error(`an idempotency record has the unknown order status ${codes[row]}`);
        }
      }
    }
  }

  slotAt(index: number): string {
    this.ensure(index);
    return this.strings.get('slots')!.get(index - this.start) ?? '';
  }

  recordAt(index: number): IdempotencyRecord {
    this.ensure(index);
    const row = index - this.start;
    const text = this.strings.get('texts')!.get(row);
    const avgFillPrice = this.float64.get('avg_fill_prices')![row];
    const answer: AnsweredOrder | string = text ?? {
      id: this.strings.get('order_ids')!.get(row) ?? '',
      fills: this.int32.get('fills')![row],
      status: orderStatuses[this.int32.get('order_statuses')![row]] ?? 'rejected',
      filled_quantity: this.float64.get('filled_quantities')![row],
      avg_fill_price: Number.isNaN(avgFillPrice) ? null : avgFillPrice,
      updated_at: this.float64.get('updated_ats')![row],
    };
    return {
      hash: this.strings.get('hashes')!.get(row) ?? '',
      status: this.int32.get('statuses')![row],
      answer,
      t: this.float64.get('times')![row],
    };
  }

  /** Reads the window of records that starts at `index` unless it is already in. */
  private ensure(index: number): void {
    if (index >= this.start && index < this.end) return;
    const rows = Math.min(windowRows, this.count - index);
    for (const [field, values] of this.int32) {
      this.sections.read(this.meta[field], index * 4, bytesOf(values, rows));
    }
    for (const [field, values] of this.float64) {
      this.sections.read(this.meta[field], index * 8, bytesOf(values, rows));
    }
    for (const window of this.strings.values()) window.load(index, rows);
    this.start = index;
    this.end = index + rows;
  }
}

function bytesOf(values: Int32Array | Float64Array, rows: number): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, rows * values.BYTES_PER_ELEMENT);
}

/** A window of a string column: lengths and bytes of rows first..first+rows-1. */
class StringWindow {
  private lengths = new Int32Array(0);
  private starts = new Float64Array(0);
  private bytes = Buffer.alloc(0);
  private encoding: 'latin1' | 'utf8' = 'latin1';
  /** Row and byte position in the blob where the next sequential window starts. */
  private nextRow = 0;
  private nextByte = 0;

  constructor(
    private readonly sections: SnapshotSections,
    private readonly column: { lengths: number; bytes: number },
  ) {}

  load(first: number, rows: number): void {
    if (first !== this.nextRow) this.seek(first);
    if (this.lengths.length < rows) {
      this.lengths = new Int32Array(rows);
      this.starts = new Float64Array(rows);
    }
    this.sections.read(this.column.lengths, first * 4, bytesOf(this.lengths, rows));
    let size = 0;
    for (let row = 0; row < rows; row++) {
      this.starts[row] = size;
      size += Math.max(0, this.lengths[row]);
    }
    if (this.bytes.length < size)
      this.bytes = Buffer.allocUnsafe(Math.max(size, this.bytes.length * 2));
    this.sections.read(this.column.bytes, this.nextByte, this.bytes.subarray(0, size));
    // One-byte strings are cheaper to make and to use than decoded UTF-8.
    this.encoding = isAscii(this.bytes.subarray(0, size)) ? 'latin1' : 'utf8';
    this.nextRow = first + rows;
    this.nextByte += size;
  }

  get(row: number): string | null {
    const length = this.lengths[row];
    if (length < 0) return null;
    const start = this.starts[row];
    return this.bytes.toString(this.encoding, start, start + length);
  }

  /** Finds where row `first`'s bytes start, for a window out of order (never in normal use). */
  private seek(first: number): void {
    const lengths = new Int32Array(first);
    this.sections.read(this.column.lengths, 0, bytesOf(lengths, first));
    this.nextByte = lengths.reduce((sum, length) => sum + Math.max(0, length), 0);
    this.nextRow = first;
  }
}
