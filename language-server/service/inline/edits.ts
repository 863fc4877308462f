// Text edits as tree-sitter and the kept candidates need them: one LSP content change becomes a
// tree-sitter edit in offsets (and points), and every span kept from before is moved with it.
import type { Edit, Point } from '@vscode/tree-sitter-wasm';
import type { TextDocumentContentChangeEvent } from 'vscode-languageserver-textdocument';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { Anchor, Candidate, Span } from './syntax';
import { touches } from './syntax';

/** One change in offsets: [start, oldEnd) of the text before became [start, newEnd). */
export interface TextEdit {
  start: number;
  oldEnd: number;
  newEnd: number;
}

/** A change as tree-sitter takes it, and in offsets for the kept candidates. */
export interface Change {
  edit: Edit;
  offsets: TextEdit;
}

/**
 * The LSP changes that turned `before` into `document`'s text, as edits of offsets into the
 * text each applies to. One ranged change (what an editor sends for typing) is read off the
 * document itself; several are replayed on a copy of the text before. Undefined when they do
 * not lead to the document's text.
 */
export function changesOf(
  before: string,
  document: TextDocument,
  changes: readonly TextDocumentContentChangeEvent[],
): Change[] | undefined {
  const after = document.getText();
  const only = changes.length === 1 ? rangedChange(changes[0]) : undefined;
  if (only !== undefined) {
    // Text before the change's start is the same in both, so its offset is too.
    const start = document.offsetAt(only.range.start);
    const newEnd = start + only.text.length;
    const oldEnd = newEnd + before.length - after.length;
    if (oldEnd < start || after.slice(start, newEnd) !== only.text) return undefined;
    const edit: Edit = {
      startIndex: start,
      oldEndIndex: oldEnd,
      newEndIndex: newEnd,
      startPosition: pointAt(only.range.start),
      oldEndPosition: pointAt(only.range.end),
      newEndPosition: endOfInsert(only.range.start, only.text),
    };
    return [{ edit, offsets: { start, oldEnd, newEnd } }];
  }
  const mirror = TextDocument.create(document.uri, document.languageId, 0, before);
  const found = changes.map((change) => applyChange(mirror, change));
  return mirror.getText() === after ? found : undefined;
}

type RangedChange = Extract<TextDocumentContentChangeEvent, { range: unknown }>;

function rangedChange(change: TextDocumentContentChangeEvent): RangedChange | undefined {
  return 'range' in change ? change : undefined;
}

function pointAt(position: { line: number; character: number }): Point {
  return { row: position.line, column: position.character };
}

/** Where text inserted at `start` ends, in LSP terms (lines break at \r\n, \n and \r). */
function endOfInsert(start: { line: number; character: number }, text: string): Point {
  const breaks = text.match(/\r\n|\r|\n/g);
  if (breaks === null) return { row: start.line, column: start.character + text.length };
  const last = Math.max(text.lastIndexOf('\n'), text.lastIndexOf('\r'));
  return { row: start.line + breaks.length, column: text.length - last - 1 };
}

/**
 * Applies one LSP change to a copy of the text and says what it was. A change without a range
 * replaces the whole text; it is narrowed to what really differs, so that the parse after it is
 * incremental too.
 */
function applyChange(mirror: TextDocument, change: TextDocumentContentChangeEvent): Change {
  let start: number;
  let oldEnd: number;
  let inserted: string;
  const ranged = rangedChange(change);
  if (ranged !== undefined) {
    start = mirror.offsetAt(ranged.range.start);
    oldEnd = Math.max(start, mirror.offsetAt(ranged.range.end));
    inserted = ranged.text;
  } else {
    ({ start, oldEnd, inserted } = difference(mirror.getText(), change.text));
  }
  const startPosition = pointOf(mirror, start);
  const oldEndPosition = pointOf(mirror, oldEnd);
  // The copy is ours alone: updated in place, its line index is kept up to date cheaply.
  TextDocument.update(
    mirror,
    [
      {
        range: { start: mirror.positionAt(start), end: mirror.positionAt(oldEnd) },
        text: inserted,
      },
    ],
    mirror.version + 1,
  );
  const newEnd = start + inserted.length;
  const edit: Edit = {
    startIndex: start,
    oldEndIndex: oldEnd,
    newEndIndex: newEnd,
    startPosition,
    oldEndPosition,
    newEndPosition: pointOf(mirror, newEnd),
  };
  return { edit, offsets: { start, oldEnd, newEnd } };
}

/** The one replacement that turns `before` into `after`: common start and end kept. */
function difference(
  before: string,
  after: string,
): { start: number; oldEnd: number; inserted: string } {
  let start = 0;
  const shorter = Math.min(before.length, after.length);
  while (start < shorter && before.charCodeAt(start) === after.charCodeAt(start)) start++;
  let tail = 0;
  while (
    tail < shorter - start &&
    before.charCodeAt(before.length - 1 - tail) === after.charCodeAt(after.length - 1 - tail)
  ) {
    tail++;
  }
  return {
    start,
    oldEnd: before.length - tail,
    inserted: after.slice(start, after.length - tail),
  };
}

/**
 * Tree-sitter's point for an offset. Its rows break at `\n` only, as LSP lines do for `\n` and
 * `\r\n`; with lone `\r` breaks the points drift, which tree-sitter tolerates (offsets decide).
 */
function pointOf(document: TextDocument, offset: number): Point {
  const position = document.positionAt(offset);
  return { row: position.line, column: position.character };
}

/** Where an offset of the text before the edit is after it. Inside the edit: its start or end. */
function moved(offset: number, edit: TextEdit, side: 'start' | 'end'): number {
  if (offset < edit.start) return offset;
  if (offset > edit.oldEnd) return offset + edit.newEnd - edit.oldEnd;
  return side === 'start' ? edit.start : edit.newEnd;
}

export function moveSpan(span: Span, edit: TextEdit): Span {
  return { start: moved(span.start, edit, 'start'), end: moved(span.end, edit, 'end') };
}

/**
 * Keeps the candidates the edit did not touch, moved to the new text in place (those whose
 * payload lies after it are reported in `moved`). For the others, the anchors their rules must run on again (in the
 * new text), unless the edit touched the anchor itself: then the search of the edited region
 * finds it.
 */
export function moveCandidates(
  candidates: readonly Candidate[],
  edit: TextEdit,
): { kept: Candidate[]; moved: Candidate[]; recheck: Anchor[] } {
  const kept: Candidate[] = [];
  const moved: Candidate[] = [];
  const recheck: Anchor[] = [];
  const edited = { start: edit.start, end: edit.oldEnd };
  const shift = edit.newEnd - edit.oldEnd;
  for (const candidate of candidates) {
    if (candidate.dependsOn.some((span) => touches(span, edited))) {
      const { anchor } = candidate;
      if (!touches(anchor.span, edited)) recheck.push(moveAnchor(anchor, edit));
      continue;
    }
    kept.push(candidate);
    // Even an edit that keeps the length may change lines: positions after it are moved.
    if (candidate.payload.span.start >= edit.start) moved.push(candidate);
    if (shift !== 0) shiftCandidate(candidate, edit.start, shift);
  }
  return { kept, moved, recheck };
}

export function moveAnchor(anchor: Anchor, edit: TextEdit): Anchor {
  return { rule: anchor.rule, span: moveSpan(anchor.span, edit) };
}

/** Moves every span of an untouched candidate that lies after `from`. */
function shiftCandidate(candidate: Candidate, from: number, shift: number): void {
  const move = (span: Span) => {
    if (span.start < from) return;
    span.start += shift;
    span.end += shift;
  };
  const { payload } = candidate;
  move(candidate.anchor.span);
  candidate.dependsOn.forEach(move);
  move(payload.span);
  for (const field of payload.fields) {
    move(field.key);
    move(field.valueSpan);
  }
  if (payload.insert !== undefined && payload.insert.at >= from) payload.insert.at += shift;
}
