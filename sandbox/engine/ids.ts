// Ids come from counters in the state, never from randomness at id time, so a replay recreates
// them. They must not show the counter itself: the n-th order ever created, shown as n, would let
// an account read from two of its own ids how many orders all other accounts placed in between
// (security issue 21). So a sandbox's data folder holds a random key, journaled once
// (`ids_keyed`), and an id shows a keyed permutation of n: one to one, the same on every replay,
// and cheap both ways (about 0.1 µs to read an id back, 0.2 µs to make one).
//
// Orders and fills that existed when the key was made keep the 10-digit ids they were given
// (n itself, in base 36); keyed ids have 11 digits (36^10 < 2^52 < 36^11), so the two kinds never
// collide. Ids do not sort in creation order: lists page by number (views.ts).

const identityDigits = 10;
const keyedDigits = 11;
/** Numbers are permuted in halves of 26 bits: the domain is exactly 2^52, so no cycle walking. */
const halfSize = 2 ** 26;
const domainSize = halfSize * halfSize;
/**
 * Feistel rounds. Four make a strong permutation from a random round function; the round function
 * here is a fast integer hash, not a proven one, so eight leave a margin, at about 5 ns a round.
 */
const rounds = 8;
/** One 32-bit round key per round, for orders and for fills. */
export const idKeyBytes = rounds * 4 * 2;

/** Journaled once per data folder, the first time a sandbox opens it without a key. */
export interface IdsKeyedEvent {
  type: 'ids_keyed';
  t: number;
  /** `idKeyBytes` random bytes, hex: the round keys of the order and fill permutations. */
  key: string;
  /** The order and fill counts when the key was made: those orders and fills keep their ids. */
  orders_before: number;
  fills_before: number;
}

/** What a snapshot keeps of the codec: the key event's facts (null for an unkeyed state). */
export interface IdKeyRecord {
  key: string;
  orders_before: number;
  fills_before: number;
}

/**
 * Turns order and fill numbers into ids and back. Unkeyed (replay sessions and backtests, whose
 * one account has nobody to learn about; a data folder until it is keyed), ids are the numbers
 * themselves, as older sandboxes gave them.
 */
export class IdCodec {
  static readonly unkeyed = new IdCodec(null);

  /** Orders numbered up to this keep identity ids: all of them when unkeyed. */
  private readonly identityOrders: number;
  private readonly identityFills: number;
  private readonly orderKeys: Int32Array;
  private readonly fillKeys: Int32Array;

  constructor(readonly record: IdKeyRecord | null) {
    this.identityOrders = record?.orders_before ?? Infinity;
    this.identityFills = record?.fills_before ?? Infinity;
    const words = record === null ? new Int32Array(2 * rounds) : keyWords(record.key);
    this.orderKeys = words.subarray(0, rounds);
    this.fillKeys = words.subarray(rounds);
  }

  /** The id of the n-th order ever created (n from 1). */
  orderId(orderNumber: number): string {
    return 'ord_' + this.digitsFor(orderNumber, this.identityOrders, this.orderKeys);
  }

  fillId(fillNumber: number): string {
    return 'fil_' + this.digitsFor(fillNumber, this.identityFills, this.fillKeys);
  }

  /** The number behind an order id; undefined for anything `orderId` cannot have produced. */
  orderNumber(id: string): number | undefined {
    return id.startsWith('ord_') ? numberOf(id, this.identityOrders, this.orderKeys) : undefined;
  }

  fillNumber(id: string): number | undefined {
    return id.startsWith('fil_') ? numberOf(id, this.identityFills, this.fillKeys) : undefined;
  }

  private digitsFor(number: number, identityUpTo: number, keys: Int32Array): string {
    if (number <= identityUpTo) return number.toString(36).padStart(identityDigits, '0');
    if (!(number < domainSize)) throw new Error(`Id number ${number} is past 2^52`);
    return keyedDigitsOf(permute(number, keys));
  }
}

const lowDigitsSize = 36 ** 5;

/**
 * 11 base-36 digits, as the six high and five low ones: V8 formats a number past 2^31 in another
 * radix some ten times slower than two small ones (measured: ~1 µs against ~0.1 µs).
 */
function keyedDigitsOf(permuted: number): string {
  const low = permuted % lowDigitsSize;
  const high = (permuted - low) / lowDigitsSize;
  return high.toString(36).padStart(6, '0') + low.toString(36).padStart(5, '0');
}

function keyWords(key: string): Int32Array {
  if (!new RegExp(`^[0-9a-f]{${idKeyBytes * 2}}$`).test(key)) {
    throw new Error(`An id key is ${idKeyBytes} bytes in lowercase hex`);
  }
  const words = new Int32Array(2 * rounds);
  for (let index = 0; index < words.length; index++) {
    words[index] = Number.parseInt(key.slice(index * 8, index * 8 + 8), 16) | 0;
  }
  return words;
}

// Replay resolves two ids per fill: reading the digits in place builds no strings, and the
// permutation is integer arithmetic on two 26-bit halves, which stay small integers throughout.
function numberOf(id: string, identityUpTo: number, keys: Int32Array): number | undefined {
  if (id.length === 4 + identityDigits) {
    const number = digitsOf(id);
    return number > 0 && number <= identityUpTo ? number : undefined;
  }
  if (id.length === 4 + keyedDigits && identityUpTo !== Infinity) {
    const permuted = digitsOf(id);
    if (permuted < 0) return undefined;
    const number = unpermute(permuted, keys);
    // A keyed id that decodes to an identity number was never given out: one id per order.
    return number > identityUpTo ? number : undefined;
  }
  return undefined;
}

/** The base-36 digits after the prefix as a number below 2^52; -1 if they are not that. */
function digitsOf(id: string): number {
  let number = 0;
  for (let index = 4; index < id.length; index++) {
    const code = id.charCodeAt(index);
    let digit: number;
    if (code >= 48 && code <= 57) digit = code - 48;
    else if (code >= 97 && code <= 122) digit = code - 87;
    else return -1;
    number = number * 36 + digit;
    if (number >= domainSize) return -1;
  }
  return number;
}

// A balanced Feistel network over (high, low) halves of 26 bits: each round replaces the pair
// with (low, high ^ F(low)), which any F undoes, so the whole is a permutation of [0, 2^52).
function permute(number: number, keys: Int32Array): number {
  let high = Math.floor(number / halfSize);
  let low = number - high * halfSize;
  for (let round = 0; round < rounds; round++) {
    const next = high ^ roundFunction(low, keys[round]);
    high = low;
    low = next;
  }
  return high * halfSize + low;
}

function unpermute(permuted: number, keys: Int32Array): number {
  let high = Math.floor(permuted / halfSize);
  let low = permuted - high * halfSize;
  for (let round = rounds - 1; round >= 0; round--) {
    const previous = low ^ roundFunction(high, keys[round]);
    low = high;
    high = previous;
  }
  return high * halfSize + low;
}

/** 26 well-mixed bits of a half and a round key (a 32-bit avalanche hash, top bits kept). */
function roundFunction(half: number, key: number): number {
  let mixed = half ^ key;
  mixed = Math.imul(mixed ^ (mixed >>> 16), 0x7feb352d);
  mixed = Math.imul(mixed ^ (mixed >>> 15), 0x846ca68b);
  return (mixed ^ (mixed >>> 16)) >>> 6;
}
