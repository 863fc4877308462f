// Quick fixes as text edits: the findings' fixes, written in the quoting the document uses
// (single quotes in Python stay single, a bare TypeScript key stays bare).
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Finding, Fix, FixEdit } from './findings';
import type { Range } from './payload';

export interface TextEdit {
  range: Range;
  newText: string;
}

export interface QuickFix {
  title: string;
  finding: Finding;
  edits: TextEdit[];
  preferred: boolean;
}

function overlaps(a: Range, b: Range): boolean {
  const before = (x: Range['start'], y: Range['start']) =>
    x.line < y.line || (x.line === y.line && x.character < y.character);
  return !before(a.end, b.start) && !before(b.end, a.start);
}

/** The fixes of the findings that touch `range`, ready to apply. */
export function quickFixes(
  document: TextDocument,
  findings: readonly Finding[],
  range: Range,
): QuickFix[] {
  return findings
    .filter((each) => overlaps(each.range, range))
    .flatMap((each) =>
      each.fixes.map((fix) => ({
        title: fix.title,
        finding: each,
        edits: fixEdits(document, fix),
        preferred: fix.preferred === true,
      })),
    );
}

export function fixEdits(document: TextDocument, fix: Fix): TextEdit[] {
  return fix.edits.map((edit) => ({ range: edit.range, newText: quoted(document, edit) }));
}

function quoted(document: TextDocument, edit: FixEdit): string {
  if (edit.quote === undefined) return edit.newText;
  const original = document.getText(edit.range);
  const text = parseString(edit.newText);
  if (text === undefined) return edit.newText;
  const quote = original.startsWith("'") ? "'" : original.startsWith('"') ? '"' : undefined;
  if (quote === "'") return `'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
  if (quote === undefined && edit.quote === 'key' && /^[A-Za-z_$][\w$]*$/.test(text)) return text;
  return JSON.stringify(text);
}

function parseString(json: string): string | undefined {
  try {
    const value: unknown = JSON.parse(json);
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The document with the edits applied (non-overlapping), for previews and tests. */
export function applyEdits(document: TextDocument, edits: readonly TextEdit[]): string {
  const text = document.getText();
  const sorted = [...edits].sort(
    (a, b) => document.offsetAt(b.range.start) - document.offsetAt(a.range.start),
  );
  let result = text;
  for (const edit of sorted) {
    const start = document.offsetAt(edit.range.start);
    const end = document.offsetAt(edit.range.end);
    result = result.slice(0, start) + edit.newText + result.slice(end);
  }
  return result;
}
