// Writes candles and ticks as NDJSON bytes straight from the integer tick grid. A price of k
// ticks is printed as the short decimal of k * step, which is exactly what JSON.stringify
// prints for that number, without creating strings or objects. Measured in bench/market.ts.
import type { DecimalGrid } from './model';

const chunkBytes = 64 * 1024;
/** Room for the longest line (a tick or candle is under 120 bytes). */
const maxLineBytes = 256;
/** Direct-mapped cache of printed prices: a day of data reuses a few hundred price levels. */
const priceSlots = 4096;
const priceSlotBytes = 24;

function asciiBytes(text: string): Uint8Array {
  return Uint8Array.from(text, (ch) => ch.charCodeAt(0));
}

const tickKeys = ['{"t":', ',"bid":', ',"ask":', '}\n'].map(asciiBytes);
const digits = new Uint8Array(24);
/** "00".."99" as byte pairs: two digits per step halves the arithmetic. */
const digitPairs = Uint8Array.from({ length: 200 }, (_, k) =>
  k % 2 === 0 ? 48 + Math.floor(k / 20) : 48 + (((k - 1) / 2) % 10),
);
const quote = 34;
const comma = 44;
const colon = 58;

/** Collects lines into 64 KB chunks; a chunk handed over is never written again. */
export class NdjsonWriter {
  private buffer = new Uint8Array(chunkBytes);
  private position = 0;
  private readonly ready: Uint8Array[] = [];
  private readonly cachedSteps = new Int32Array(priceSlots).fill(-1);
  private readonly cachedLength = new Uint8Array(priceSlots);
  private readonly cachedBytes = new Uint8Array(priceSlots * priceSlotBytes);
  /** Timestamps share their leading digits for a day: print them once. */
  private timeHigh = -1;
  private timeHighBytes = new Uint8Array(0);

  constructor(private readonly grid: DecimalGrid) {}

  /** Chunks completed so far (the caller sends them), leaving the current one open. */
  takeChunks(): Uint8Array[] {
    return this.ready.splice(0, this.ready.length);
  }

  /** Everything written, including the partly filled chunk. */
  finish(): Uint8Array[] {
    if (this.position > 0) {
      this.ready.push(this.buffer.subarray(0, this.position));
      this.buffer = new Uint8Array(chunkBytes);
      this.position = 0;
    }
    return this.takeChunks();
  }

  candle(t: number, o: number, h: number, l: number, c: number, v: number): void {
    this.reserveLine();
    this.buffer[this.position++] = 123;
    this.key(116);
    this.time(t);
    this.nextKey(111);
    this.price(o);
    this.nextKey(104);
    this.price(h);
    this.nextKey(108);
    this.price(l);
    this.nextKey(99);
    this.price(c);
    this.nextKey(118);
    this.position = writeInteger(this.buffer, this.position, v);
    this.buffer[this.position++] = 125;
    this.buffer[this.position++] = 10;
  }

  tick(t: number, bid: number, ask: number): void {
    this.reserveLine();
    this.bytes(tickKeys[0]);
    this.time(t);
    this.bytes(tickKeys[1]);
    this.price(bid);
    this.bytes(tickKeys[2]);
    this.price(ask);
    this.bytes(tickKeys[3]);
  }

  private reserveLine(): void {
    if (this.position + maxLineBytes <= this.buffer.length) return;
    this.ready.push(this.buffer.subarray(0, this.position));
    this.buffer = new Uint8Array(chunkBytes);
    this.position = 0;
  }

  /** `"x":` for a one-letter key. */
  private key(letter: number): void {
    const buffer = this.buffer;
    const at = this.position;
    buffer[at] = quote;
    buffer[at + 1] = letter;
    buffer[at + 2] = quote;
    buffer[at + 3] = colon;
    this.position = at + 4;
  }

  /** `,"x":` for a one-letter key. */
  private nextKey(letter: number): void {
    this.buffer[this.position++] = comma;
    this.key(letter);
  }

  // A plain loop: TypedArray.set costs more than copying a handful of bytes by hand.
  private bytes(source: Uint8Array): void {
    const buffer = this.buffer;
    const position = this.position;
    for (let k = 0; k < source.length; k++) buffer[position + k] = source[k];
    this.position = position + source.length;
  }

  /** A millisecond timestamp: cached leading digits, then the last eight. */
  private time(t: number): void {
    const high = Math.floor(t / 1e8);
    if (high !== this.timeHigh) {
      const scratch = new Uint8Array(24);
      this.timeHighBytes = scratch.subarray(0, high > 0 ? writeInteger(scratch, 0, high) : 0);
      this.timeHigh = high;
    }
    this.bytes(this.timeHighBytes);
    const low = t - high * 1e8;
    this.position =
      high > 0
        ? writePadded(this.buffer, this.position, low, 8)
        : writeInteger(this.buffer, this.position, low);
  }

  private price(steps: number): void {
    const slot = steps & (priceSlots - 1);
    const base = slot * priceSlotBytes;
    const buffer = this.buffer;
    const position = this.position;
    if (this.cachedSteps[slot] === steps) {
      const length = this.cachedLength[slot];
      const cached = this.cachedBytes;
      for (let k = 0; k < length; k++) buffer[position + k] = cached[base + k];
      this.position = position + length;
      return;
    }
    const end = writeGridNumber(buffer, position, steps, this.grid);
    const length = end - position;
    for (let k = 0; k < length; k++) this.cachedBytes[base + k] = buffer[position + k];
    this.cachedLength[slot] = length;
    this.cachedSteps[slot] = steps;
    this.position = end;
  }
}

// Digits come from multiplying by 0.1 (or 0.01) and flooring: exact for integers below 2^31
// (the constant is slightly above a tenth, never enough to reach the next integer) and much
// cheaper than dividing.

/** Writes a non-negative integer below 2^31; returns the new position. */
function writeInteger(buffer: Uint8Array, position: number, value: number): number {
  let n = value;
  let length = 0;
  do {
    const next = Math.floor(n * 0.1);
    digits[length++] = 48 + n - next * 10;
    n = next;
  } while (n > 0);
  let at = position;
  while (length > 0) buffer[at++] = digits[--length];
  return at;
}

/** Writes `value` (below 10^width and 2^31) zero-padded to `width` digits. */
function writePadded(buffer: Uint8Array, position: number, value: number, width: number): number {
  let n = value;
  let k = position + width - 1;
  for (; k > position; k -= 2) {
    const next = Math.floor(n * 0.01);
    const pair = (n - next * 100) * 2;
    buffer[k] = digitPairs[pair + 1];
    buffer[k - 1] = digitPairs[pair];
    n = next;
  }
  if (k === position) buffer[k] = 48 + n;
  return position + width;
}

/** `steps` grid steps as the shortest decimal (no exponent: prices are at least 1e-6). */
function writeGridNumber(
  buffer: Uint8Array,
  position: number,
  steps: number,
  grid: DecimalGrid,
): number {
  const units = steps * grid.units;
  if (grid.decimals === 0) return writeLargeInteger(buffer, position, units);
  const whole = Math.floor(units / grid.scale);
  let fraction = units - whole * grid.scale;
  let at = writeLargeInteger(buffer, position, whole);
  if (fraction === 0) return at;
  let places = grid.decimals;
  while (fraction % 10 === 0) {
    fraction /= 10;
    places--;
  }
  buffer[at++] = 46;
  return writePadded(buffer, at, fraction, places);
}

/** Writes a non-negative integer below 2^53. */
function writeLargeInteger(buffer: Uint8Array, position: number, value: number): number {
  if (value < 2147483648) return writeInteger(buffer, position, value);
  const high = Math.floor(value / 1e8);
  return writePadded(buffer, writeLargeInteger(buffer, position, high), value - high * 1e8, 8);
}
