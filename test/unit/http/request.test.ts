// JSON bodies nested past a sane depth are refused before the parser sees them (issue 21).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError } from '../../../sandbox/http/errors';
import { maxJsonDepth, nestsDeeperThan, parseBody } from '../../../sandbox/http/request';

const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

test('depth counts arrays and objects opened inside each other, not brackets inside strings', () => {
  assert.equal(nestsDeeperThan('{"a":[1,{"b":[]}]}', 4), false);
  assert.equal(nestsDeeperThan('{"a":[1,{"b":[]}]}', 3), true);
  assert.equal(nestsDeeperThan('[[],[],[],[]]', 2), false);
  assert.equal(nestsDeeperThan(`{"s":"${'['.repeat(100)}"}`, 1), false);
  // An escaped quote does not end the string.
  assert.equal(nestsDeeperThan(`{"s":"\\"${'{'.repeat(100)}"}`, 1), false);
  // An escaped backslash does: what follows is outside the string again.
  assert.equal(nestsDeeperThan('{"s":"\\\\","a":[[[]]]}', 3), true);
});

test(`a body nested up to ${maxJsonDepth} levels parses; one deeper is a 400 naming the limit`, () => {
  assert.deepEqual(
    parseBody(Buffer.from(nested(maxJsonDepth)), 'application/json', false),
    JSON.parse(nested(maxJsonDepth)),
  );
  for (const contentType of ['application/json', 'application/x-www-form-urlencoded']) {
    assert.throws(
      () => parseBody(Buffer.from(nested(maxJsonDepth + 1)), contentType, true),
      (error: unknown) =>
        error instanceof ApiError &&
        error.status === 400 &&
        error.code === 'invalid_request' &&
        error.message.includes(`more than ${maxJsonDepth} deep`),
    );
  }
});

test('a megabyte of nested arrays is refused without being parsed', () => {
  const body = Buffer.from(nested(500_000));
  const original = JSON.parse;
  let parsed = 0;
  JSON.parse = (...args: Parameters<typeof JSON.parse>) => {
    parsed++;
    return original(...args) as unknown;
  };
  try {
    assert.throws(() => parseBody(body, 'application/x-www-form-urlencoded', false), ApiError);
  } finally {
    JSON.parse = original;
  }
  assert.equal(parsed, 0);
});
