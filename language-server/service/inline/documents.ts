// Open documents with their parse trees. After an edit the tree is edited and reparsed with the
// old one (tree-sitter reuses what did not change), and payloads are looked for again only in
// the functions the edit or the reparse touched: a payload's rules read nothing outside the
// outermost function it is in, except module-level names, and an edit at module level is
// followed by a full extraction. Candidates elsewhere are kept, moved with the text.
import type { Node, Point, Tree } from '@vscode/tree-sitter-wasm';
import type {
  Position,
  TextDocument,
  TextDocumentContentChangeEvent,
} from 'vscode-languageserver-textdocument';
import type { InlinePayload } from './convert';
import { movePayload, toPayload } from './convert';
import { changesOf, moveAnchor, moveCandidates, moveSpan } from './edits';
import type { TextEdit } from './edits';
import type { ModuleFacts } from './extract';
import { choosePayloads, Extraction } from './extract';
import { dialectOf } from './languages';
import type { GrammarName } from './runtime';
import { grammarForLanguageId, parserFor, reader } from './runtime';
import type { Anchor, Candidate, Dialect, RawPayload, Span } from './syntax';
import { spanOf, touches } from './syntax';

interface Parsed {
  grammar: GrammarName;
  dialect: Dialect;
  /** The text the tree was parsed from. */
  text: string;
  tree: Tree;
  facts: ModuleFacts;
  candidates: Candidate[];
  /** Payloads handed out, by the candidate's payload, while their positions still hold. */
  converted: WeakMap<RawPayload, InlinePayload>;
  payloads: InlinePayload[];
}

interface OpenDocument {
  /** The latest state, once the work queued before it is done. Updates run one at a time. */
  ready: Promise<Parsed | undefined>;
  closed: boolean;
}

/** What the last update did, for benchmarks and tests. */
export interface UpdateReport {
  mode: 'full' | 'regions';
  /** Characters looked at again (all of the text for a full extraction). */
  searched: number;
  /** Candidates kept from before the update. */
  kept: number;
}

/** A region wider than this share of the text is not worth searching apart. */
const fullShare = 0.5;

export class InlineDocuments {
  private readonly documents = new Map<string, OpenDocument>();
  /** How the last update went; for measurements, not for decisions. */
  lastUpdate: UpdateReport | undefined;

  /** Starts keeping the document; its payloads. Documents of other languages have none. */
  open(document: TextDocument): Promise<InlinePayload[]> {
    this.close(document.uri);
    const entry: OpenDocument = { ready: this.parseAll(document), closed: false };
    this.documents.set(document.uri, entry);
    return entry.ready.then((parsed) => parsed?.payloads ?? []);
  }

  /**
   * The document after `changes` (as LSP sends them, in order; `document` is already updated).
   * Its payloads. A document not open is opened.
   */
  update(
    document: TextDocument,
    changes: readonly TextDocumentContentChangeEvent[],
  ): Promise<InlinePayload[]> {
    const entry = this.documents.get(document.uri);
    if (entry === undefined) return this.open(document);
    const text = document.getText();
    entry.ready = entry.ready.then((parsed) => {
      if (entry.closed) return undefined;
      if (parsed === undefined) return this.parseAll(document);
      try {
        return this.reparse(parsed, document, text, changes);
      } catch (error) {
        // A state we cannot trust is dropped; the next update starts afresh.
        this.release(parsed);
        throw error;
      }
    });
    return entry.ready.then((parsed) => parsed?.payloads ?? []);
  }

  /** The payloads of the document as last parsed. */
  async payloads(uri: string): Promise<InlinePayload[]> {
    const parsed = await this.documents.get(uri)?.ready;
    return parsed?.payloads ?? [];
  }

  /**
   * Runs `use` with the document's current tree (and the module facts), for completion; the
   * tree is valid only during the call. Undefined when the document is not open or not parsed.
   */
  async withTree<T>(
    uri: string,
    use: (tree: Tree, dialect: Dialect, facts: ModuleFacts, text: string) => T,
  ): Promise<T | undefined> {
    const parsed = await this.documents.get(uri)?.ready;
    if (parsed === undefined) return undefined;
    return use(parsed.tree, parsed.dialect, parsed.facts, parsed.text);
  }

  close(uri: string): void {
    const entry = this.documents.get(uri);
    if (entry === undefined) return;
    this.documents.delete(uri);
    entry.closed = true;
    void entry.ready.then(
      (parsed) => parsed && this.release(parsed),
      () => undefined,
    );
  }

  /** Closes every document and frees their trees (WASM memory is not collected by itself). */
  dispose(): void {
    for (const uri of [...this.documents.keys()]) this.close(uri);
  }

  private release(parsed: Parsed): void {
    parsed.tree.delete();
  }

  private async parseAll(document: TextDocument): Promise<Parsed | undefined> {
    const grammar = grammarForLanguageId(document.languageId);
    if (grammar === undefined) return undefined;
    const parser = await parserFor(grammar);
    const text = document.getText();
    const tree = parser.parse(reader(text));
    if (tree === null) return undefined;
    const parsed: Parsed = {
      grammar,
      dialect: dialectOf(grammar),
      text,
      tree,
      facts: { importsSdk: false, urlNames: new Set() },
      candidates: [],
      converted: new WeakMap(),
      payloads: [],
    };
    this.extractAll(parsed, text);
    this.lastUpdate = { mode: 'full', searched: text.length, kept: 0 };
    return this.finish(parsed, document);
  }

  private extractAll(parsed: Parsed, text: string): void {
    const extraction = new Extraction(parsed.dialect, parsed.tree.rootNode, text);
    parsed.candidates = [...extraction.run()];
    parsed.facts = extraction.facts;
  }

  private async reparse(
    parsed: Parsed,
    document: TextDocument,
    text: string,
    changes: readonly TextDocumentContentChangeEvent[],
  ): Promise<Parsed | undefined> {
    const parser = await parserFor(parsed.grammar);
    freeRetired();
    const edits = changesOf(parsed.text, document, changes);
    if (edits === undefined) {
      // The changes do not lead to the document's text: start again from the text itself.
      this.release(parsed);
      return this.parseAll(document);
    }
    let candidates = parsed.candidates;
    let dirty: Span[] = [];
    let recheck: Anchor[] = [];
    let moduleLevel = false;
    for (const { edit, offsets } of edits) {
      // What the edit replaced may have been at module level (a deleted name): seen in the
      // tree before the edit.
      const replaced = { start: offsets.start, end: offsets.oldEnd };
      moduleLevel ||= regionOf(parsed.dialect, parsed.tree.rootNode, replaced) === undefined;
      parsed.tree.edit(edit);
      const moved = moveCandidates(candidates, offsets);
      candidates = moved.kept;
      // What was handed out for them is moved with the text (a candidate's payload is wholly
      // after the edit, or it would not have been kept).
      const positions = {
        oldEnd: positionOf(edit.oldEndPosition),
        newEnd: positionOf(edit.newEndPosition),
      };
      for (const { payload } of moved.moved) {
        const handedOut = parsed.converted.get(payload);
        if (handedOut !== undefined)
          parsed.converted.set(payload, movePayload(handedOut, positions));
      }
      dirty = [...dirty.map((span) => moveSpan(span, offsets)), edited(offsets)];
      recheck = [...recheck.map((anchor) => moveAnchor(anchor, offsets)), ...moved.recheck];
    }
    const tree = parser.parse(reader(text), parsed.tree);
    if (tree === null) {
      this.release(parsed);
      return undefined;
    }
    for (const range of parsed.tree.getChangedRanges(tree)) {
      dirty.push({ start: range.startIndex, end: range.endIndex });
    }
    // Freeing the old tree takes a millisecond or two: once the payloads are handed out (or
    // when the next edit comes first).
    retire(parsed.tree);
    parsed.tree = tree;
    parsed.text = text;
    parsed.candidates = candidates;
    if (moduleLevel) this.fullAgain(parsed, text);
    else this.extractChanged(parsed, text, dirty, recheck);
    return this.finish(parsed, document);
  }

  /**
   * Looks again where the text changed, widened to whole functions (all of the module if need
   * be), and runs the rules again on the anchors of candidates that depended on what changed.
   */
  private extractChanged(parsed: Parsed, text: string, dirty: Span[], recheck: Anchor[]): void {
    const root = parsed.tree.rootNode;
    const widened: Span[] = [];
    for (const span of dirty) {
      const region = regionOf(parsed.dialect, root, span);
      if (region === undefined) return this.fullAgain(parsed, text);
      widened.push(region);
    }
    const regions = merge(widened);
    const searched = regions.reduce((sum, each) => sum + each.end - each.start, 0);
    if (searched > text.length * fullShare) return this.fullAgain(parsed, text);
    const kept: Candidate[] = [];
    const anchors = [...recheck];
    for (const candidate of parsed.candidates) {
      if (candidate.dependsOn.some((span) => regions.some((region) => touches(span, region)))) {
        anchors.push(candidate.anchor);
      } else kept.push(candidate);
    }
    const extraction = new Extraction(parsed.dialect, root, text, parsed.facts);
    extraction.run(regions);
    // Anchors inside the regions are found again by the search itself.
    const found = extraction.recheck(anchors.filter((anchor) => !covered(anchor.span, regions)));
    parsed.candidates = [...kept, ...found];
    this.lastUpdate = { mode: 'regions', searched, kept: kept.length };
  }

  private fullAgain(parsed: Parsed, text: string): void {
    this.extractAll(parsed, text);
    this.lastUpdate = { mode: 'full', searched: text.length, kept: 0 };
  }

  private finish(parsed: Parsed, document: TextDocument): Parsed {
    parsed.payloads = choosePayloads(parsed.candidates).map((payload) => {
      let converted = parsed.converted.get(payload);
      if (converted === undefined) {
        converted = toPayload(payload, document);
        parsed.converted.set(payload, converted);
      }
      return converted;
    });
    return parsed;
  }
}

const retired: Tree[] = [];

function retire(tree: Tree): void {
  if (retired.push(tree) === 1) setImmediate(freeRetired);
}

function freeRetired(): void {
  for (const tree of retired.splice(0)) tree.delete();
}

function positionOf(point: Point): Position {
  return { line: point.row, character: point.column };
}

function edited(offsets: TextEdit): Span {
  return { start: offsets.start, end: offsets.newEnd };
}

/**
 * The part of the module a change at `span` can affect: the outermost function around it, or
 * the statements of a class body it touches. Undefined at module level, where a name assigned
 * may be read anywhere.
 */
function regionOf(dialect: Dialect, root: Node, span: Span): Span | undefined {
  // One character more on each side: what an edit at a boundary joins or splits counts too.
  const node = root.descendantForIndex(
    Math.max(0, span.start - 1),
    Math.min(root.endIndex, Math.max(span.start, span.end) + 1),
  );
  if (node === null) return undefined;
  let outermost: Node | undefined;
  let classBody: Node | undefined;
  for (let current: Node | null = node; current !== null; current = current.parent) {
    if (dialect.isFunction(current)) outermost = current;
    else if (classBody === undefined && outermost === undefined && dialect.isClassBody(current)) {
      classBody = current;
    }
  }
  if (outermost !== undefined) return union(span, spanOf(outermost));
  if (classBody === undefined) return undefined;
  let region = span;
  for (let index = 0; index < classBody.namedChildCount; index++) {
    const statement = classBody.namedChild(index);
    if (statement !== null && touches(spanOf(statement), span)) {
      region = union(region, spanOf(statement));
    }
  }
  return region;
}

function union(a: Span, b: Span): Span {
  return { start: Math.min(a.start, b.start), end: Math.max(a.end, b.end) };
}

function covered(span: Span, regions: readonly Span[]): boolean {
  return regions.some((region) => region.start <= span.start && span.end <= region.end);
}

function merge(spans: Span[]): Span[] {
  const sorted = [...spans].sort((a, b) => a.start - b.start);
  const merged: Span[] = [];
  for (const span of sorted) {
    const last = merged.at(-1);
    if (last !== undefined && span.start <= last.end) last.end = Math.max(last.end, span.end);
    else merged.push({ ...span });
  }
  return merged;
}
