// A store state for durability tests: the ids of the events applied, in order. Any state a
// restart rebuilds must be the ids 0 .. k-1 with no gap, whatever LSN the journal started at.
import { openStore, type Store, type StoreOptions } from '../../../sandbox/store/store';

export interface Tape {
  ids: number[];
  lastLsn: number;
}

export interface TapeEvent {
  id: number;
}

export const emptyTape = (): Tape => ({ ids: [], lastLsn: 0 });

export function applyTape(state: Tape, event: TapeEvent, lsn: number): void {
  if (state.lastLsn !== 0 && lsn !== state.lastLsn + 1 && lsn !== state.lastLsn) {
    throw new Error(`event ${lsn} after ${state.lastLsn}`);
  }
  const expected = state.ids.length;
  if (event.id !== expected) throw new Error(`event id ${event.id} where ${expected} was next`);
  state.ids.push(event.id);
  state.lastLsn = lsn;
}

export function openTape(
  dir: string,
  extra: Partial<StoreOptions<Tape, TapeEvent>> = {},
): Promise<Store<Tape, TapeEvent>> {
  return openStore<Tape, TapeEvent>({
    dir,
    initialState: emptyTape,
    apply: applyTape,
    durability: 'none',
    ...extra,
  });
}

/** Appends ids from .. to-1, one record each, each awaited. */
export async function appendIds(store: Store<Tape, TapeEvent>, from: number, to: number) {
  for (let id = from; id < to; id++) await store.append([{ id }]);
}

/** Whether `ids` is exactly 0 .. count-1. */
export function isRun(ids: readonly number[], count: number): boolean {
  return ids.length === count && ids.every((id, index) => id === index);
}
