// Inline payloads in a 10,000-line Python strategy holding 500 of them (bench/inline-strategy.ts):
// loading tree-sitter's WASM runtime and grammar, the first full extraction, and what one edit
// costs afterwards (incremental parse, search of the touched function, payloads handed out),
// beside a full parse and tree-sitter's incremental parse alone of the same file, measured in the
// same run. The language server's budget for diagnostics after an edit is 50 ms in all; the
// incremental parse is most of what this part spends (tree-sitter-python re-reads every function
// after the edit when calls hold strings), finding the payloads again a small share.
// Run alone with `npx tsx bench/inline-payloads.ts`.
import { pathToFileURL } from 'node:url';
import type { TextDocumentContentChangeEvent } from 'vscode-languageserver-textdocument';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { Parser } from '@vscode/tree-sitter-wasm';
import {
  InlineDocuments,
  inlineContextAt,
  inlinePayloads,
} from '../language-server/service/inline/index';
import { parserFor, reader } from '../language-server/service/inline/runtime';
import type { BenchFigure } from './figures';
import { printFigure } from './figures';
import { generatedStrategy } from './inline-strategy';

const part = 'inline-payloads';

interface Timing {
  wallMs: number[];
  cpuMs: number[];
}

function percentile(values: readonly number[], share: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(share * sorted.length))];
}

async function timed<T>(timing: Timing, run: () => Promise<T>): Promise<T> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const result = await run();
  timing.wallMs.push(performance.now() - started);
  const used = process.cpuUsage(cpu);
  timing.cpuMs.push((used.user + used.system) / 1000);
  return result;
}

/**
 * Tree-sitter alone on the same edits: a character (a digit, a line break) typed at each offset
 * and removed again, each followed by an incremental parse (timed).
 */
function reparseTimes(
  parser: Parser,
  document: TextDocument,
  offsets: number[],
  typed: string,
): Timing {
  const timing: Timing = { wallMs: [], cpuMs: [] };
  const text = document.getText();
  let tree = parser.parse(reader(text));
  for (const at of offsets) {
    for (const insert of [true, false]) {
      if (tree === null) throw new Error('tree-sitter gave no tree');
      const point = {
        row: document.positionAt(at).line,
        column: document.positionAt(at).character,
      };
      const moved = { row: point.row, column: point.column + 1 };
      tree.edit({
        startIndex: at,
        oldEndIndex: insert ? at : at + 1,
        newEndIndex: insert ? at + 1 : at,
        startPosition: point,
        oldEndPosition: insert ? point : moved,
        newEndPosition: insert ? moved : point,
      });
      const after = insert ? text.slice(0, at) + typed + text.slice(at) : text;
      const cpu = process.cpuUsage();
      const started = performance.now();
      const next = parser.parse(reader(after), tree);
      timing.wallMs.push(performance.now() - started);
      const used = process.cpuUsage(cpu);
      timing.cpuMs.push((used.user + used.system) / 1000);
      tree.delete();
      tree = next;
    }
  }
  tree?.delete();
  return timing;
}

/** An editor: the document is updated as VS Code would, then the change is handed over. */
class Editor {
  constructor(
    public document: TextDocument,
    readonly documents: InlineDocuments,
  ) {}

  async edit(offset: number, length: number, text: string, timing: Timing): Promise<number> {
    const range = {
      start: this.document.positionAt(offset),
      end: this.document.positionAt(offset + length),
    };
    const changes: TextDocumentContentChangeEvent[] = [{ range, text }];
    this.document = TextDocument.update(this.document, changes, this.document.version + 1);
    // Flatten the text as the server's own document store would have, outside the timing.
    this.document.getText().charCodeAt(0);
    const payloads = await timed(timing, () => this.documents.update(this.document, changes));
    // Keystrokes come tens of milliseconds apart: what is left for idle time runs then.
    await new Promise((resolve) => setImmediate(resolve));
    return payloads.length;
  }
}

export async function benchInlinePayloads(): Promise<BenchFigure[]> {
  const figures: BenchFigure[] = [];
  const record = (figure: BenchFigure) => {
    printFigure(figure);
    figures.push(figure);
  };
  const text = generatedStrategy(500, 10_000);
  const lines = text.split('\n').length - 1;
  const note = `${lines.toLocaleString('en-US')} lines, 500 payloads`;

  let started = performance.now();
  const parser = await parserFor('python');
  record({
    part,
    name: 'load the WASM runtime and Python grammar',
    value: performance.now() - started,
    unit: 'ms',
    note: 'once per process',
  });

  const parse: Timing = { wallMs: [], cpuMs: [] };
  for (let round = 0; round < 5; round++) {
    await timed(parse, () => Promise.resolve(parser.parse(reader(text))?.delete()));
  }
  const fullParse = percentile(parse.wallMs, 0.5);
  record({
    part,
    name: 'full parse of the file (baseline)',
    value: fullParse,
    unit: 'ms',
    note: `median of 5; ${note}`,
  });

  const documents = new InlineDocuments();
  const editor = new Editor(TextDocument.create('file:///bench.py', 'python', 1, text), documents);
  started = performance.now();
  const found = (await documents.open(editor.document)).length;
  if (found !== 500)
    throw new Error(`the generated strategy holds 500 payloads; ${found} were found`);
  const first = performance.now() - started;
  record({
    part,
    name: 'first full extraction (parse included)',
    value: first,
    unit: 'ms',
    ratio: first / fullParse,
    baseline: 'full parse',
    note,
  });

  // One character typed then removed in payloads all over the file: a quantity's digits. First
  // the incremental parse alone (the baseline: what any use of the tree pays), then all of it.
  const quantities = [...text.matchAll(/"quantity": \d+|, \d+, stop_loss/g)].map(
    (match) => match.index + match[0].search(/\d/),
  );
  const typed = (round: number) => quantities[(round * 37) % quantities.length];
  const reparse = reparseTimes(parser, editor.document, [...Array(300).keys()].map(typed), '7');
  const parseMedian = percentile(reparse.wallMs, 0.5);
  record({
    part,
    name: 'incremental parse after one character, median',
    value: parseMedian,
    unit: 'ms',
    note: `CPU ${percentile(reparse.cpuMs, 0.5).toFixed(2)} ms; p95 ${percentile(reparse.wallMs, 0.95).toFixed(1)} ms`,
  });

  const typing: Timing = { wallMs: [], cpuMs: [] };
  const regions = { full: 0, regions: 0 };
  for (let round = 0; round < 300; round++) {
    const count = await editor.edit(typed(round), 0, '7', typing);
    await editor.edit(typed(round), 1, '', typing);
    regions[documents.lastUpdate?.mode ?? 'full']++;
    if (count !== 500)
      throw new Error(`after typing a digit ${count} payloads were found, not 500`);
  }
  const median = percentile(typing.wallMs, 0.5);
  record({
    part,
    name: 'one character typed: payloads again, median',
    value: median,
    unit: 'ms',
    ratio: median / parseMedian,
    baseline: 'incremental parse',
    target: { atMost: 25 },
    note: `CPU ${percentile(typing.cpuMs, 0.5).toFixed(2)} ms; ${typing.wallMs.length} edits, ${regions.regions} of ${regions.regions + regions.full} by region`,
  });
  record({
    part,
    name: 'one character typed: payloads again, p95',
    value: percentile(typing.wallMs, 0.95),
    unit: 'ms',
    target: { atMost: 50 },
    note: `CPU ${percentile(typing.cpuMs, 0.95).toFixed(2)} ms`,
  });

  // A line break in a method: tree-sitter-python reads the indentation after it again, and every
  // payload after it moves a line.
  const lineEnds = [...Array(100).keys()].map((round) =>
    text.indexOf('\n', quantities[(round * 53) % quantities.length]),
  );
  const breakParse = percentile(reparseTimes(parser, editor.document, lineEnds, '\n').wallMs, 0.5);
  const breaking: Timing = { wallMs: [], cpuMs: [] };
  for (const at of lineEnds) {
    await editor.edit(at, 0, '\n', breaking);
    await editor.edit(at, 1, '', breaking);
  }
  record({
    part,
    name: 'a line break in a method, median',
    value: percentile(breaking.wallMs, 0.5),
    unit: 'ms',
    ratio: percentile(breaking.wallMs, 0.5) / breakParse,
    baseline: 'incremental parse',
    target: { atMost: 50 },
    note: `CPU ${percentile(breaking.cpuMs, 0.5).toFixed(2)} ms; p95 ${percentile(breaking.wallMs, 0.95).toFixed(1)} ms; the parse alone ${breakParse.toFixed(1)} ms`,
  });

  // Completion: the context at a cursor in a payload, from the tree kept for the document.
  const cursors = [...editor.document.getText().matchAll(/"(?:symbol|quantity)": |, stop_loss=/g)];
  const completion: Timing = { wallMs: [], cpuMs: [] };
  for (let round = 0; round < 1000; round++) {
    const match = cursors[(round * 31) % cursors.length];
    const position = editor.document.positionAt(match.index + match[0].length);
    const context = await timed(completion, () =>
      inlineContextAt(editor.document, position, documents),
    );
    if (context === undefined) throw new Error(`no payload context at ${JSON.stringify(position)}`);
  }
  record({
    part,
    name: 'completion context in a payload, p99',
    value: percentile(completion.wallMs, 0.99),
    unit: 'ms',
    target: { atMost: 10 },
    note: `median ${percentile(completion.wallMs, 0.5).toFixed(2)} ms; 1,000 cursors`,
  });

  // At module level anything may change: the whole module is searched again.
  const moduleLevel: Timing = { wallMs: [], cpuMs: [] };
  for (let round = 0; round < 10; round++) {
    const at = editor.document.getText().indexOf('BASE_URL =');
    await editor.edit(at, 0, '#', moduleLevel);
    await editor.edit(at, 1, '', moduleLevel);
  }
  record({
    part,
    name: 'a module-level edit (full extraction), median',
    value: percentile(moduleLevel.wallMs, 0.5),
    unit: 'ms',
    ratio: percentile(moduleLevel.wallMs, 0.5) / fullParse,
    baseline: 'full parse',
  });

  // What was kept and moved along must be what a fresh read finds.
  const kept = await documents.payloads(editor.document.uri);
  const fresh = await inlinePayloads(editor.document);
  if (JSON.stringify(kept) !== JSON.stringify(fresh)) {
    throw new Error('after the edits, the payloads kept differ from a fresh read of the text');
  }
  documents.dispose();
  return figures;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await benchInlinePayloads();
}
