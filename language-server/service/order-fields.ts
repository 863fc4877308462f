// The fields of an order as the API defines them (api/orders.ts), with what an editor needs of
// each: its documentation, the kind of value, the values it may take, whether it is required.
import { OrderAction, OrderRequest, OrderType, TimeInForce } from '../../api/orders';
import type { Payload } from './payload';

export type OrderFieldName = keyof typeof OrderRequest.shape;
export type FieldKind = 'symbol' | 'choice' | 'quantity' | 'price' | 'text';

export interface OrderField {
  name: OrderFieldName;
  kind: FieldKind;
  required: boolean;
  /** The values a `choice` field takes. */
  choices: readonly string[];
  description: string;
}

const kinds: Record<OrderFieldName, FieldKind> = {
  symbol: 'symbol',
  action: 'choice',
  quantity: 'quantity',
  order_type: 'choice',
  limit_price: 'price',
  stop_loss: 'price',
  take_profit: 'price',
  time_in_force: 'choice',
  client_order_id: 'text',
};

const choices: Partial<Record<OrderFieldName, readonly string[]>> = {
  action: OrderAction.options,
  order_type: OrderType.options,
  time_in_force: TimeInForce.options,
};

export const orderFieldNames = Object.keys(OrderRequest.shape) as OrderFieldName[];

export const orderFields: readonly OrderField[] = orderFieldNames.map((name) => {
  const schema = OrderRequest.shape[name];
  return {
    name,
    kind: kinds[name],
    required: !schema.safeParse(undefined).success,
    choices: choices[name] ?? [],
    description: schema.description ?? '',
  };
});

const byName = new Map<string, OrderField>(orderFields.map((field) => [field.name, field]));

export function orderField(name: string): OrderField | undefined {
  return byName.get(name);
}

export const priceFields = ['limit_price', 'stop_loss', 'take_profit'] as const;
export type PriceField = (typeof priceFields)[number];

export function isPriceField(name: string): name is PriceField {
  return (priceFields as readonly string[]).includes(name);
}

export function camelCase(name: string): string {
  return name.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

/**
 * How a field is spelt where this payload is written: camelCase in a TypeScript SDK call whose
 * other fields are (`stopLoss`), as the API spells it everywhere else.
 */
export function writtenName(payload: Payload, name: string): string {
  const camel =
    payload.insert?.style === 'ts-object' &&
    payload.fields.some(
      (field) => field.written !== field.name && field.written === camelCase(field.name),
    );
  return camel ? camelCase(name) : name;
}
