// Idempotency records in a binary snapshot: one section per field (strings as UTF-8 blobs), read
// back in place and turned into records only as they are indexed (IdempotencyState.warm), after
// the sandbox is serving. A busy sandbox holds hundreds of thousands of records.
import { z } from 'zod';
import { type OrderStatus, orderStatuses } from '../../api/orders';
import type { SnapshotImage, SnapshotSections, StringColumn } from '../store/snapshot-sections';
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

class SectionRecords implements LoadedRecords {
  readonly count: number;
  private readonly slots: StringColumn;
  private readonly hashes: StringColumn;
  private readonly texts: StringColumn;
  private readonly orderIds: StringColumn;
  private readonly statuses: Int32Array;
  private readonly times: Float64Array;
  private readonly fills: Int32Array;
  private readonly orderStatuses: Int32Array;
  private readonly filledQuantities: Float64Array;
  private readonly avgFillPrices: Float64Array;
  private readonly updatedAts: Float64Array;

  constructor(meta: IdempotencySectionsMeta, sections: SnapshotSections) {
    const count = meta.count;
    this.count = count;
    this.slots = sections.strings(meta.slots, count);
    this.hashes = sections.strings(meta.hashes, count);
    this.texts = sections.strings(meta.texts, count);
    this.orderIds = sections.strings(meta.order_ids, count);
    this.statuses = sections.int32(meta.statuses, count);
    this.times = sections.float64(meta.times, count);
    this.fills = sections.int32(meta.fills, count);
    this.orderStatuses = sections.int32(meta.order_statuses, count);
    this.filledQuantities = sections.float64(meta.filled_quantities, count);
    this.avgFillPrices = sections.float64(meta.avg_fill_prices, count);
    this.updatedAts = sections.float64(meta.updated_ats, count);
    // Checked now: records are made after the sandbox is serving, where failing is no option.
    for (const code of this.orderStatuses) {
      if (code < -1 || code >= orderStatuses.length) {
        throw new Error(`an idempotency record has the unknown order status ${code}`);
      }
    }
  }

  slotAt(index: number): string {
    return this.slots.get(index) ?? '';
  }

  recordAt(index: number): IdempotencyRecord {
    const text = this.texts.get(index);
    const avgFillPrice = this.avgFillPrices[index];
    const answer: AnsweredOrder | string = text ?? {
      id: this.orderIds.get(index) ?? '',
      fills: this.fills[index],
      status: statusAt(this.orderStatuses[index]),
      filled_quantity: this.filledQuantities[index],
      avg_fill_price: Number.isNaN(avgFillPrice) ? null : avgFillPrice,
      updated_at: this.updatedAts[index],
    };
    return {
      hash: this.hashes.get(index) ?? '',
      status: this.statuses[index],
      answer,
      t: this.times[index],
    };
  }
}

/** An order status by its code, which the constructor checked (-1 never reaches here). */
function statusAt(code: number): OrderStatus {
  return orderStatuses[code] ?? 'rejected';
}
