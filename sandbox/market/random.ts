// Deterministic randomness for the market generator. Everything is keyed by integers (a
// symbol's seed, a day number, a minute number), never by call order, so any query in any
// order sees the same numbers. Math.random is never used.

const twoPow32 = 4294967296;
const inv2Pow32 = 1 / twoPow32;

/** lowbias32 (Chris Wellons): a cheap avalanche mix with good statistical quality. */
export function mix32(value: number): number {
  let x = value >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/** Hashes a seed with up to two non-negative integer keys (keys may exceed 2^32, e.g. ms times). */
export function hashKeys(seed: number, a: number, b = 0): number {
  let h = mix32(seed ^ 0x9e3779b9);
  h = mix32(h ^ (a >>> 0));
  h = mix32(h ^ Math.floor(a * inv2Pow32) ^ 0x85ebca6b);
  h = mix32(h ^ (b >>> 0) ^ 0xc2b2ae35);
  return h;
}

/** FNV-1a of a string: stable seeds from symbol names. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return mix32(h);
}

/** A uniform in (0, 1) from a 32-bit integer; never exactly 0 or 1, so logs stay finite. */
export function unitFromUint32(value: number): number {
  return ((value >>> 0) + 0.5) * inv2Pow32;
}

// Acklam's rational approximation of the inverse normal CDF (relative error < 1.2e-9).
const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269];
const a4 = -30.66479806614716;
const a5 = 2.506628274631;
const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972];
const b4 = -13.28068155288572;
const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734];
const c4 = 4.374664141464968;
const c5 = 2.938163982698783;
const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];

export function inverseNormal(p: number): number {
  const low = 0.02425;
  if (p < low || p > 1 - low) {
    const q = Math.sqrt(-2 * Math.log(p < low ? p : 1 - p));
    const x =
      (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c4) * q + c5) /
      ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    return p < low ? x : -x;
  }
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a4) * r + a5) * q) /
    (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b4) * r + 1)
  );
}

/**
 * Table resolution: the top 12 bits of a random word pick an entry. Small tables stay in the
 * L1 cache, which matters more than resolution here: prices are rounded to ticks anyway.
 */
export const tableBits = 12;
export const tableSize = 1 << tableBits;
/** Shift that takes a 32-bit word to a table index. */
export const tableShift = 32 - tableBits;
/** Mask that takes a word's low bits to a table index, independent of its top bits. */
export const tableMask = tableSize - 1;

function buildTable(at: (p: number) => number): Float64Array {
  const table = new Float64Array(tableSize);
  for (let i = 0; i < tableSize; i++) table[i] = at((i + 0.5) / tableSize);
  return table;
}

/** Standard normal quantiles at the table's midpoints. */
export const normalTable = buildTable(inverseNormal);
/** Exp(1) quantiles at the table's midpoints (the largest is about 9). */
export const exponentialTable = buildTable((p) => -Math.log(1 - p));

/**
 * A standard normal from a 32-bit word: one table lookup, except in the two extreme buckets,
 * which are computed exactly so that tails are not cut off at the table's edge.
 */
export function normalFromUint32(word: number): number {
  const index = word >>> tableShift;
  if (index === 0 || index === tableSize - 1) return inverseNormal(unitFromUint32(word));
  return normalTable[index];
}

/**
 * mulberry32: a small, fast 32-bit generator. Seeded per (instrument, day) or (instrument,
 * minute), so one stream never outlives the bucket it belongs to.
 */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed | 0;
  }

  nextUint32(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = Math.imul(this.state ^ (this.state >>> 15), 1 | this.state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  }

  uniform(): number {
    return (this.nextUint32() + 0.5) * inv2Pow32;
  }

  normal(): number {
    return normalFromUint32(this.nextUint32());
  }

  exponential(): number {
    return exponentialTable[this.nextUint32() >>> tableShift];
  }

  /** An integer in [0, n). */
  below(n: number): number {
    return Math.floor(this.uniform() * n);
  }
}
