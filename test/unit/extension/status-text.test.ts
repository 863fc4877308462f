import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ScriptApiUse, StatusInput } from '../../../extension/status-text';
import { statusParts } from '../../../extension/status-text';

const now = Date.UTC(2024, 2, 6, 12, 0, 30);
const running = { kind: 'running', url: 'http://127.0.0.1:4100', attached: false, pid: 1 } as const;
const use = (change: Partial<ScriptApiUse> = {}): ScriptApiUse => ({
  script: '/work/sma/sma_crossover.py',
  at: now - 500,
  requests: 12,
  errors: 0,
  rate_limited: 0,
  latency_ms: { last: 3.25, p50: 2.5, p95: 8, max: 14.2 },
  rate_limit: { limit: 10_000, remaining: 9_988, reset: Date.UTC(2024, 2, 6, 12, 0, 31) },
  ...change,
});
const input = (change: Partial<StatusInput> = {}): StatusInput => ({
  env: 'local',
  sandbox: running,
  clock: undefined,
  api: undefined,
  now,
  ...change,
});

test('the status says where runs go and the sandbox state, and nothing of the API before a run', () => {
  const parts = statusParts(input());
  assert.equal(parts.text, '$(graph-line) Timber: local · sandbox ready');
  assert.equal(parts.tooltip, 'Local sandbox running on http://127.0.0.1:4100');
  assert.equal(parts.warning, false);
  assert.equal(
    statusParts(input({ sandbox: { kind: 'stopped' } })).text,
    '$(graph-line) Timber: local · sandbox stopped',
  );
  assert.equal(statusParts(input({ env: 'sandbox' })).text, '$(graph-line) Timber: sandbox');
});

test('while a script calls the API: its latency and what is left of the rate window', () => {
  const parts = statusParts(input({ api: use() }));
  assert.equal(parts.text, '$(graph-line) Timber: local · sandbox ready · 3.3 ms · 9,988 left');
  assert.match(
    parts.tooltip,
    /sma_crossover\.py: 12 API calls in the last second, latency 3\.3 ms \(median 2\.5 ms, 95% under 8\.0 ms, slowest 14 ms\)/,
  );
  assert.match(
    parts.tooltip,
    /Rate limit: 9,988 of 10,000 requests left, the window refills at 12:00:31 UTC/,
  );
  assert.equal(parts.warning, false);
});

test('a nearly spent window or refused calls turn it to a warning; old figures are not shown', () => {
  const low = statusParts(
    input({ api: use({ rate_limit: { limit: 100, remaining: 4, reset: now + 500 } }) }),
  );
  assert.equal(low.warning, true);
  assert.match(low.text, / · 4 left$/);
  const refused = statusParts(input({ api: use({ rate_limited: 7, errors: 1 }) }));
  assert.equal(refused.warning, true);
  assert.match(refused.tooltip, /, 1 failed, 7 refused with 429/);
  const old = statusParts(input({ api: use({ at: now - 61_000 }) }));
  assert.equal(old.text, '$(graph-line) Timber: local · sandbox ready');
  assert.equal(old.warning, false);
});

test('the market time replaces the state when the session clock runs ahead of the wall', () => {
  const clock = {
    mode: 'session' as const,
    market_now: Date.UTC(2026, 11, 6, 22, 10),
    wall_now: Date.UTC(2026, 11, 5, 14, 10),
  };
  const parts = statusParts(input({ clock }));
  assert.equal(parts.text, '$(graph-line) Timber: local · market Sun 22:10 UTC');
  assert.match(parts.tooltip, /the session clock skips the hours forex is closed/);
});
