// Reading half-typed code for completion, never for checks: a key typed with no value yet
// (`{"symbol": "EURUSD", "li"}`, which tree-sitter keeps as an error inside the dict; `{"sym"}`,
// which Python reads as a set) counts as a key, and `stop_loss=` with nothing after it as a
// keyword. The checks never see these: a set of names is not an order.
import type { Node } from '@vscode/tree-sitter-wasm';
import type { Argument, CallSyntax, ContainerSyntax, Dialect, Entry } from './syntax';

function namedChildren(node: Node): Node[] {
  const found: Node[] = [];
  for (let index = 0; index < node.namedChildCount; index++) {
    const child = node.namedChild(index);
    if (child !== null) found.push(child);
  }
  return found;
}

/** A string or a name standing where a key goes: its text, if it can be read. */
function keyOnly(dialect: Dialect, node: Node): Entry | undefined {
  const value = dialect.value(node);
  const key =
    value.kind === 'string'
      ? value.value
      : node.type === 'identifier' || node.type === 'property_identifier'
        ? node.text
        : undefined;
  if (key === undefined) return undefined;
  return { kind: 'pair', key, keyNode: node, valueNode: node, role: 'key-only' };
}

function container(dialect: Dialect, node: Node): ContainerSyntax | undefined {
  const found = dialect.container(node);
  if (found !== undefined) {
    const typed: Entry[] = [];
    for (const child of namedChildren(found.node)) {
      if (child.type !== 'ERROR') continue;
      for (const inner of namedChildren(child)) {
        const entry = keyOnly(dialect, inner);
        if (entry !== undefined) typed.push(entry);
      }
    }
    if (typed.length === 0) return found;
    const start = (entry: Entry) => (entry.kind === 'pair' ? entry.keyNode : entry.node).startIndex;
    return { ...found, entries: [...found.entries, ...typed].sort((a, b) => start(a) - start(b)) };
  }
  const target = dialect.unwrap(node);
  if (target.type !== 'set') return undefined;
  const entries = namedChildren(target).flatMap((child) => keyOnly(dialect, child) ?? []);
  if (entries.length !== target.namedChildCount) return undefined;
  return {
    node: target,
    entries,
    style: 'python-dict',
    insertAt: target.lastNamedChild?.endIndex ?? target.startIndex + 1,
  };
}

function call(dialect: Dialect, node: Node): CallSyntax | undefined {
  const found = dialect.call(node);
  if (found === undefined || dialect.grammar !== 'python') return found;
  // `stop_loss=` and nothing yet: a name, then an error holding the `=`.
  const args: Argument[] = [];
  for (const argument of found.args) {
    const previous = args.at(-1);
    if (
      argument.kind === 'positional' &&
      argument.node.type === 'ERROR' &&
      argument.node.text.startsWith('=') &&
      previous?.kind === 'positional' &&
      previous.node.type === 'identifier'
    ) {
      args[args.length - 1] = {
        kind: 'keyword',
        name: previous.node.text,
        nameNode: previous.node,
        node: argument.node,
      };
    } else args.push(argument);
  }
  return { ...found, args };
}

/** The dialect, reading half-typed keys and keywords as written. */
export function lenient(dialect: Dialect): Dialect {
  return {
    ...dialect,
    container: (node) => container(dialect, node),
    call: (node) => call(dialect, node),
  };
}
