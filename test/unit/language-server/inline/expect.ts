// Payloads as tests read them: ranges as the text they cover, values as plain JSON values.
import { readFileSync } from 'node:fs';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { InlinePayload } from '../../../../language-server/service/inline/index';
import type { PayloadValue } from '../../../../language-server/service/payload';

/** A value as written in expectations: `undefined` is dynamic. */
export type Plain = string | number | boolean | null | undefined;

export interface Seen {
  source: InlinePayload['source'];
  /** The text of the payload's range. */
  text: string;
  open: boolean;
  implied: Record<string, Plain>;
  /** [name, key text, value text, value] */
  fields: [string, string, string, Plain][];
  /** [style, naming, the text of the line up to the insert position, from its last field on] */
  insert?: [string, string, string];
}

export function plain(value: PayloadValue | undefined): Plain {
  if (value === undefined || value.kind === 'dynamic') return undefined;
  if (value.kind === 'null') return null;
  return value.value;
}

export function seen(document: TextDocument, payload: InlinePayload): Seen {
  const result: Seen = {
    source: payload.source,
    text: document.getText(payload.range),
    open: payload.open,
    implied: Object.fromEntries(
      Object.entries(payload.implied).map(([name, value]) => [name, plain(value)]),
    ),
    fields: payload.fields.map((field) => [
      field.name,
      document.getText(field.keyRange),
      document.getText(field.valueRange),
      plain(field.value),
    ]),
  };
  if (payload.insert !== undefined) {
    const { at } = payload.insert;
    const line = document.getText({ start: { line: at.line, character: 0 }, end: at });
    const last = payload.fields.at(-1);
    const from =
      last !== undefined && last.valueRange.end.line === at.line
        ? document.getText({ start: last.keyRange.start, end: at })
        : line.trimStart();
    result.insert = [payload.insert.style, payload.insert.naming, from];
  }
  return result;
}

export function corpus(name: string): TextDocument {
  const url = new URL(`./corpus/${name}`, import.meta.url);
  const base = name.replace(/\.txt$/, '');
  const languageId = base.endsWith('.py')
    ? 'python'
    : base.endsWith('.js')
      ? 'javascript'
      : 'typescript';
  return TextDocument.create(url.href, languageId, 1, readFileSync(url, 'utf8'));
}

export function documentOf(languageId: string, text: string): TextDocument {
  return TextDocument.create(`file:///test.${languageId}`, languageId, 1, text);
}
