import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Account } from '../../../api/account';
import type { Order } from '../../../api/orders';
import { LiveBook } from '../../../sdk/node/src/book';
import { order } from './fake-api';

const account = (positions: { symbol: string; quantity: number }[] = []): Account => ({
  account_id: 'acc_1',
  currency: 'USD',
  balance: 100_000,
  equity: 100_000,
  margin_used: 0,
  margin_available: 100_000,
  unrealized_pnl: 0,
  realized_pnl: 0,
  positions: positions.map((p) => ({ ...p, avg_price: 1.1, market_price: 1.1, unrealized_pnl: 0 })),
});
const view = (overrides: Record<string, unknown>) => order(overrides) as Order;

test('a fill counts once, whether REST or the stream reports it first', () => {
  const book = new LiveBook(account([{ symbol: 'EURUSD', quantity: 2000 }]), []);
  const filled = view({
    id: 'ord_2',
    fills: [{ id: 'fil_9', price: 1.1, quantity: 1000, fee: 0, t: 1 }],
  });
  book.applyOrder(filled);
  book.applyOrder(filled);
  assert.equal(book.position('EURUSD'), 3000);
  book.applyOrder(
    view({
      id: 'ord_3',
      action: 'sell',
      fills: [{ id: 'fil_10', price: 1.1, quantity: 3000, fee: 0, t: 2 }],
    }),
  );
  assert.equal(book.position('EURUSD'), 0);
});

test('open orders come and go; a late older view does not bring an ended order back', () => {
  const resting = view({
    id: 'ord_4',
    status: 'open',
    filled_quantity: 0,
    fills: [],
    order_type: 'limit',
    limit_price: 1,
  });
  const book = new LiveBook(account(), [resting]);
  assert.deepEqual(
    book.openOrders().map((o) => o.id),
    ['ord_4'],
  );
  assert.deepEqual(book.openOrders('GBPUSD'), []);
  book.applyOrder({ ...resting, status: 'cancelled' });
  book.applyOrder(resting);
  assert.deepEqual(book.openOrders(), []);
});

test('fills of orders open at the start are already in the positions', () => {
  const partly = view({
    id: 'ord_5',
    status: 'partially_filled',
    quantity: 5000,
    filled_quantity: 1000,
    fills: [{ id: 'fil_1', price: 1.1, quantity: 1000, fee: 0, t: 1 }],
  });
  const book = new LiveBook(account([{ symbol: 'EURUSD', quantity: 1000 }]), [partly]);
  book.applyOrder({
    ...partly,
    status: 'filled',
    filled_quantity: 5000,
    fills: [...partly.fills, { id: 'fil_2', price: 1.1, quantity: 4000, fee: 0, t: 2 }],
  });
  assert.equal(book.position('EURUSD'), 5000);
});
