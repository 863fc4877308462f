// The edits quick fixes make to a payload, from its fields' ranges alone, so they apply to a JSON
// file and to a literal inside Python or TypeScript alike.
import type { FixEdit } from './findings';
import { writtenName } from './order-fields';
import type { Payload, PayloadField, Position, Range } from './payload';

export type FieldValue = string | number;

function valueText(value: FieldValue): string {
  return typeof value === 'number' ? String(value) : JSON.stringify(value);
}

export function setValue(field: PayloadField, value: FieldValue): FixEdit {
  return typeof value === 'number'
    ? { range: field.valueRange, newText: String(value) }
    : { range: field.valueRange, newText: JSON.stringify(value), quote: 'string' };
}

export function renameKey(payload: Payload, field: PayloadField, name: string): FixEdit {
  return {
    range: field.keyRange,
    newText: JSON.stringify(writtenName(payload, name)),
    quote: 'key',
  };
}

const before = (a: Position, b: Position) =>
  a.line < b.line || (a.line === b.line && a.character < b.character);

function inDocumentOrder(payload: Payload): PayloadField[] {
  return [...payload.fields].sort((a, b) => (before(a.keyRange.start, b.keyRange.start) ? -1 : 1));
}

/**
 * Deletes a field with one of the commas beside it: from the end of the previous field's value,
 * or, for the first field, up to the start of the next one.
 */
export function removeField(payload: Payload, field: PayloadField): FixEdit {
  const fields = inDocumentOrder(payload);
  const index = fields.indexOf(field);
  const previous = index > 0 ? fields[index - 1] : undefined;
  const next = index >= 0 && index + 1 < fields.length ? fields[index + 1] : undefined;
  let range: Range;
  if (previous !== undefined) range = { start: previous.valueRange.end, end: field.valueRange.end };
  else if (next !== undefined) range = { start: field.keyRange.start, end: next.keyRange.start };
  else range = { start: field.keyRange.start, end: field.valueRange.end };
  return { range, newText: '' };
}

/**
 * Adds a field where the payload says new fields go, spelt and punctuated as the source writes
 * them: on a line of its own, indented like the last field, when the fields are one per line.
 */
export function addField(payload: Payload, name: string, value: FieldValue): FixEdit | undefined {
  const insert = payload.insert;
  if (insert === undefined) return undefined;
  const key = writtenName(payload, name);
  const text =
    insert.style === 'python-kwargs'
      ? `${key}=${valueText(value)}`
      : insert.style === 'ts-object'
        ? `${key}: ${valueText(value)}`
        : `${JSON.stringify(key)}: ${valueText(value)}`;
  const fields = inDocumentOrder(payload);
  const last = fields.at(-1);
  let separator = '';
  if (last !== undefined) {
    const ownLines = last.keyRange.start.line > payload.range.start.line;
    separator = ownLines ? `,\n${' '.repeat(last.keyRange.start.character)}` : ', ';
  }
  const at = insert.at;
  return { range: { start: at, end: at }, newText: separator + text };
}
