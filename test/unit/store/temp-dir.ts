// A fresh temp folder per test, removed when the test ends (pass or fail).
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';

export function tempDir(t: TestContext, prefix = 'tbm-store-'): string {
  const dir = fs.mkdtempSync(join(tmpdir(), prefix));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A sample order event of about 150 bytes of JSON. */
export function orderEvent(index: number): {
  type: string;
  orderId: string;
  account: string;
  symbol: string;
  side: 'buy' | 'sell';
  quantity: number;
  limitPrice: number;
  ts: number;
} {
  return {
    type: 'order.accepted',
    orderId: `ord_${index.toString(36).padStart(10, '0')}`,
    account: 'acc_paper_1',
    symbol: 'EURUSD',
    side: index % 2 === 0 ? 'buy' : 'sell',
    quantity: (index % 100) + 1,
    limitPrice: 1.08 + (index % 7) / 1000,
    ts: 1_732_400_000_000 + index,
  };
}
