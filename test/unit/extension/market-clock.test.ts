import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeMarketTime, shortMarketTime } from '../../../extension/sandbox/market-clock';

test('market time is shown only when it is not the wall clock, with why', () => {
  const saturday = Date.UTC(2026, 11, 5, 14, 10);
  const sundayOpen = Date.UTC(2026, 11, 6, 22, 10);
  assert.equal(describeMarketTime(undefined), undefined);
  assert.equal(
    describeMarketTime({ mode: 'session', market_now: saturday + 30_000, wall_now: saturday }),
    undefined,
  );
  assert.equal(
    describeMarketTime({ mode: 'session', market_now: sundayOpen, wall_now: saturday }),
    'market time Sun 22:10 UTC (your time Sat 14:10 UTC): the session clock skips the hours forex is closed',
  );
  assert.equal(
    shortMarketTime({ mode: 'real', market_now: Date.UTC(2024, 2, 6, 12), wall_now: saturday }),
    'market Wed 12:00 UTC',
  );
});
