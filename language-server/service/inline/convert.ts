// Offsets into LSP positions, at the moment payloads are handed out.
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Payload, Position, Range } from '../payload';
import type { InsertStyle, KeyNaming, RawPayload, Span } from './syntax';

/**
 * A payload found in code. Its `insert` also says how keys are spelled there: `camel` in a
 * TypeScript SDK call's options (`limitPrice`), `api` everywhere else (`limit_price`).
 */
export interface InlinePayload extends Payload {
  source: Exclude<Payload['source'], 'json'>;
  insert?: { at: Range['start']; style: InsertStyle; naming: KeyNaming };
}

export function rangeOf(span: Span, document: TextDocument): Range {
  return { start: document.positionAt(span.start), end: document.positionAt(span.end) };
}

export function toPayload(raw: RawPayload, document: TextDocument): InlinePayload {
  const payload: InlinePayload = {
    source: raw.source,
    range: rangeOf(raw.span, document),
    fields: raw.fields.map((field) => ({
      name: field.name,
      written: field.written,
      keyRange: rangeOf(field.key, document),
      value: field.value,
      valueRange: rangeOf(field.valueSpan, document),
    })),
    implied: raw.implied,
    open: raw.open,
  };
  if (raw.insert !== undefined) {
    payload.insert = {
      at: document.positionAt(raw.insert.at),
      style: raw.insert.style,
      naming: raw.insert.naming,
    };
  }
  return payload;
}

/** Where an edit took place, in LSP positions: [start, oldEnd) of the old text became [start, newEnd). */
export interface PositionEdit {
  oldEnd: Position;
  newEnd: Position;
}

/**
 * A handed-out payload wholly after an edit, in the text after it: the same object when the
 * edit moved none of its positions (typing on an earlier line), else a moved copy. Positions
 * are worked out from the edit, not looked up in the document again.
 */
export function movePayload(payload: InlinePayload, edit: PositionEdit): InlinePayload {
  const { oldEnd, newEnd } = edit;
  const lines = newEnd.line - oldEnd.line;
  if (lines === 0 && payload.range.start.line > oldEnd.line) return payload;
  const move = (position: Position): Position => {
    if (position.line > oldEnd.line)
      return { line: position.line + lines, character: position.character };
    return {
      line: newEnd.line,
      character: newEnd.character + position.character - oldEnd.character,
    };
  };
  const range = (each: Range): Range => ({ start: move(each.start), end: move(each.end) });
  const moved: InlinePayload = {
    ...payload,
    range: range(payload.range),
    fields: payload.fields.map((field) => ({
      ...field,
      keyRange: range(field.keyRange),
      valueRange: range(field.valueRange),
    })),
  };
  if (payload.insert !== undefined)
    moved.insert = { ...payload.insert, at: move(payload.insert.at) };
  return moved;
}
