// Two runs side by side: what differed in how they ran (script, parameters, range) and what came
// of it (orders, P&L, return, risk). Read by `tbm runs compare` and the editor's Compare command.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunRecord } from './record-schema';
import { iso } from './format';

export interface ComparedRun {
  record: RunRecord;
  /** The strategy config's `params` as the run had them (its copy in the run folder). */
  params: Record<string, unknown>;
}

export type CellValue = string | number | null;

export interface ComparisonRow {
  section: 'run' | 'params' | 'results';
  label: string;
  a: CellValue;
  b: CellValue;
  /** `b − a` for numbers, else whether they differ in words; null when there is nothing to say. */
  change: string | null;
  /** For results: whether b is better (true), worse (false), or neither says (null). */
  better: boolean | null;
}

/** The params of a run's config copy; empty when it had none or the copy cannot be read. */
export async function readComparedRun(record: RunRecord, dir: string): Promise<ComparedRun> {
  if (record.config_copy === null) return { record, params: {} };
  try {
    const config = JSON.parse(await readFile(join(dir, record.config_copy), 'utf8')) as {
      params?: unknown;
    };
    const params =
      typeof config.params === 'object' && config.params !== null && !Array.isArray(config.params)
        ? (config.params as Record<string, unknown>)
        : {};
    return { record, params };
  } catch {
    return { record, params: {} };
  }
}

type Direction = 'higher' | 'lower' | 'neither';

/** The results compared, with which way is better. */
const results: {
  label: string;
  read: (run: RunRecord) => number | null;
  better: Direction;
  percent?: boolean;
}[] = [
  { label: 'Orders', read: (run) => run.orders, better: 'neither' },
  { label: 'Fills', read: (run) => run.fills, better: 'neither' },
  { label: 'Realized P&L', read: (run) => run.pnl?.realized ?? null, better: 'higher' },
  { label: 'Fees', read: (run) => run.pnl?.fees ?? null, better: 'lower' },
  { label: 'Equity change', read: (run) => run.pnl?.equity_change ?? null, better: 'higher' },
  { label: 'Total return', read: stat('total_return'), better: 'higher', percent: true },
  { label: 'CAGR', read: stat('cagr'), better: 'higher', percent: true },
  { label: 'Sharpe', read: stat('sharpe'), better: 'higher' },
  { label: 'Sortino', read: stat('sortino'), better: 'higher' },
  { label: 'Max drawdown', read: stat('max_drawdown'), better: 'lower', percent: true },
  { label: 'Trades', read: stat('trades'), better: 'neither' },
  { label: 'Win rate', read: stat('win_rate'), better: 'higher', percent: true },
  { label: 'Profit factor', read: stat('profit_factor'), better: 'higher' },
  { label: 'Exposure', read: stat('exposure'), better: 'neither', percent: true },
];

function stat(name: string): (run: RunRecord) => number | null {
  return (run) => run.statistics?.[name] ?? null;
}

/** Every row of the comparison, in the order shown. */
export function compareRuns(a: ComparedRun, b: ComparedRun): ComparisonRow[] {
  const rows: ComparisonRow[] = [];
  const text = (section: ComparisonRow['section'], label: string, x: CellValue, y: CellValue) =>
    rows.push({
      section,
      label,
      a: x,
      b: y,
      change: x === y ? null : x === null || y === null ? 'only one has it' : 'differs',
      better: null,
    });
  const [ra, rb] = [a.record, b.record];
  text('run', 'Run', ra.id, rb.id);
  text('run', 'Kind', ra.kind, rb.kind);
  text('run', 'Script', ra.script, rb.script);
  text('run', 'Environment', ra.env, rb.env);
  text('run', 'Status', ra.status, rb.status);
  text('run', 'Started', iso(ra.started_at), iso(rb.started_at));
  rows.push(numberRow('run', 'Duration (s)', seconds(ra), seconds(rb), 'neither'));
  if (ra.backtest !== null || rb.backtest !== null) {
    text(
      'run',
      'Symbols',
      ra.backtest?.symbols.join(', ') ?? null,
      rb.backtest?.symbols.join(', ') ?? null,
    );
    text('run', 'Interval', ra.backtest?.interval ?? null, rb.backtest?.interval ?? null);
    text(
      'run',
      'Range',
      ra.backtest ? `${iso(ra.backtest.from)} → ${iso(ra.backtest.to)}` : null,
      rb.backtest ? `${iso(rb.backtest.from)} → ${iso(rb.backtest.to)}` : null,
    );
    rows.push(
      numberRow(
        'run',
        'Starting balance',
        ra.backtest?.balance ?? null,
        rb.backtest?.balance ?? null,
        'neither',
      ),
    );
  }
  const names = [...new Set([...Object.keys(a.params), ...Object.keys(b.params)])].sort();
  for (const name of names) {
    const [x, y] = [cell(a.params[name]), cell(b.params[name])];
    if (typeof x === 'number' && typeof y === 'number')
      rows.push(numberRow('params', name, x, y, 'neither'));
    else text('params', name, x, y);
  }
  for (const result of results)
    rows.push(
      numberRow(
        'results',
        result.label,
        result.read(ra),
        result.read(rb),
        result.better,
        result.percent,
      ),
    );
  return rows;
}

function numberRow(
  section: ComparisonRow['section'],
  label: string,
  x: number | null,
  y: number | null,
  better: Direction,
  percent = false,
): ComparisonRow {
  const shown = (value: number | null) =>
    value === null ? null : percent ? percentText(value) : round(value);
  if (x === null || y === null)
    return {
      section,
      label,
      a: shown(x),
      b: shown(y),
      change: x === y ? null : 'only one has it',
      better: null,
    };
  const delta = y - x;
  const change =
    delta === 0
      ? null
      : percent
        ? `${delta > 0 ? '+' : '−'}${Math.abs(round(delta * 100))} pts`
        : `${delta > 0 ? '+' : '−'}${Math.abs(round(delta))}`;
  return {
    section,
    label,
    a: shown(x),
    b: shown(y),
    change,
    better: delta === 0 || better === 'neither' ? null : delta > 0 === (better === 'higher'),
  };
}

const round = (value: number) => Math.round(value * 10_000) / 10_000;
const percentText = (value: number) => `${round(value * 100)}%`;
const seconds = (run: RunRecord) =>
  run.ended_at === null ? null : Math.round((run.ended_at - run.started_at) / 100) / 10;

function cell(value: unknown): CellValue {
  if (value === undefined || value === null) return null;
  if (typeof value === 'number' || typeof value === 'string') return value;
  return JSON.stringify(value);
}

/** The comparison as a Markdown document: one table per section, better and worse marked. */
export function comparisonMarkdown(rows: readonly ComparisonRow[]): string {
  const [a, b] = [rows[0]?.a, rows[0]?.b];
  const lines = [`# ${String(a)} vs ${String(b)}`, ''];
  const titles = { run: 'The runs', params: 'Parameters', results: 'Results' } as const;
  for (const section of ['run', 'params', 'results'] as const) {
    const shown = rows.filter((row) => row.section === section);
    if (shown.length === 0) continue;
    lines.push(`## ${titles[section]}`, '', '| | A | B | B − A |', '|---|---:|---:|---|');
    for (const row of shown) {
      const mark = row.better === null ? '' : row.better ? ' ▲ better' : ' ▼ worse';
      lines.push(
        `| ${escape(row.label)} | ${escape(row.a)} | ${escape(row.b)} | ${escape(row.change ?? '')}${mark} |`,
      );
    }
    lines.push('');
  }
  return lines.join('\n');
}

function escape(value: CellValue): string {
  return value === null ? '—' : String(value).replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
