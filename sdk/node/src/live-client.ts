import type { StrategyConfig } from '../../../api/strategy-config';
import type { BreakerChange } from './breaker';
import type { ClientNotice } from './client';
import { TimberClient } from './client';
import type { Connection } from './config';
import { stamp } from './context';

/**
 * The client of a live run: the config's breaker settings, and a line printed for what the SDK
 * does on its own (the breaker's changes, retries, order lookups), stamped with the run's market
 * clock like the order and fill lines around it, not with the machine's wall clock.
 */
export function liveClient(
  config: StrategyConfig,
  connection: Connection,
  print: (line: string) => void,
  now: () => number,
): TimberClient {
  const risk = config.risk;
  return new TimberClient({
    baseUrl: connection.baseUrl,
    keyId: connection.keyId,
    secret: connection.secret,
    breaker: {
      failureThreshold: risk.circuit_breaker_failures,
      latencyLimitMs: risk.circuit_breaker_latency_ms,
      cooldownMs: risk.circuit_breaker_cooldown_ms,
      onStateChange: (change) =>
        print(describeBreaker(change, now(), risk.circuit_breaker_cooldown_ms)),
    },
    onNotice: (notice) => print(describeNotice(notice, now())),
  });
}

export function describeBreaker(change: BreakerChange, now: number, cooldownMs: number): string {
  const at = stamp(now);
  switch (change.to) {
    case 'open':
      return (
        `${at} trading paused: ${change.reason}; orders that open or add to a position are ` +
        `skipped for ${seconds(cooldownMs)}, then one trial order may go through (orders that ` +
        `reduce a position, and cancels, still go)`
      );
    case 'half_open':
      return `${at} trading on trial: ${change.reason}`;
    case 'closed':
      return `${at} trading resumed: ${change.reason}`;
    default:
      return change.to satisfies never;
  }
}

export function describeNotice(notice: ClientNotice, now: number): string {
  const at = stamp(now);
  switch (notice.type) {
    case 'retry':
      return (
        `${at} retrying ${notice.method} ${notice.path} (${notice.reason}): ` +
        `retry ${notice.retry} of ${notice.retries} in ${notice.delayMs} ms`
      );
    case 'looked_up': {
      const order = notice.order;
      const why = `POST /orders got no clear answer (last: ${notice.lastAttempt})`;
      return order === null
        ? `${at} ${why}; the API lists no order with client_order_id ${notice.clientOrderId}`
        : `${at} ${why}; order ${order.id} with client_order_id ${notice.clientOrderId} ` +
            `was placed (${order.status})`;
    }
    default:
      return notice satisfies never;
  }
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}
