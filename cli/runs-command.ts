import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  exitCodesHelp,
  fillLine,
  iso,
  money,
  orderLine,
  runExitCodes,
  runSummaryLine,
} from '../runner/format';
import { comparisonMarkdown, compareRuns, readComparedRun } from '../runner/compare-runs';
import { runFiles, workspaceRunsDir } from '../runner/records';
import { listRuns, readRun, readRunTrading } from '../runner/run-folder';
import { UsageError } from './usage';

export const runsHelp = `Usage: tbm runs [show ID | compare A B] [options]

Lists the recorded runs and backtests, newest first, shows one, or compares two side by side
(what differed: script, parameters, range; and what came of it: P&L, return, risk).

Options:
  --runs-dir D     the runs folder (default: ./.timber/runs)
  --limit N        list at most N runs (default: 20)
  --json           print run records as JSON
  -h, --help       this help

${exitCodesHelp}`;

export async function runsCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      'runs-dir': { type: 'string' },
      limit: { type: 'string', default: '20' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(runsHelp);
    return runExitCodes.ok;
  }
  const runsDir = values['runs-dir'] ?? workspaceRunsDir(process.cwd());
  if (positionals.length === 0) return list(runsDir, values.limit, values.json);
  if (positionals[0] === 'show' && positionals.length === 2)
    return show(runsDir, positionals[1], values.json);
  if (positionals[0] === 'compare' && positionals.length === 3)
    return compare(runsDir, positionals[1], positionals[2], values.json);
  throw new UsageError(
    `expected "tbm runs", "tbm runs show ID" or "tbm runs compare A B", got "tbm runs ${positionals.join(' ')}"`,
  );
}

async function list(runsDir: string, limitText: string, json: boolean): Promise<number> {
  const limit = Number(limitText);
  if (!Number.isInteger(limit) || limit < 1)
    throw new UsageError(`--limit must be a positive whole number, got "${limitText}"`);
  const { runs, unreadable } = await listRuns(runsDir);
  const shown = runs.slice(0, limit);
  if (json) {
    console.log(JSON.stringify({ runs: shown, unreadable }));
    return runExitCodes.ok;
  }
  if (runs.length === 0)
    console.log(`No runs recorded in ${runsDir} yet; start one with "tbm run <script>".`);
  for (const run of shown) console.log(runSummaryLine(run));
  if (runs.length > shown.length)
    console.log(`(${runs.length - shown.length} older runs not shown; --limit N)`);
  for (const entry of unreadable) console.error(`skipped ${entry.id}: ${entry.problem}`);
  return runExitCodes.ok;
}

async function compare(runsDir: string, first: string, second: string, json: boolean) {
  const runs = [];
  for (const id of [first, second]) {
    const found = await readRun(runsDir, id);
    if ('problem' in found) {
      console.error(
        `tbm runs: no run "${id}" in ${runsDir} (${found.problem}); "tbm runs" lists them`,
      );
      return runExitCodes.usage;
    }
    runs.push(await readComparedRun(found.record, found.dir));
  }
  const rows = compareRuns(runs[0], runs[1]);
  console.log(json ? JSON.stringify({ rows }) : comparisonMarkdown(rows));
  return runExitCodes.ok;
}

async function show(runsDir: string, id: string, json: boolean): Promise<number> {
  const found = await readRun(runsDir, id);
  if ('problem' in found) {
    console.error(
      `tbm runs: no run "${id}" in ${runsDir} (${found.problem}); "tbm runs" lists them`,
    );
    return runExitCodes.usage;
  }
  const { record: run, dir } = found;
  if (json) {
    console.log(JSON.stringify(run));
    return runExitCodes.ok;
  }
  const lines = [
    `run         ${run.id} (${run.kind})`,
    `script      ${run.script}${run.config ? `\nconfig      ${run.config}` : ''}`,
    `environment ${run.env}${run.base_url ? ` (${run.base_url})` : ''}`,
    `started     ${iso(run.started_at)}${run.ended_at ? `, ended ${iso(run.ended_at)}` : ''}`,
    `status      ${run.status}${run.exit ? `, exit code ${run.exit.code ?? 'none'}${run.exit.signal ? `, signal ${run.exit.signal}` : ''}` : ''}`,
  ];
  if (run.backtest)
    lines.push(
      `backtest    ${run.backtest.symbols.join(', ')} ${run.backtest.interval} ${iso(run.backtest.from)} to ${iso(run.backtest.to)} (${run.backtest.via})`,
    );
  if (run.pnl)
    lines.push(
      `P&L         realized ${money(run.pnl.realized)}, fees ${money(run.pnl.fees)}, equity change ${money(run.pnl.equity_change)}`,
    );
  if (run.statistics)
    lines.push(
      `statistics  ${Object.entries(run.statistics)
        .map(([name, value]) => `${name} ${value == null ? 'n/a' : Number(value.toFixed(4))}`)
        .join(', ')}`,
    );
  for (const warning of run.warnings) lines.push(`warning     ${warning}`);
  const trading = await readRunTrading(dir, 50);
  lines.push(`orders      ${run.orders}${run.orders > 50 ? ' (the first 50)' : ''}`);
  for (const order of trading.orders) lines.push(`  ${orderLine(order)}`);
  lines.push(`fills       ${run.fills}${run.fills > 50 ? ' (the first 50)' : ''}`);
  for (const fill of trading.fills) lines.push(`  ${fillLine(fill)}`);
  lines.push(`folder      ${dir}`);
  console.log(lines.join('\n'));
  const log = readLogTail(join(dir, runFiles.log), 10);
  if (log.length > 0) console.log(`last output:\n  ${log.join('\n  ')}`);
  return runExitCodes.ok;
}

function readLogTail(path: string, count: number): string[] {
  try {
    return readFileSync(path, 'utf8').split('\n').filter(Boolean).slice(-count);
  } catch {
    return [];
  }
}
