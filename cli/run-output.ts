import { problemLine } from '../runner/script-problem';
import type { RunEvent } from '../api/run-events';
import { fillLine, money, orderLine } from '../runner/format';
import type { RunRecord } from '../runner/record-schema';
import { readRunTrading } from '../runner/run-folder';

/**
 * How a command shows a run as it happens: `text` (the script's output as it printed it, the
 * runner's notes on stderr), `quiet-stdout` (all of it on stderr, stdout kept for a JSON answer)
 * or `events` (every run event as a JSON line on stdout, nothing else there).
 */
export type RunOutputMode = 'text' | 'quiet-stdout' | 'events';

export function printRunEvent(event: RunEvent, mode: RunOutputMode): void {
  if (mode === 'events') {
    console.log(JSON.stringify(event));
    return;
  }
  switch (event.type) {
    case 'started':
      console.error(
        `[tbm] ${event.kind} ${event.run_id} started (pid ${event.pid}); recording in ${event.dir}`,
      );
      return;
    case 'line':
      if (event.stream === 'stdout' && mode === 'text') console.log(event.text);
      else console.error(event.text);
      return;
    case 'warning':
      console.error(`[tbm] warning: ${event.message}`);
      return;
    case 'progress':
    case 'order':
    case 'fill':
    case 'account':
    case 'api':
      return;
    case 'finished':
      // One line a CI's problem matcher can read, as the editor's task reads it.
      if (event.problem) console.error(problemLine(event.problem));
      return;
    default:
      event satisfies never;
  }
}

/** Shown when a run ends: its first orders and fills, and its result. */
export async function printTrading(dir: string, record: RunRecord, shown = 20): Promise<void> {
  const trading = await readRunTrading(dir, shown);
  for (const order of trading.orders) console.error(`  order  ${orderLine(order)}`);
  if (record.orders > trading.orders.length)
    console.error(`  ... ${record.orders - trading.orders.length} more orders`);
  for (const fill of trading.fills) console.error(`  fill   ${fillLine(fill)}`);
  if (record.fills > trading.fills.length)
    console.error(`  ... ${record.fills - trading.fills.length} more fills`);
  console.error(
    `[tbm] ${record.kind} ${record.id}: ${record.status}; ${record.orders} orders, ${record.fills} fills, ` +
      `realized P&L ${money(record.pnl?.realized)}, fees ${money(record.pnl?.fees)}, equity change ${money(record.pnl?.equity_change)}`,
  );
  console.error(`[tbm] recorded in ${dir}`);
}
