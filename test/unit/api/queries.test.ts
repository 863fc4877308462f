// Property tests of the query-string schemas: numbers must be whole numbers written in digits,
// unknown parameters are named one by one, and from may not come after to.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { z } from 'zod';
import { FillsQuery } from '../../../api/account';
import { detailsFromZod } from '../../../api/errors';
import { CandlesQuery, HistoricalQuery } from '../../../api/market';
import { OrderListQuery } from '../../../api/orders';

const runs = { numRuns: 300 };

interface QueryCase {
  name: string;
  schema: z.ZodType;
  /** A valid query as it arrives: every value a string. */
  valid: Record<string, string>;
  numeric: string[];
  known: string[];
}

const cases: QueryCase[] = [
  {
    name: 'CandlesQuery',
    schema: CandlesQuery,
    valid: { symbol: 'EURUSD', interval: '5m', limit: '100', from: '1000', to: '2000' },
    numeric: ['limit', 'from', 'to'],
    known: ['symbol', 'interval', 'limit', 'from', 'to'],
  },
  {
    name: 'HistoricalQuery',
    schema: HistoricalQuery,
    valid: { symbol: 'US500', from: '1000', to: '2000', type: 'ticks', limit: '10' },
    numeric: ['from', 'to', 'limit'],
    known: ['symbol', 'from', 'to', 'type', 'interval', 'limit', 'cursor'],
  },
  {
    name: 'OrderListQuery',
    schema: OrderListQuery,
    valid: { status: 'all', symbol: 'EURUSD', limit: '50' },
    numeric: ['limit'],
    known: ['status', 'symbol', 'limit', 'cursor'],
  },
  {
    name: 'FillsQuery',
    schema: FillsQuery,
    valid: { since: '0', limit: '10' },
    numeric: ['since', 'limit'],
    known: ['since', 'limit', 'cursor'],
  },
];

// Counterexamples print the case's name rather than its zod schema.
for (const c of cases) Object.assign(c, { [fc.toStringMethod]: () => c.name });
const queryCase = fc.constantFrom(...cases);

/** Strings that are not a whole number in digits, as a query string can carry them. */
const notANumber = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    '1.5',
    '1e3',
    '0x10',
    '+5',
    '5 ',
    ' 5',
    'NaN',
    'Infinity',
    '-',
    '١٢',
    '1_000',
  ),
  fc.constantFrom('12345678901234567', '99999999999999999999'),
  fc.string().filter((s) => !/^-?\d{1,16}$/.test(s)),
);

function details(schema: z.ZodType, input: unknown) {
  const parsed = schema.safeParse(input);
  assert.equal(parsed.success, false, `expected a refusal of ${JSON.stringify(input)}`);
  return parsed.success ? [] : detailsFromZod(parsed.error);
}

test('the valid queries parse, numbers to numbers', () => {
  for (const { schema, valid, numeric } of cases) {
    const parsed = schema.parse(valid) as Record<string, unknown>;
    for (const name of numeric) assert.equal(parsed[name], Number(valid[name]));
  }
});

test('a number parameter that is not a whole number in digits is named', () => {
  const pick = queryCase.chain((c) => fc.tuple(fc.constant(c), fc.constantFrom(...c.numeric)));
  fc.assert(
    fc.property(pick, notANumber, ([c, name], value) => {
      const named = details(c.schema, { ...c.valid, [name]: value }).map((d) => d.path);
      // Only that parameter: a broken from must not also be reported as "to before from".
      assert.deepEqual(named, [name], `${c.name} ${name}=${JSON.stringify(value)}`);
    }),
    runs,
  );
});

test('each unknown parameter is named, prototype names included', () => {
  const unknownName = fc.oneof(
    fc.constantFrom('__proto__', 'constructor', 'hasOwnProperty', 'Symbol', 'LIMIT', 'limit ', ''),
    fc.string(),
  );
  fc.assert(
    fc.property(
      queryCase,
      fc.uniqueArray(unknownName, { minLength: 1, maxLength: 4 }),
      (c, names) => {
        const extra = names.filter((name) => !c.known.includes(name));
        fc.pre(extra.length > 0);
        // Object.fromEntries, as the dispatcher builds it, makes "__proto__" an own key.
        const input = Object.fromEntries([
          ...Object.entries(c.valid),
          ...extra.map((n): [string, string] => [n, '1']),
        ]);
        const named = details(c.schema, input).map((d) => d.path);
        assert.deepEqual(named.sort(), [...extra].sort());
      },
    ),
    runs,
  );
});

test('from after to is refused naming to; from at or before to passes', () => {
  const ranged = cases.filter((c) => c.numeric.includes('from') && c.numeric.includes('to'));
  const instant = fc.integer({ min: 0, max: 8_640_000_000_000 });
  fc.assert(
    fc.property(fc.constantFrom(...ranged), instant, instant, (c, a, b) => {
      const input = { ...c.valid, from: String(a), to: String(b) };
      const parsed = c.schema.safeParse(input);
      assert.equal(parsed.success, a <= b);
      if (!parsed.success) {
        assert.deepEqual(
          detailsFromZod(parsed.error).map((d) => d.path),
          ['to'],
        );
      }
    }),
    runs,
  );
});

test('numbers out of range are named: negative instants, limits outside their bounds', () => {
  const bad: [QueryCase['name'], string, string][] = [
    ['CandlesQuery', 'from', '-1'],
    ['CandlesQuery', 'limit', '0'],
    ['CandlesQuery', 'limit', '5001'],
    ['HistoricalQuery', 'limit', '10001'],
    ['OrderListQuery', 'limit', '501'],
    ['OrderListQuery', 'limit', '-5'],
    ['FillsQuery', 'since', '-1'],
    ['FillsQuery', 'limit', '5001'],
  ];
  for (const [name, param, value] of bad) {
    const c = cases.find((candidate) => candidate.name === name)!;
    const named = details(c.schema, { ...c.valid, [param]: value }).map((d) => d.path);
    assert.ok(named.includes(param), `${name} ${param}=${value}: ${named.join(', ')}`);
  }
});

test('values that are not strings (a repeated parameter, an object) never throw', () => {
  fc.assert(
    fc.property(
      queryCase,
      fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.array(fc.string()), fc.jsonValue())),
      (c, input) => {
        const parsed = c.schema.safeParse({ ...c.valid, ...input });
        if (!parsed.success) {
          for (const detail of detailsFromZod(parsed.error))
            assert.equal(typeof detail.path, 'string');
        }
      },
    ),
    runs,
  );
});
