// What a check reports: a problem at an exact range, in words that say how to fix it, with the
// quick fixes that would. Plain data, so the server, `tbm lint` and the tests share it.
import type { Range } from './payload';

export type Severity = 'error' | 'warning' | 'information';

export const findingCodes = [
  // The file itself.
  'json_syntax',
  'not_an_order',
  'file_skipped',
  // An order's fields.
  'unknown_field',
  'duplicate_field',
  'missing_field',
  'invalid_value',
  'limit_price_required',
  'limit_price_forbidden',
  'unknown_symbol',
  'invalid_quantity',
  'invalid_price',
  'invalid_protection',
  // A strategy config.
  'config_invalid',
  'duplicate_symbol',
  'params_order',
  'risk_limit',
  'backtest_range',
  'script_missing',
] as const;
export type FindingCode = (typeof findingCodes)[number];

/**
 * One replacement. `quote` says how the code-action layer, which sees the text, writes it:
 * `key` keeps the key's own quoting (bare in Python keywords and TypeScript objects), `string`
 * the value's quote character. Without it `newText` is written as is.
 */
export interface FixEdit {
  range: Range;
  newText: string;
  quote?: 'key' | 'string';
}

export interface Fix {
  title: string;
  edits: FixEdit[];
  /** The fix an editor applies on "auto fix" when there is only one obvious one. */
  preferred?: boolean;
}

export interface Finding {
  range: Range;
  severity: Severity;
  code: FindingCode;
  message: string;
  fixes: Fix[];
}

export function finding(
  code: FindingCode,
  range: Range,
  message: string,
  fixes: Fix[] = [],
  severity: Severity = 'error',
): Finding {
  return { range, severity, code, message, fixes };
}

/** A range of one character from `start`: where a problem of a whole literal is shown. */
export function openingOf(range: Range): Range {
  return {
    start: range.start,
    end: { line: range.start.line, character: range.start.character + 1 },
  };
}

export function sameRange(a: Range, b: Range): boolean {
  return (
    a.start.line === b.start.line &&
    a.start.character === b.start.character &&
    a.end.line === b.end.line &&
    a.end.character === b.end.character
  );
}

/**
 * Findings in document order, each problem once: two findings of the same code at the same place
 * (two syntax errors where a file ends, two missing keys of one object) become one, with both
 * messages and both sets of fixes.
 */
export function orderedFindings(findings: readonly Finding[]): Finding[] {
  const byPlace = new Map<string, Finding>();
  for (const each of findings) {
    const { line, character } = each.range.start;
    const key = `${each.code}|${line}:${character}`;
    const earlier = byPlace.get(key);
    if (earlier === undefined) {
      byPlace.set(key, { ...each, fixes: [...each.fixes] });
    } else if (!earlier.message.split('; ').includes(each.message)) {
      earlier.message = `${earlier.message}; ${each.message}`;
      earlier.fixes.push(...each.fixes);
      if (each.severity === 'error') earlier.severity = 'error';
    }
  }
  return [...byPlace.values()].sort(
    (a, b) =>
      a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character,
  );
}
