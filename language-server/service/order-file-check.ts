// The checks of a whole order file, re-done only for the orders an edit changed. An order's
// findings depend on its own text and the market alone, so they are remembered per context by
// the order's text (and the column it starts at) relative to its first line; after an edit in a
// file of thousands of orders, the others are only looked up and moved to where they now start.
import type { Finding, FixEdit } from './findings';
import type { JsonDocument } from './json-document';
import { orderObjects, payloadOf } from './json-payloads';
import type { CheckContext } from './market-context';
import type { Position, Range } from './payload';
import { checkPayload } from './validate';

const remembered = new WeakMap<CheckContext, Map<string, Finding[]>>();
/** Past this many distinct orders a context forgets them all and starts again. */
const maxRemembered = 50_000;

export function checkOrderFile(json: JsonDocument, context: CheckContext): Finding[] {
  const { objects, findings } = orderObjects(json);
  let known = remembered.get(context);
  if (known === undefined || known.size > maxRemembered) {
    known = new Map();
    remembered.set(context, known);
  }
  const text = json.document.getText();
  for (const object of objects) {
    const start = json.lines.positionAt(object.offset);
    const key = `${start.character}|${text.slice(object.offset, object.offset + object.length)}`;
    let relative = known.get(key);
    if (relative === undefined) {
      const local: Finding[] = [];
      local.push(...checkPayload(payloadOf(json, object, local), context));
      relative = local.map((each) => moved(each, -start.line));
      // A fresh copy of the key: a slice would keep this version's whole text alive.
      known.set(JSON.parse(JSON.stringify(key)) as string, relative);
    }
    for (const each of relative) findings.push(moved(each, start.line));
  }
  return findings;
}

function moved(each: Finding, lines: number): Finding {
  const position = (at: Position): Position => ({ line: at.line + lines, character: at.character });
  const range = (at: Range): Range => ({ start: position(at.start), end: position(at.end) });
  return {
    ...each,
    range: range(each.range),
    fixes: each.fixes.map((fix) => ({
      ...fix,
      edits: fix.edits.map((edit): FixEdit => ({ ...edit, range: range(edit.range) })),
    })),
  };
}
