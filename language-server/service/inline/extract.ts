// Finding payloads in a parse tree. The text is searched first for what every payload must
// contain (an SDK order call's name, `/orders` closing a string, a `symbol` key); only there is
// the tree asked, so a 10,000-line file costs a text scan and a few hundred tree look-ups, not a
// walk of its 200,000 nodes through WASM. A module-level name that holds an `/orders` URL is
// searched for too, so a region of the file can be searched alone with the same result.
import type { Node } from '@vscode/tree-sitter-wasm';
import { Resolver } from './resolve';
import { Rules } from './rules';
import type { Anchor, Candidate, Dialect, RawPayload, Span } from './syntax';

/** What the whole module decides for every region in it. */
export interface ModuleFacts {
  importsSdk: boolean;
  /** Module-level names through which a URL ending in `/orders` is built. */
  urlNames: Set<string>;
}

const maxDepth = 4;
const urlKeys = new Set(['url', 'path', 'endpoint', 'uri', 'route']);

export class Extraction {
  readonly resolver: Resolver;
  readonly rules: Rules;
  readonly facts: ModuleFacts;
  private readonly candidates: Candidate[] = [];
  private readonly seen = new Set<Candidate>();
  /** Module facts came from an earlier full extraction: module-level names must be searched. */
  private readonly regional: boolean;

  constructor(
    readonly dialect: Dialect,
    readonly root: Node,
    readonly text: string,
    /** Facts of an earlier full extraction of the same module; computed when left out. */
    facts?: ModuleFacts,
  ) {
    this.regional = facts !== undefined;
    this.resolver = new Resolver(dialect, root, text);
    this.facts = facts ?? { importsSdk: dialect.importsSdk(root), urlNames: new Set() };
    this.rules = new Rules(dialect, this.resolver, this.facts.importsSdk);
  }

  /** Every candidate whose clue lies in one of the spans (all of the text when none given). */
  run(spans: readonly Span[] = [{ start: 0, end: this.text.length }]): Candidate[] {
    for (const span of spans) {
      this.scan(span);
      // A full extraction follows each module-level URL name from its assignment already.
      if (!this.regional) continue;
      for (const name of this.facts.urlNames) {
        for (const use of this.resolver.occurrences(name, span)) this.followUrl(use, 0);
      }
    }
    return this.candidates;
  }

  /** Runs the rules again on anchors kept from before (in this tree's text), wherever they are. */
  recheck(anchors: readonly Anchor[]): Candidate[] {
    for (const anchor of anchors) {
      // The node spanning exactly the anchor, if there still is one (the deepest, then up).
      const { start, end } = anchor.span;
      let node = this.root.descendantForIndex(start, end);
      while (node !== null && node.startIndex === start && node.endIndex === end) {
        const found = this.rules.run(anchor.rule, node);
        if (found.length > 0) {
          this.add(found);
          break;
        }
        node = node.parent;
      }
    }
    return this.candidates;
  }

  private add(found: readonly Candidate[]): void {
    for (const candidate of found) {
      if (this.seen.has(candidate)) continue;
      this.seen.add(candidate);
      this.candidates.push(candidate);
    }
  }

  private scan(span: Span): void {
    const needles = new RegExp(this.dialect.needles.source, 'g');
    needles.lastIndex = span.start;
    for (let match = needles.exec(this.text); match !== null; match = needles.exec(this.text)) {
      if (match.index >= span.end) break;
      const groups = match.groups ?? {};
      if (groups.sdk !== undefined) this.sdkClue(match.index, groups.sdk);
      else if (groups.orders !== undefined) this.ordersClue(match.index);
      else if (groups.symbol !== undefined) {
        this.symbolClue(match.index + groups.symbol.indexOf('symbol'));
      }
    }
  }

  private sdkClue(at: number, name: string): void {
    const node = this.root.descendantForIndex(at, at + name.length);
    if (node === null || node.text !== name) return;
    let call = node.parent;
    if (call !== null && !this.dialect.isCall(call)) call = call.parent;
    if (call === null || !this.dialect.isCall(call)) return;
    const syntax = this.dialect.call(call);
    if (syntax === undefined || syntax.name !== name) return;
    if (syntax.argumentsNode.startIndex < at) return;
    this.add(this.rules.sdkCall(call));
  }

  private ordersClue(at: number): void {
    let node = this.root.descendantForIndex(at);
    for (let step = 0; node !== null && step < 3; step++) {
      if (this.dialect.stringTail(node) !== undefined) {
        this.followUrl(node, 0);
        return;
      }
      node = node.parent;
    }
  }

  private symbolClue(at: number): void {
    let node = this.root.descendantForIndex(at, at + 'symbol'.length);
    for (let step = 0; node !== null && step <= 3; step++) {
      const container = this.dialect.container(node);
      if (container !== undefined) {
        const isKey = container.entries.some(
          (entry) =>
            entry.kind === 'pair' && entry.keyNode.startIndex <= at && at < entry.keyNode.endIndex,
        );
        if (isKey) this.add(this.rules.literal(container.node));
        return;
      }
      node = node.parent;
    }
  }

  /**
   * From a part of a URL up to what uses it: through concatenation, interpolation and
   * formatting, to the call it is an argument of, the request description it is the `url` of,
   * or the name it is assigned to (then on from every place the name is read).
   */
  private followUrl(start: Node, depth: number): void {
    const { dialect, resolver, rules } = this;
    let current = start;
    for (let step = 0; step < 16; step++) {
      const parent = current.parent;
      if (parent === null) return;
      const grandparent = parent.parent;
      if (
        dialect.unwrap(parent).id === dialect.unwrap(current).id ||
        dialect.concatenationEnd(parent)?.id === current.id ||
        dialect.formatTemplate(parent)?.id === current.id ||
        (dialect.stringTail(parent) !== undefined && parent.lastNamedChild?.id === current.id)
      ) {
        current = parent;
        continue;
      }
      // "{}/orders".format(base), new URL("/orders", base).toString()
      if (grandparent !== null && dialect.formatTemplate(grandparent)?.id === current.id) {
        current = grandparent;
        continue;
      }
      const method = grandparent === null ? undefined : dialect.call(grandparent);
      if (method?.name === 'toString' && method.receiver?.id === current.id) {
        current = method.node;
        continue;
      }
      const string = dialect.interpolationOf(current);
      if (string !== undefined) {
        if (dialect.stringTail(string)?.endsWith?.id !== current.id) return;
        current = string;
        continue;
      }
      const call = dialect.argumentOf(current);
      if (call !== undefined) {
        const name = dialect.call(call)?.name;
        if (name === 'urljoin' || name === 'URL') {
          current = call;
          continue;
        }
        this.add(rules.httpCall(call));
        return;
      }
      const pair = dialect.pairOf(current);
      if (pair !== undefined) {
        if (pair.key !== undefined && urlKeys.has(pair.key.toLowerCase())) {
          this.add(rules.requestDescription(pair.container));
        }
        return;
      }
      const target = dialect.assignedTo(current);
      const assignment = target === undefined ? undefined : dialect.assignmentOf(target);
      if (target === undefined || assignment === undefined || depth >= maxDepth) return;
      if (resolver.scopeOf(target).id === this.root.id) this.facts.urlNames.add(target.text);
      for (const use of resolver.usesOf(assignment)) this.followUrl(use, depth + 1);
      return;
    }
  }
}

const priority = { 'sdk-call': 3, 'http-body': 2, literal: 1 } as const;

/**
 * One payload per literal or call: when rules disagree the stronger source wins (an SDK call,
 * then an HTTP body, then a literal), then the more cautious reading (open). In text order.
 */
export function choosePayloads(candidates: Iterable<Candidate>): RawPayload[] {
  const chosen = new Map<number, RawPayload>();
  for (const { payload } of candidates) {
    // One number per span (texts stay far below 2^26 characters).
    const key = payload.span.start * 67_108_864 + payload.span.end;
    const held = chosen.get(key);
    if (held === undefined || outranks(payload, held)) chosen.set(key, payload);
  }
  return [...chosen.values()].sort(
    (a, b) => a.span.start - b.span.start || a.span.end - b.span.end,
  );
}

function outranks(payload: RawPayload, held: RawPayload): boolean {
  const difference = priority[payload.source] - priority[held.source];
  if (difference !== 0) return difference > 0;
  return payload.open && !held.open;
}
