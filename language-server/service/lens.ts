// "Send to sandbox" above each payload whose values are all written out: the extension's
// `timber.orders.send` command gets the order's JSON body and shows the API's answer.
import { sendOrderCommand } from '../protocol';
import type { Payload, Range } from './payload';
import { literalOf } from './read-payload';

export interface OrderLens {
  range: Range;
  title: string;
  command: typeof sendOrderCommand;
  /** The order's JSON body, as `POST /orders` takes it. */
  arguments: [string];
}

export function orderLenses(payloads: readonly Payload[]): OrderLens[] {
  return payloads.flatMap((payload) => {
    const body = orderBody(payload);
    if (body === undefined) return [];
    const start = payload.range.start;
    return [
      {
        range: { start, end: start },
        title: 'Send to sandbox',
        command: sendOrderCommand,
        arguments: [JSON.stringify(body)] as [string],
      },
    ];
  });
}

/**
 * The body the payload would post: implied fields, then the written ones (the last of each name),
 * unknown ones too, so the API's answer names them. Undefined when a value is computed at run
 * time or the literal may hold more than is seen: such a payload cannot be sent from the editor.
 */
export function orderBody(payload: Payload): Record<string, unknown> | undefined {
  if (payload.open) return undefined;
  const body: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(payload.implied)) {
    if (value === undefined) continue;
    const literal = literalOf(value);
    if (literal === undefined) return undefined;
    body[name] = literal;
  }
  for (const field of payload.fields) {
    const literal = literalOf(field.value);
    if (literal === undefined) return undefined;
    body[field.name] = literal;
  }
  return body;
}
