import type { Order } from '../api/orders';
import type { RunFill } from '../api/run-events';
import { LaunchError, RunCancelled } from './launch';
import type { ScriptExit } from './launch';
import type { RunRecord } from './record-schema';

/** The exit codes of `tbm run`, `tbm backtest` and `tbm runs`. */
export const runExitCodes = { ok: 0, scriptFailed: 1, usage: 2, environment: 3 } as const;

export const exitCodesHelp = `Exit codes:
  0  the script ran and ended normally (or was stopped on request)
  1  the script failed: it crashed, exited non-zero, or did not compile
  2  usage: a wrong option, an unsupported or missing script, live without --confirm-live
  3  environment: no interpreter, no sandbox, missing credentials, or the API unreachable`;

/** Which exit code an error thrown before or around a run stands for. */
export function exitCodeFor(error: unknown): number {
  if (error instanceof RunCancelled) return runExitCodes.ok;
  if (error instanceof LaunchError)
    return error.kind === 'usage'
      ? runExitCodes.usage
      : error.kind === 'environment'
        ? runExitCodes.environment
        : runExitCodes.scriptFailed;
  // API problems, and anything else around a run (the runs folder, the sandbox's data folder).
  return runExitCodes.environment;
}

/** "exited with code 1", "was stopped (SIGKILL after ignoring SIGINT and SIGTERM)", ... */
export function describeExit(exit: ScriptExit): string {
  if (exit.stoppedWith === 'SIGKILL')
    return 'was stopped with SIGKILL after it ignored SIGINT and SIGTERM';
  if (exit.stoppedWith === 'SIGTERM') return 'was stopped with SIGTERM after it ignored SIGINT';
  if (exit.stoppedWith === 'SIGINT')
    return `was stopped (SIGINT), exit code ${exit.code ?? exit.signal}`;
  if (exit.signal !== null) return `was killed by ${exit.signal}`;
  return `exited with code ${exit.code}`;
}

/** The crash message: how it ended and its last lines of stderr. */
export function crashReport(exit: ScriptExit, stderrTail: readonly string[]): string {
  const tail = stderrTail.slice(-10);
  return (
    `the script ${describeExit(exit)}` +
    (tail.length > 0
      ? `; its last lines on stderr:\n    ${tail.join('\n    ')}`
      : '; it wrote nothing to stderr')
  );
}

export function orderLine(order: Order): string {
  const price = order.avg_fill_price ?? order.limit_price;
  return `${iso(order.created_at)}  ${order.id}  ${order.action} ${order.quantity} ${order.symbol} ${order.order_type}${price === null ? '' : ` @ ${price}`}  ${order.status}`;
}

export function fillLine(fill: RunFill): string {
  const realized = fill.realized_pnl === null ? '' : `  realized ${fill.realized_pnl.toFixed(2)}`;
  return `${iso(fill.t)}  ${fill.action} ${fill.quantity} ${fill.symbol} @ ${fill.price}  fee ${fill.fee.toFixed(2)}${realized}`;
}

export const iso = (t: number) => new Date(t).toISOString().replace('.000Z', 'Z');

export function money(value: number | null | undefined): string {
  return value === null || value === undefined
    ? 'n/a'
    : value.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

/** One line per run for `tbm runs`. */
export function runSummaryLine(run: RunRecord): string {
  const ended = run.exit ? (run.exit.code ?? run.exit.signal ?? '') : '';
  return [
    run.id.padEnd(44),
    run.kind.padEnd(8),
    run.env.padEnd(8),
    `${run.status}${ended === '' ? '' : ` (${ended})`}`.padEnd(16),
    `${run.orders} orders`.padEnd(11),
    `${run.fills} fills`.padEnd(10),
    `P&L ${money(run.pnl?.equity_change)}`,
  ].join(' ');
}
