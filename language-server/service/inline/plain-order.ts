// A literal that is plainly an order by its keys, with no call to tell: the API's request keys,
// and the near misses worth reporting as typos.
import { Order, OrderRequest } from '../../../api/orders';
import type { ContainerSyntax } from './syntax';

/** The keys of `POST /orders`, from the contract. */
export const requestKeys: ReadonlySet<string> = new Set(Object.keys(OrderRequest.shape));

/** Keys of an order as the API answers it, never of a request: such a literal is a response. */
const responseKeys: ReadonlySet<string> = new Set(
  Object.keys(Order.shape).filter((key) => !requestKeys.has(key)),
);

/** The literal keys of a dict or object, in order. */
export function keysOf(container: ContainerSyntax): string[] {
  return container.entries.flatMap((entry) =>
    entry.kind === 'pair' && entry.key !== undefined ? [entry.key] : [],
  );
}

/**
 * Plainly an order: `symbol`, `action` and `quantity`, one more key of the request, and no key
 * that is neither a request key nor a near miss of one (a typo is worth reporting; `price` or
 * `status` say it is something else).
 */
export function isPlainOrder(container: ContainerSyntax): boolean {
  const keys = keysOf(container);
  if (!keys.includes('symbol') || !keys.includes('action') || !keys.includes('quantity')) {
    return false;
  }
  const others = ['order_type', 'time_in_force', 'limit_price', 'stop_loss', 'take_profit'];
  if (!others.some((key) => keys.includes(key) || keys.some((k) => nearMiss(k) === key))) {
    return false;
  }
  const unknown = keys.filter((key) => !requestKeys.has(key));
  return (
    unknown.length <= 2 &&
    unknown.every((key) => !responseKeys.has(key) && nearMiss(key) !== undefined)
  );
}

/** The request key this one is a likely misspelling of (`stopLoss`, `stop_los`), if any. */
export function nearMiss(key: string): string | undefined {
  const snake = key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
  if (requestKeys.has(snake)) return snake;
  if (key.length < 4) return undefined;
  for (const known of requestKeys) if (editDistance(snake, known) <= 2) return known;
  return undefined;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j] + 1, current[j - 1] + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length];
}
