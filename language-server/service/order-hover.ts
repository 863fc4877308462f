// Hover on order payloads: a field's documentation from the API's schema, with the numbers of
// the order's instrument that apply to it; on a symbol, the instrument with its hours and quote.
// Works on Payloads, so it serves JSON files and inline literals alike.
import type { Instrument } from '../../api/market';
import type { Hover } from './assist-types';
import { instrumentMarkdown } from './instrument-docs';
import type { CheckContext } from './market-context';
import { orderField } from './order-fields';
import type { Payload, Position, Range } from './payload';

export function contains(range: Range, position: Position): boolean {
  const { start, end } = range;
  const afterStart =
    position.line > start.line ||
    (position.line === start.line && position.character >= start.character);
  const beforeEnd =
    position.line < end.line || (position.line === end.line && position.character <= end.character);
  return afterStart && beforeEnd;
}

export function hoverPayloads(
  payloads: readonly Payload[],
  position: Position,
  context: CheckContext,
): Hover | undefined {
  for (const payload of payloads) {
    if (!contains(payload.range, position)) continue;
    const symbolValue = payload.fields.find((field) => field.name === 'symbol')?.value;
    const instrument =
      symbolValue?.kind === 'string' ? context.instrument(symbolValue.value) : undefined;
    for (const field of payload.fields) {
      if (field.name === 'symbol' && contains(field.valueRange, position)) {
        if (instrument === undefined) return undefined;
        return { contents: instrumentMarkdown(instrument, context), range: field.valueRange };
      }
      if (contains(field.keyRange, position) || contains(field.valueRange, position)) {
        const contents = fieldMarkdown(field.name, instrument, context);
        if (contents === undefined) return undefined;
        const range = contains(field.keyRange, position) ? field.keyRange : field.valueRange;
        return { contents, range };
      }
    }
  }
  return undefined;
}

/** A field's documentation, with what the instrument makes of it. */
export function fieldMarkdown(
  name: string,
  instrument: Instrument | undefined,
  context: CheckContext,
): string | undefined {
  const field = orderField(name);
  if (field === undefined) return undefined;
  const lines = [
    `**${field.name}** (${field.required ? 'required' : 'optional'})`,
    '',
    field.description,
  ];
  if (field.choices.length > 0)
    lines.push('', `One of ${field.choices.map((each) => `\`${each}\``).join(', ')}.`);
  if (instrument !== undefined && field.kind === 'quantity') {
    lines.push(
      '',
      `${instrument.symbol}: at least ${instrument.min_quantity}, in steps of ${instrument.quantity_step}.`,
    );
  }
  if (instrument !== undefined && field.kind === 'price') {
    const quote = context.quote(instrument.symbol);
    const now = quote === undefined ? '' : ` Now: bid ${quote.bid}, ask ${quote.ask}.`;
    lines.push('', `${instrument.symbol}: prices on a tick of ${instrument.tick_size}.${now}`);
  }
  return lines.join('\n');
}
