import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import * as zlib from 'node:zlib';
import { crc32, crc32Table, hasNativeCrc32 } from '../../../sandbox/store/crc32';

void test('crc32 matches the standard check value', () => {
  const data = Buffer.from('123456789');
  assert.equal(crc32Table(data), 0xcbf43926);
  assert.equal(crc32(data), 0xcbf43926);
  assert.equal(crc32Table(Buffer.alloc(0)), 0);
});

void test('the JS table agrees with zlib on ranges of every small length and large ones', () => {
  const data = randomBytes(70_000);
  for (const [start, end] of [
    [0, 1],
    [3, 10],
    [5, 600],
    [1, 65_537],
    [0, data.length],
  ] as const) {
    const expected = hasNativeCrc32
      ? zlib.crc32(data.subarray(start, end))
      : crc32Table(data, start, end);
    assert.equal(crc32Table(data, start, end), expected);
    assert.equal(crc32(data, start, end), expected);
  }
  for (let length = 0; length < 40; length++) {
    const slice = data.subarray(100, 100 + length);
    assert.equal(crc32Table(data, 100, 100 + length), crc32Table(Buffer.from(slice)));
  }
});

void test('a CRC continued across chunks equals the CRC of the whole', () => {
  const data = randomBytes(10_000);
  const whole = crc32(data);
  for (const cut of [1, 7, 511, 512, 4096, 9_999]) {
    assert.equal(crc32(data, cut, data.length, crc32(data, 0, cut)), whole);
    assert.equal(crc32Table(data, cut, data.length, crc32Table(data, 0, cut)), whole);
  }
});
