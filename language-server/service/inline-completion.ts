// Completion inside an order written in code: the fields the order still lacks, written as the
// place it is in writes them (`stop_loss=` in a Python call, `"stop_loss": ` in a dict,
// `stopLoss: ` in a TypeScript SDK call's options), and the values a field takes.
import type { Completion } from './assist-types';
import type { InlineContext } from './inline/context';
import type { CheckContext } from './market-context';
import type { OrderSoFar } from './order-completion';
import { valueCompletions } from './order-completion';
import { camelCase, orderFields } from './order-fields';

export function inlineCompletions(at: InlineContext, context: CheckContext): Completion[] {
  const known = (name: string) => {
    const value = at.payload.fields.find((field) => field.name === name)?.value;
    return value?.kind === 'string' ? value.value : undefined;
  };
  const symbol = known('symbol');
  const action = known('action') ?? implied(at, 'action');
  const order: OrderSoFar = {
    ...(symbol !== undefined && { symbol }),
    ...(action !== undefined && { action }),
    present: new Set([...at.present, ...Object.keys(at.payload.implied)]),
  };
  if (at.at === 'value') {
    if (at.name === undefined) return [];
    const values = valueCompletions(at.name, order, context, at.replace);
    // Inside a string already: the text alone, not a quoted literal.
    return at.quote === undefined
      ? values
      : values.map((each) => ({
          ...each,
          insertText: unquoted(each.insertText),
          filterText: unquoted(each.insertText),
        }));
  }
  return orderFields
    .filter((field) => !order.present.has(field.name))
    .map((field, index) => {
      const name = at.naming === 'camel' ? camelCase(field.name) : field.name;
      const key =
        at.quote !== undefined
          ? name
          : at.style === 'python-kwargs'
            ? `${name}=`
            : at.style === 'python-dict'
              ? `"${name}": `
              : `${name}: `;
      return {
        label: name,
        kind: 'field' as const,
        detail: field.required ? 'required' : 'optional',
        documentation: field.description,
        insertText: key,
        range: at.replace,
        sortText: `${field.required ? 0 : 1}${String(index).padStart(2, '0')}`,
      };
    });
}

function implied(at: InlineContext, name: string): string | undefined {
  const value = at.payload.implied[name];
  return value?.kind === 'string' ? value.value : undefined;
}

function unquoted(text: string): string {
  return text.length >= 2 && text.startsWith('"') && text.endsWith('"') ? text.slice(1, -1) : text;
}
