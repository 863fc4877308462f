// The figures a benchmark part reports, and how the runner prints them: each with its target and
// its ratio against a baseline measured in the same run.

/** What a figure must reach. `on: 'ratio'` checks the ratio to the baseline instead of the value. */
export interface Target {
  atLeast?: number;
  atMost?: number;
  on?: 'value' | 'ratio';
}

export interface BenchFigure {
  part: string;
  name: string;
  value: number;
  unit: string;
  target?: Target;
  /** value ÷ the baseline's value, both measured in this run. */
  ratio?: number;
  /** What the ratio is against, e.g. "bare node:http". */
  baseline?: string;
  /** Conditions worth reading next to the number (connections, events replayed, ...). */
  note?: string;
}

export type Verdict = 'pass' | 'FAIL' | '';

export function verdict(figure: BenchFigure): Verdict {
  const { target } = figure;
  if (!target) return '';
  const measured = target.on === 'ratio' ? figure.ratio : figure.value;
  if (measured === undefined || !Number.isFinite(measured)) return 'FAIL';
  if (target.atLeast !== undefined && measured < target.atLeast) return 'FAIL';
  if (target.atMost !== undefined && measured > target.atMost) return 'FAIL';
  return 'pass';
}

/** A number as people read it: thousands separated, few decimals for large values. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const digits =
    Math.abs(value) >= 100 || Number.isInteger(value) ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return value.toLocaleString('en-US', {
    maximumFractionDigits: digits,
    minimumFractionDigits: digits,
  });
}

function formatTarget(figure: BenchFigure): string {
  const { target } = figure;
  if (!target) return '';
  const onRatio = target.on === 'ratio';
  const show = (value: number) =>
    onRatio ? `${formatNumber(value * 100)}% of baseline` : `${formatNumber(value)} ${figure.unit}`;
  const parts: string[] = [];
  if (target.atLeast !== undefined) parts.push(`≥ ${show(target.atLeast)}`);
  if (target.atMost !== undefined) parts.push(`≤ ${show(target.atMost)}`);
  return parts.join(', ');
}

function formatRatio(figure: BenchFigure): string {
  if (figure.ratio === undefined) return '';
  return `${figure.ratio.toFixed(2)}× ${figure.baseline ?? 'baseline'}`;
}

/** One line per figure as it is measured, so a long run shows progress. */
export function printFigure(figure: BenchFigure): void {
  const target = formatTarget(figure);
  const ratio = formatRatio(figure);
  const mark = verdict(figure);
  console.log(
    `  ${figure.name.padEnd(46)} ${formatNumber(figure.value).padStart(12)} ${figure.unit.padEnd(10)}` +
      (ratio ? `  ${ratio}` : '') +
      (target ? `  [target ${target}: ${mark}]` : '') +
      (figure.note ? `  (${figure.note})` : ''),
  );
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return rows
    .map((row, index) => {
      const line = row.map((cell, column) => cell.padEnd(widths[column])).join(' | ');
      return index === 0
        ? `${line}\n${widths.map((width) => '-'.repeat(width)).join('-+-')}`
        : line;
    })
    .join('\n');
}

/** The closing table: every figure, its target, its ratio and pass/fail. */
export function printSummary(figures: readonly BenchFigure[]): void {
  if (figures.length === 0) {
    console.log('No figures were returned.');
    return;
  }
  const rows = [['part', 'figure', 'value', 'target', 'vs baseline', 'result']];
  for (const figure of figures) {
    rows.push([
      figure.part,
      figure.name,
      `${formatNumber(figure.value)} ${figure.unit}`,
      formatTarget(figure),
      formatRatio(figure),
      verdict(figure),
    ]);
  }
  console.log(table(rows));
  const judged = figures.filter((figure) => figure.target);
  const failed = judged.filter((figure) => verdict(figure) === 'FAIL');
  console.log(
    `\n${judged.length - failed.length} of ${judged.length} targets met` +
      (failed.length > 0 ? `; missed: ${failed.map((figure) => figure.name).join('; ')}` : ''),
  );
}
