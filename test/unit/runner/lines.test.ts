import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { OutputLine } from '../../../runner/lines';
import { LineSplitter, printable } from '../../../runner/lines';

function split(chunks: Buffer[], maxLineBytes?: number): OutputLine[] {
  const lines: OutputLine[] = [];
  const splitter = new LineSplitter(
    (line) => lines.push(line),
    maxLineBytes === undefined ? {} : { maxLineBytes },
  );
  for (const chunk of chunks) splitter.push(chunk);
  splitter.end();
  return lines;
}

test('lines are cut at newlines whatever the chunking, CRLF included', () => {
  const lines = split([Buffer.from('one\r\ntw'), Buffer.from('o\nthree')]);
  assert.deepEqual(
    lines.map((line) => line.text),
    ['one', 'two', 'three'],
  );
  assert.ok(lines.every((line) => !line.continued));
});

test('invalid UTF-8 and control characters are shown escaped; valid text stays', () => {
  assert.equal(printable(Buffer.from([0x61, 0xff, 0x62])), 'a\\xffb');
  assert.equal(printable(Buffer.from('\x1b[31mred\x1b[0m\tok')), '\\x1b[31mred\\x1b[0m\tok');
  assert.equal(printable(Buffer.from('prix: 1,08 € ✓ 😀')), 'prix: 1,08 € ✓ 😀');
  assert.equal(printable(Buffer.from([0xc0, 0xaf])), '\\xc0\\xaf', 'an overlong slash');
  assert.equal(printable(Buffer.from([0xed, 0xa0, 0x80])), '\\xed\\xa0\\x80', 'a surrogate');
  assert.equal(printable(Buffer.from('\u0085')), '\\u0085', 'a C1 control');
  assert.equal(printable(Buffer.from([0x00, 0x7f])), '\\x00\\x7f');
});

test('a huge line is split into bounded pieces, marked as continued, without losing bytes', () => {
  const huge = Buffer.alloc(100_000, 'x');
  const lines = split([huge, Buffer.from('\nnext\n')], 1024);
  assert.equal(lines.length, Math.ceil(100_000 / 1024) + 1);
  assert.ok(lines.every((line) => line.text.length <= 1024));
  assert.equal(
    lines
      .slice(0, -1)
      .map((line) => line.text)
      .join(''),
    huge.toString(),
  );
  assert.deepEqual(
    lines.map((line) => line.continued),
    [...Array<boolean>(lines.length - 2).fill(true), false, false],
  );
  assert.equal(lines.at(-1)?.text, 'next');
});

test('a split never cuts a multi-byte character in two', () => {
  const text = '€'.repeat(1000); // three bytes each
  const lines = split([Buffer.from(text)], 64);
  assert.ok(lines.every((line) => !line.text.includes('\\x')));
  assert.equal(lines.map((line) => line.text).join(''), text);
});

test('any bytes in any chunking: no raw control character, one line per newline', () => {
  fc.assert(
    fc.property(
      fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 20 }),
      fc.integer({ min: 4, max: 200 }),
      (chunks, max) => {
        const buffers = chunks.map((chunk) => Buffer.from(chunk));
        const lines = split(buffers, max);
        for (const line of lines) {
          const raw = [...line.text].some((char) => {
            const code = char.charCodeAt(0);
            return (code < 0x20 && code !== 0x09) || code === 0x7f;
          });
          assert.ok(!raw, `a raw control character in ${JSON.stringify(line.text)}`);
        }
        // Unescaped, the pieces are the input minus its newlines (and one CR before each).
        const input = Buffer.concat(buffers);
        const expectedNewlines = input.filter((byte) => byte === 0x0a).length;
        const ends = lines.filter((line) => !line.continued).length;
        assert.ok(ends === expectedNewlines || ends === expectedNewlines + 1);
      },
    ),
  );
});

test('a line split across chunks byte by byte comes out whole', () => {
  const bytes = Buffer.from('héllo wörld\n');
  const lines = split([...bytes].map((byte) => Buffer.from([byte])));
  assert.deepEqual(
    lines.map((line) => line.text),
    ['héllo wörld'],
  );
});
