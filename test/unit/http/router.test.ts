import assert from 'node:assert/strict';
import { test } from 'node:test';
import { routes } from '../../../api/routes';
import { Router } from '../../../sandbox/http/router';

const router = new Router();

test('static paths win over templates: /market/quotes is not /market/{symbol}', () => {
  const quotes = router.lookup('GET', '/market/quotes');
  assert.equal(quotes.kind, 'match');
  assert.equal(quotes.kind === 'match' && quotes.match.operationId, 'getQuotes');
  const one = router.lookup('GET', '/market/EURUSD');
  assert.deepEqual(one.kind === 'match' && [one.match.operationId, one.match.params], [
    'getInstrument',
    { symbol: 'EURUSD' },
  ]);
});

test('templated paths decode their segment and pick the method', () => {
  const cancel = router.lookup('DELETE', '/orders/ord%5F1');
  assert.deepEqual(cancel.kind === 'match' && [cancel.match.operationId, cancel.match.params], [
    'cancelOrder',
    { id: 'ord_1' },
  ]);
  const get = router.lookup('GET', '/orders/ord_1');
  assert.equal(get.kind === 'match' && get.match.operationId, 'getOrder');
});

test('a known path with the wrong method lists the allowed ones', () => {
  assert.deepEqual(router.lookup('PUT', '/orders'), {
    kind: 'method_not_allowed',
    allowed: ['POST', 'GET'],
  });
  assert.deepEqual(router.lookup('POST', '/orders/abc'), {
    kind: 'method_not_allowed',
    allowed: ['GET', 'DELETE'],
  });
});

test('unknown, empty-segment and badly encoded paths are not found', () => {
  for (const path of ['/nope', '/orders/', '/orders/%E0%A4%A', '/market/EURUSD/extra', '']) {
    assert.equal(router.lookup('GET', path).kind, 'not_found', path);
  }
});

test('every route in the table is reachable by its own method and path', () => {
  for (const [operationId, spec] of Object.entries(routes)) {
    const path = spec.path.replace(/\{\w+\}/g, 'X1');
    const found = router.lookup(spec.method, path);
    assert.equal(
      found.kind === 'match' && found.match.operationId,
      operationId,
      `${spec.method} ${path}`,
    );
  }
});
