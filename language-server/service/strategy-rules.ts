// The rules of a strategy config that no JSON Schema can state: they need the instruments, the
// market clock, or two fields at once.
import type { Node } from 'jsonc-parser';
import { findNodeAtLocation } from 'jsonc-parser';
import { historyYears } from '../../api/market';
import { orderInstrumentIssues, roundToStep } from '../../api/order-rules';
import { ConfigInstant } from '../../api/strategy-config';
import type { Instrument } from '../../api/market';
import type { Finding } from './findings';
import { finding } from './findings';
import type { JsonDocument } from './json-document';
import { nodeRange, propertiesOf } from './json-document';
import type { CheckContext } from './market-context';
import { nearestNames } from './nearest';

function numberAt(root: Node, path: string[]): { node: Node; value: number } | undefined {
  const node = findNodeAtLocation(root, path);
  return node?.type === 'number' && typeof node.value === 'number'
    ? { node, value: node.value }
    : undefined;
}

/** The config's instruments that exist, in order. */
function configInstruments(root: Node, context: CheckContext): Instrument[] {
  const symbols = findNodeAtLocation(root, ['symbols']);
  return (symbols?.children ?? []).flatMap((item) => {
    const instrument = typeof item.value === 'string' ? context.instrument(item.value) : undefined;
    return instrument === undefined ? [] : [instrument];
  });
}

export function checkSymbols(json: JsonDocument, root: Node, context: CheckContext): Finding[] {
  const { document } = json;
  const symbols = findNodeAtLocation(root, ['symbols']);
  if (symbols?.type !== 'array') return [];
  const findings: Finding[] = [];
  const seen = new Set<string>();
  const items = symbols.children ?? [];
  items.forEach((item, index) => {
    const range = nodeRange(document, item);
    if (item.type !== 'string' || typeof item.value !== 'string') {
      findings.push(
        finding(
          'config_invalid',
          range,
          `symbols[${index}] must be a symbol in quotes, e.g. "EURUSD"`,
        ),
      );
      return;
    }
    const symbol = item.value;
    if (context.instrument(symbol) === undefined) {
      const nearest = nearestNames(symbol, context.symbols, 3);
      const hint =
        nearest.length > 0
          ? `did you mean ${nearest.join(', ')}?`
          : `it is not one of the ${context.instruments.length} instruments of ${context.source}`;
      findings.push(
        finding(
          'unknown_symbol',
          range,
          `unknown symbol "${symbol}": ${hint}`,
          nearest.map((each, rank) => ({
            title: `Replace with ${each}`,
            edits: [{ range, newText: JSON.stringify(each) }],
            preferred: rank === 0,
          })),
        ),
      );
    } else if (seen.has(symbol)) {
      const previous = items[index - 1];
      const start = document.positionAt(previous.offset + previous.length);
      findings.push(
        finding(
          'duplicate_symbol',
          range,
          `${symbol} is listed twice: remove this one`,
          [
            {
              title: `Remove this ${symbol}`,
              edits: [{ range: { start, end: range.end }, newText: '' }],
            },
          ],
          'warning',
        ),
      );
    }
    seen.add(symbol);
  });
  return findings;
}

export function checkParams(json: JsonDocument, root: Node, context: CheckContext): Finding[] {
  const { document } = json;
  const params = findNodeAtLocation(root, ['params']);
  if (params === undefined) return [];
  const findings: Finding[] = [];
  // fast/slow, fast_period/slow_period...: the fast average must be the shorter one.
  for (const { key } of propertiesOf(params)) {
    const name = String(key.value);
    if (!name.includes('fast')) continue;
    const slowName = name.replace('fast', 'slow');
    const fast = numberAt(root, ['params', name]);
    const slow = numberAt(root, ['params', slowName]);
    if (fast === undefined || slow === undefined || fast.value < slow.value) continue;
    const fastRange = nodeRange(document, fast.node);
    const slowRange = nodeRange(document, slow.node);
    findings.push(
      finding(
        'params_order',
        fastRange,
        `params.${name} (${fast.value}) must be below params.${slowName} (${slow.value}): the fast average is the shorter one`,
        fast.value === slow.value
          ? []
          : [
              {
                title: `Swap ${name} and ${slowName}`,
                edits: [
                  { range: fastRange, newText: String(slow.value) },
                  { range: slowRange, newText: String(fast.value) },
                ],
                preferred: true,
              },
            ],
      ),
    );
  }
  const quantity = numberAt(root, ['params', 'quantity']);
  if (quantity !== undefined && quantity.value > 0) {
    for (const instrument of configInstruments(root, context)) {
      const order = {
        symbol: instrument.symbol,
        action: 'buy' as const,
        quantity: quantity.value,
        order_type: 'market' as const,
        time_in_force: 'gtc' as const,
      };
      const [issue] = orderInstrumentIssues(order, instrument);
      if (issue === undefined) continue;
      const fixed = Math.max(
        instrument.min_quantity,
        roundToStep(quantity.value, instrument.quantity_step),
      );
      const range = nodeRange(document, quantity.node);
      findings.push(
        finding(
          'invalid_quantity',
          range,
          `params.quantity ${quantity.value} ${issue.message}: orders of it would be refused; use ${fixed}`,
          [
            {
              title: `Set quantity to ${fixed}`,
              edits: [{ range, newText: String(fixed) }],
              preferred: true,
            },
          ],
          'warning',
        ),
      );
      break;
    }
  }
  return findings;
}

export function checkRisk(json: JsonDocument, root: Node, context: CheckContext): Finding[] {
  const { document } = json;
  const findings: Finding[] = [];
  const maxPosition = numberAt(root, ['risk', 'max_position']);
  if (maxPosition !== undefined && maxPosition.value > 0) {
    const range = nodeRange(document, maxPosition.node);
    const blocked = configInstruments(root, context).find(
      (instrument) => maxPosition.value < instrument.min_quantity,
    );
    const quantity = numberAt(root, ['params', 'quantity']);
    if (blocked !== undefined) {
      findings.push(
        finding(
          'risk_limit',
          range,
          `risk.max_position ${maxPosition.value} is below ${blocked.symbol}'s min_quantity ${blocked.min_quantity}: no order could be placed; raise it to at least ${blocked.min_quantity}`,
          [
            {
              title: `Set max_position to ${blocked.min_quantity}`,
              edits: [{ range, newText: String(blocked.min_quantity) }],
            },
          ],
        ),
      );
    } else if (quantity !== undefined && quantity.value > maxPosition.value) {
      findings.push(
        finding(
          'risk_limit',
          range,
          `risk.max_position ${maxPosition.value} is below params.quantity ${quantity.value}: the SDK would refuse every order of that size; raise it to at least ${quantity.value}`,
          [
            {
              title: `Set max_position to ${quantity.value}`,
              edits: [{ range, newText: String(quantity.value) }],
            },
          ],
          'warning',
        ),
      );
    }
  }
  const latency = numberAt(root, ['risk', 'circuit_breaker_latency_ms']);
  if (latency !== undefined && latency.value > 0 && latency.value < 100) {
    const range = nodeRange(document, latency.node);
    findings.push(
      finding(
        'risk_limit',
        range,
        `risk.circuit_breaker_latency_ms ${latency.value} would open the circuit breaker on ordinary network delays: use 1000 (the default) or at least 100`,
        [{ title: 'Set it to 1000', edits: [{ range, newText: '1000' }] }],
        'warning',
      ),
    );
  }
  return findings;
}

/** The oldest instant the market data reaches at `now`, as the sandbox counts it. */
export function historyStart(now: number): number {
  const start = new Date(now);
  start.setUTCFullYear(start.getUTCFullYear() - historyYears);
  return start.getTime();
}

const day = 86_400_000;

export function checkBacktestRange(
  json: JsonDocument,
  root: Node,
  context: CheckContext,
): Finding[] {
  const { document } = json;
  const findings: Finding[] = [];
  const earliest = historyStart(context.now);
  const from = findNodeAtLocation(root, ['backtest', 'from']);
  const to = findNodeAtLocation(root, ['backtest', 'to']);
  const fromMs = from === undefined ? undefined : ConfigInstant.safeParse(from.value).data;
  const toMs = to === undefined ? undefined : ConfigInstant.safeParse(to.value).data;
  if (from !== undefined && fromMs !== undefined && fromMs < earliest) {
    const firstDay = Math.ceil(earliest / day) * day;
    const replacement =
      from.type === 'number'
        ? String(firstDay)
        : JSON.stringify(new Date(firstDay).toISOString().slice(0, 10));
    const range = nodeRange(document, from);
    findings.push(
      finding(
        'backtest_range',
        range,
        `backtest.from is before the ${historyYears} years of market data, which start on ${isoDay(earliest)}: move it to ${isoDay(firstDay)} or later`,
        [
          {
            title: `Set from to ${replacement}`,
            edits: [{ range, newText: replacement }],
            preferred: true,
          },
        ],
      ),
    );
  }
  if (to !== undefined && toMs !== undefined && toMs > context.now) {
    findings.push(
      finding(
        'backtest_range',
        nodeRange(document, to),
        `backtest.to is after the market clock (${isoDay(context.now)}): there is no data past it yet, so the backtest ends there; set to ${isoDay(context.now)} or earlier`,
        [],
        'warning',
      ),
    );
  }
  return findings;
}

function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
