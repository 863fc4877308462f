// `*.order.json`: one order object, or an array of them, reduced to Payloads with the exact
// ranges of each key and value, so the checks of validate.ts apply to them as to any payload.
import type { Node } from 'jsonc-parser';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Finding } from './findings';
import { finding } from './findings';
import type { JsonDocument } from './json-document';
import { nodeRange, parseJson, propertiesOf } from './json-document';
import { orderField } from './order-fields';
import type { Payload, PayloadField, PayloadValue } from './payload';

export interface OrderFile {
  payloads: Payload[];
  /** What is wrong with the file's shape itself (not an object, an array item that is not one). */
  findings: Finding[];
}

export function jsonOrderPayloads(document: TextDocument): Payload[] {
  return readOrderFile(parseJson(document)).payloads;
}

export function readOrderFile(json: JsonDocument): OrderFile {
  const { objects, findings } = orderObjects(json);
  return { payloads: objects.map((object) => payloadOf(json, object, findings)), findings };
}

/** The file's order objects (the root, or the items of the root array), and what is not one. */
export function orderObjects(json: JsonDocument): { objects: Node[]; findings: Finding[] } {
  const { root, document } = json;
  const objects: Node[] = [];
  const findings: Finding[] = [];
  if (root === undefined) return { objects, findings };
  if (root.type === 'object') {
    objects.push(root);
  } else if (root.type === 'array') {
    for (const item of root.children ?? []) {
      if (item.type === 'object') objects.push(item);
      else {
        findings.push(
          finding(
            'not_an_order',
            nodeRange(document, item),
            'each item of an order file must be an order object ({"symbol": ..., "action": ...})',
          ),
        );
      }
    }
  } else {
    findings.push(
      finding(
        'not_an_order',
        nodeRange(document, root),
        'an order file holds one order object, or an array of them',
      ),
    );
  }
  return { objects, findings };
}

/** One order object as a Payload; a value no order field takes adds a finding to `findings`. */
export function payloadOf(json: JsonDocument, object: Node, findings: Finding[]): Payload {
  const { document, lines } = json;
  const text = document.getText();
  const nodeRange = (node: Node) => ({
    start: lines.positionAt(node.offset),
    end: lines.positionAt(node.offset + node.length),
  });
  const properties = propertiesOf(object);
  const fields = properties.map(({ key, value }): PayloadField => {
    const name = typeof key.value === 'string' ? key.value : String(key.value);
    const keyRange = nodeRange(key);
    if (value === undefined) {
      // Half-typed ("quantity": ): present, with nothing to check yet.
      return {
        name,
        written: name,
        keyRange,
        value: { kind: 'dynamic' },
        valueRange: { start: keyRange.end, end: keyRange.end },
      };
    }
    const valueRange = nodeRange(value);
    const read = valueOf(text, value);
    if (read === undefined) {
      const spec = orderField(name);
      if (spec !== undefined) {
        const expected =
          spec.kind === 'quantity' || spec.kind === 'price' ? 'a number' : 'a string';
        findings.push(
          finding('invalid_value', valueRange, `${name} must be ${expected}, not an ${value.type}`),
        );
      }
    }
    return { name, written: name, keyRange, value: read ?? { kind: 'dynamic' }, valueRange };
  });
  const last = properties.at(-1)?.property;
  const insertOffset = last !== undefined ? last.offset + last.length : object.offset + 1;
  return {
    source: 'json',
    range: nodeRange(object),
    fields,
    implied: {},
    open: false,
    insert: { at: lines.positionAt(insertOffset), style: 'json' },
  };
}

/** A scalar as written; undefined for an object or array, which no order field takes. */
function valueOf(text: string, node: Node): PayloadValue | undefined {
  switch (node.type) {
    case 'string':
      return { kind: 'string', value: String(node.value) };
    case 'number': {
      const written = text.slice(node.offset, node.offset + node.length);
      return { kind: 'number', value: Number(node.value), text: written };
    }
    case 'boolean':
      return { kind: 'boolean', value: node.value === true };
    case 'null':
      return { kind: 'null' };
    default:
      return undefined;
  }
}
