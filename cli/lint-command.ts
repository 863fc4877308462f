import { relative } from 'node:path';
import { parseArgs } from 'node:util';
import type { LintReport } from '../language-server/lint';
import { lintPaths } from '../language-server/lint';
import { offlineContext } from '../language-server/service/market-context';
import { exitCodes, UsageError } from './usage';

export const lintHelp = `Usage: tbm lint [paths...] [options]

Checks order payloads (*.order.json) and strategy configs (strategy.json, *.strategy.json) as
the editor does: the API's rules, the instruments' grids, the backtest range. Folders are
walked (not node_modules, dist or hidden folders); without paths, the current folder.

Options:
  --format text|json  text: one "file:line:col severity code message" per finding (default);
                      json: an array of {file, line, column, endLine, endColumn, severity,
                      code, message}, 1-based
  --now INSTANT       the market instant for prices and the backtest range (ISO 8601 with a
                      zone); default: now
  -h, --help          this help

Exit codes: 0 no errors (warnings allowed), 1 errors found, 2 usage (a path that does not exist).
Files too large or binary are skipped with a note on stderr.`;

export interface LintLine {
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  severity: string;
  code: string;
  message: string;
}

export async function lintCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      format: { type: 'string', default: 'text' },
      now: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(lintHelp);
    return exitCodes.ok;
  }
  if (values.format !== 'text' && values.format !== 'json') {
    throw new UsageError(`--format must be text or json, got "${values.format}"`);
  }
  const now = values.now === undefined ? Date.now() : Date.parse(values.now);
  if (Number.isNaN(now)) {
    throw new UsageError(
      `--now must be an ISO 8601 instant such as 2024-03-06T12:00:00Z, got "${values.now}"`,
    );
  }
  const cwd = process.cwd();
  const report = await lintPaths(positionals.length > 0 ? positionals : [cwd], {
    context: offlineContext(now),
  });
  const lines = lintLines(report, (file) => relative(cwd, file) || file);
  if (values.format === 'json') console.log(JSON.stringify(lines, null, 2));
  else for (const each of lines) console.log(textLine(each));
  for (const note of report.notes)
    console.error(`${relative(cwd, note.file) || note.file}: ${note.message}`);
  for (const path of report.missing) console.error(`tbm lint: ${path} does not exist`);
  if (values.format === 'text') console.error(summary(report, lines));
  if (report.missing.length > 0) return exitCodes.usage;
  return lines.some((each) => each.severity === 'error') ? exitCodes.failure : exitCodes.ok;
}

export function lintLines(report: LintReport, name: (file: string) => string): LintLine[] {
  return report.files.flatMap(({ file, findings }) =>
    findings.map((each) => ({
      file: name(file),
      line: each.range.start.line + 1,
      column: each.range.start.character + 1,
      endLine: each.range.end.line + 1,
      endColumn: each.range.end.character + 1,
      severity: each.severity,
      code: each.code,
      message: each.message,
    })),
  );
}

function textLine(each: LintLine): string {
  return `${each.file}:${each.line}:${each.column} ${each.severity} ${each.code} ${each.message}`;
}

function summary(report: LintReport, lines: LintLine[]): string {
  const count = (severity: string) => lines.filter((each) => each.severity === severity).length;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  return `${plural(count('error'), 'error')}, ${plural(count('warning'), 'warning')} in ${plural(report.files.length, 'file')} checked`;
}
