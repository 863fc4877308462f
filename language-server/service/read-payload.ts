// A payload as the checks read it: duplicates settled (the last of each name wins, as in JSON),
// literal values apart from computed ones, implied fields counted as present.
import type { Finding } from './findings';
import { finding } from './findings';
import { removeField } from './payload-edits';
import type { Payload, PayloadField, PayloadValue } from './payload';

export type Literal = string | number | boolean | null;

export interface ReadPayload {
  payload: Payload;
  fields: Map<string, PayloadField>;
  /** Every field's literal value, given or implied; computed ones are left out. */
  literal: Map<string, Literal>;
  /** Fields whose value is computed at run time: present, never guessed at. */
  dynamic: Set<string>;
  /** Fields whose value a check already refused: later checks leave them alone. */
  refused: Set<string>;
}

export function literalOf(value: PayloadValue): Literal | undefined {
  switch (value.kind) {
    case 'string':
    case 'number':
    case 'boolean':
      return value.value;
    case 'null':
      return null;
    case 'dynamic':
      return undefined;
    default: {
      const unexpected: never = value;
      return unexpected;
    }
  }
}

/** Reads a payload; a field given twice adds a finding on the earlier one to `findings`. */
export function readPayload(payload: Payload, findings: Finding[]): ReadPayload {
  const fields = new Map<string, PayloadField>();
  for (const field of payload.fields) {
    const earlier = fields.get(field.name);
    if (earlier !== undefined) {
      findings.push(
        finding(
          'duplicate_field',
          earlier.keyRange,
          `${field.name} is given twice and only the last one counts: remove this one`,
          [{ title: `Remove this ${field.name}`, edits: [removeField(payload, earlier)] }],
          'warning',
        ),
      );
    }
    fields.set(field.name, field);
  }
  const literal = new Map<string, Literal>();
  const dynamic = new Set<string>();
  const take = (name: string, value: PayloadValue) => {
    const given = literalOf(value);
    if (given === undefined) dynamic.add(name);
    else literal.set(name, given);
  };
  for (const [name, field] of fields) take(name, field.value);
  for (const [name, value] of Object.entries(payload.implied)) {
    if (value !== undefined && !fields.has(name)) take(name, value);
  }
  return { payload, fields, literal, dynamic, refused: new Set() };
}

/** A literal number above zero, not refused by an earlier check. */
export function positiveNumber(read: ReadPayload, name: string): number | undefined {
  const value = read.literal.get(name);
  return typeof value === 'number' && value > 0 && Number.isFinite(value) && !read.refused.has(name)
    ? value
    : undefined;
}

export function actionOf(read: ReadPayload): 'buy' | 'sell' | undefined {
  const action = read.literal.get('action');
  return action === 'buy' || action === 'sell' ? action : undefined;
}
