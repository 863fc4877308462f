// Names in one parse tree: which assignment a name read in a call refers to, where an assigned
// name is read, and whether a string expression is a URL ending in `/orders`. Scopes follow
// Python and JavaScript closely enough for literals: a function's body (nested functions read
// their parents'), then the module. A class body is a scope its methods do not see.
import type { Node } from '@vscode/tree-sitter-wasm';
import type { Assignment, Dialect, Span } from './syntax';
import { spanOf } from './syntax';

export interface Binding {
  assignment: Assignment;
  /** The assignment is in the scope the name is read in (not an enclosing one). */
  sameScope: boolean;
  /** The assignment is at module level. */
  moduleLevel: boolean;
}

/** How many names deep a URL or a body is followed (`URL = BASE + PATH`, `PATH = "/orders"`). */
const maxDepth = 4;

export class Resolver {
  private readonly assignments = new Map<string, Assignment[]>();

  constructor(
    readonly dialect: Dialect,
    readonly root: Node,
    readonly text: string,
  ) {}

  /** The nearest function or class body around the node, else the module. */
  scopeOf(node: Node): Node {
    for (let current = node.parent; current !== null; current = current.parent) {
      if (this.dialect.isFunction(current) || this.dialect.isClassBody(current)) return current;
    }
    return this.root;
  }

  /** The outermost function around the node, if any. */
  outermostFunction(node: Node): Node | undefined {
    let found: Node | undefined;
    for (let current: Node | null = node; current !== null; current = current.parent) {
      if (this.dialect.isFunction(current)) found = current;
    }
    return found;
  }

  /**
   * The identifiers spelled `name` in the span: variables only, or (`anyKind`) also
   * attributes, properties and shorthand keys.
   */
  occurrences(name: string, span: Span, anyKind = false): Node[] {
    const found: Node[] = [];
    if (name === '') return found;
    const pattern = new RegExp(`(?<![\\w$])${escapeRegExp(name)}(?![\\w$])`, 'g');
    pattern.lastIndex = span.start;
    for (let match = pattern.exec(this.text); match !== null; match = pattern.exec(this.text)) {
      if (match.index + name.length > span.end) break;
      const node = this.root.descendantForIndex(match.index, match.index + name.length);
      if (node === null || node.startIndex !== match.index || node.text !== name) continue;
      if (anyKind ? node.type.includes('identifier') : this.dialect.isIdentifier(node)) {
        found.push(node);
      }
    }
    return found;
  }

  private assignmentsIn(scope: Node, name: string): Assignment[] {
    const key = `${scope.id}:${name}`;
    let found = this.assignments.get(key);
    if (found === undefined) {
      found = [];
      for (const identifier of this.occurrences(name, spanOf(scope))) {
        const assignment = this.dialect.assignmentOf(identifier);
        if (assignment !== undefined && this.scopeOf(identifier).id === scope.id) {
          found.push(assignment);
        }
      }
      this.assignments.set(key, found);
    }
    return found;
  }

  /** The assignment the identifier reads, looked for outward from where it is read. */
  resolve(use: Node): Binding | undefined {
    const name = use.text;
    let scope = this.scopeOf(use);
    const readInFunction = this.outermostFunction(use) !== undefined;
    let inner = true;
    for (;;) {
      if (this.dialect.isFunction(scope)) {
        if (this.dialect.parameterAnnotation(scope, name) !== undefined) return undefined;
      }
      if (inner || !this.dialect.isClassBody(scope)) {
        const assignments = this.assignmentsIn(scope, name);
        const moduleLevel = scope.id === this.root.id;
        // A function runs after the module has been read: it sees the module's last assignment.
        const before =
          moduleLevel && readInFunction
            ? assignments
            : assignments.filter((each) => each.statement.endIndex <= use.startIndex);
        const assignment = before.at(-1);
        if (assignment !== undefined) return { assignment, sameScope: inner, moduleLevel };
      }
      if (scope.id === this.root.id) return undefined;
      scope = this.scopeOf(scope);
      inner = false;
    }
  }

  /** Where the assigned name is read: every identifier of that name in the assignment's scope. */
  usesOf(assignment: Assignment): Node[] {
    const scope = this.scopeOf(assignment.target);
    const span = scope.id === this.root.id ? { start: 0, end: this.text.length } : spanOf(scope);
    return this.occurrences(assignment.target.text, span).filter(
      (use) => use.id !== assignment.target.id,
    );
  }

  /**
   * Whether the name is touched between its assignment and the read (`order["x"] = 1`,
   * `order.update(...)`, `fill(order)`): then the literal may not be all that is sent.
   */
  touchedBetween(binding: Binding, use: Node): boolean {
    if (!binding.sameScope) return false;
    const span = { start: binding.assignment.statement.endIndex, end: use.startIndex };
    return this.occurrences(use.text, span, true).length > 0;
  }

  /**
   * If the expression is a URL that ends in `/orders` (a literal, `base + "/orders"`,
   * `f"{base}/orders"`, a name assigned one of these), the spans that tell so; else undefined.
   */
  ordersUrl(node: Node, depth = 0): Span[] | undefined {
    if (depth > maxDepth) return undefined;
    const { dialect } = this;
    const target = dialect.unwrap(node);
    const tail = dialect.stringTail(target);
    if (tail !== undefined) {
      if (tail.endsWith !== undefined) return this.ordersUrl(tail.endsWith, depth + 1);
      return isOrdersPath(tail.text) ? [] : undefined;
    }
    const end = dialect.concatenationEnd(target);
    if (end !== undefined) return this.ordersUrl(end, depth + 1);
    const template = dialect.formatTemplate(target);
    if (template !== undefined) return this.ordersUrl(template, depth + 1);
    const joined = dialect.call(target);
    if (joined !== undefined) {
      // urljoin(base, "/orders"), new URL("/orders", base), new URL(...).toString()
      if (joined.name === 'urljoin' || joined.name === 'URL') {
        for (const argument of joined.args) {
          if (argument.kind !== 'positional') continue;
          const found = this.ordersUrl(argument.node, depth + 1);
          if (found !== undefined) return found;
        }
      }
      if (joined.name === 'toString' && joined.receiver !== undefined) {
        return this.ordersUrl(joined.receiver, depth + 1);
      }
      return undefined;
    }
    if (dialect.isIdentifier(target)) {
      const binding = this.resolve(target);
      if (binding === undefined) return undefined;
      const found = this.ordersUrl(binding.assignment.value, depth + 1);
      return found === undefined ? undefined : [...found, spanOf(binding.assignment.statement)];
    }
    return undefined;
  }
}

/** `/orders`, `https://host/orders`, `/v1/orders/`; not `/orders/cancel` nor `orders`. */
export function isOrdersPath(text: string): boolean {
  return /^\S*\/orders\/?$/.test(text);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
