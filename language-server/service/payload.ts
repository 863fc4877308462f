// What every source of order payloads is reduced to before it is checked: a JSON file, a dict
// in Python, an object literal or an SDK call in TypeScript. The checks (validate.ts) see only
// this, so a rule is written once and holds wherever an order is written.

/** Zero-based, as LSP counts (UTF-16 code units within a line). */
export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

/** A value as written. Anything computed (a variable, a call, an f-string) is `dynamic`. */
export type PayloadValue =
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number; text: string }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'null' }
  | { kind: 'dynamic' };

export interface PayloadField {
  /** The field's name as the API spells it (`limit_price`), whatever the source wrote. */
  name: string;
  /** How the source spelled it (`limitPrice` in a TypeScript SDK call, `stop_loss=` in Python). */
  written: string;
  /** Where the key (or keyword, or the positional argument) is written. */
  keyRange: Range;
  value: PayloadValue;
  valueRange: Range;
}

export type PayloadSource =
  /** `*.order.json`: one order object, or an array of them. */
  | 'json'
  /** A literal posted to `/orders` by an HTTP call, directly or through a local variable. */
  | 'http-body'
  /** An SDK order call: Python `ctx.buy/sell`, `place_order`; TypeScript `ctx.buy/sell`, `placeOrder`. */
  | 'sdk-call'
  /** A literal that is plainly an order by its keys, with no call to tell. */
  | 'literal';

export interface Payload {
  source: PayloadSource;
  /** The whole literal or call. */
  range: Range;
  fields: PayloadField[];
  /**
   * Fields the API requires that the source fills in by itself (an SDK call's `action` from
   * `buy`/`sell`, its defaults for `order_type` and `time_in_force`): they count as present.
   */
  implied: Partial<Record<string, PayloadValue>>;
  /**
   * True when the literal may hold more than is seen (`**extra`, `...spread`, a dict built up
   * afterwards): missing fields are then not reported, and unknown ones still are.
   */
  open: boolean;
  /** Where a new field goes when a quick fix adds one, and how to write it in this source. */
  insert?: { at: Position; style: 'json' | 'python-dict' | 'python-kwargs' | 'ts-object' };
}
