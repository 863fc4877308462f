// The language server's latency at the scale of a large order file: 5,000 orders (about 50,000
// lines, a few of them wrong) checked in-process after an edit, against parsing the same text
// with jsonc-parser alone as the baseline; completion latency in that file; then the real server
// over stdio: start-up, diagnostics after an incremental edit as an editor sees them, and its
// memory. Run alone with `npx tsx bench/language-server.ts` after `npm run build`.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseTree } from 'jsonc-parser';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { PublishDiagnosticsParams } from 'vscode-languageserver/node';
import {
  createProtocolConnection,
  StreamMessageReader,
  StreamMessageWriter,
} from 'vscode-languageserver/node';
import { completionsAt } from '../language-server/service/assist';
import { diagnose } from '../language-server/service/diagnose';
import { offlineContext } from '../language-server/service/market-context';
import type { BenchFigure } from './figures';
import { printFigure } from './figures';

const orderCount = Number(process.env.LSP_BENCH_ORDERS ?? 5000);
const edits = 30;
const part = 'language-server';
const symbols = ['EURUSD', 'GBPUSD', 'USDJPY', 'US500', 'XAUUSD'];

function largeOrderFile(count: number): string {
  const orders = Array.from({ length: count }, (_, index) => {
    const symbol = symbols[index % symbols.length];
    // One order in a hundred has a mistake, as a file being worked on would.
    const wrong = index % 100 === 7;
    return {
      symbol: wrong ? `${symbol}X` : symbol,
      action: index % 2 === 0 ? 'buy' : 'sell',
      quantity: symbol === 'US500' || symbol === 'XAUUSD' ? 1 + (index % 5) : 10000 + index,
      order_type: 'market',
      time_in_force: 'gtc',
      client_order_id: `bench-${index}`,
    };
  });
  return JSON.stringify(orders, null, 2);
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

function time(work: () => void): number {
  const started = performance.now();
  work();
  return performance.now() - started;
}

/** The text with the n-th `"quantity": 1000…` bumped by one: a one-character edit. */
function editAt(text: string, n: number): { text: string; offset: number } {
  let offset = -1;
  for (let k = 0; k <= n; k++) offset = text.indexOf('"quantity": 1000', offset + 1);
  const digit = offset + '"quantity": 1000'.length + 1;
  const next = String((Number(text[digit]) + 1) % 10);
  return { text: text.slice(0, digit) + next + text.slice(digit + 1), offset: digit };
}

function inProcess(text: string, figures: BenchFigure[]): void {
  const context = offlineContext(Date.parse('2024-03-06T12:00:00Z'));
  const uri = 'file:///bench/orders.order.json';
  let document = TextDocument.create(uri, 'json', 1, text);
  const findings = diagnose(document, context).length;
  const checks: number[] = [];
  const parses: number[] = [];
  let current = text;
  for (let k = 0; k < edits; k++) {
    const edited = editAt(current, (k * 97) % orderCount);
    current = edited.text;
    const changed = TextDocument.update(document, [{ text: current }], document.version + 1);
    document = changed;
    checks.push(time(() => diagnose(changed, context)));
    parses.push(time(() => parseTree(current, [], { allowTrailingComma: true })));
  }
  const lines = text.split('\n').length;
  const median = quantile(checks, 0.5);
  const baseline = quantile(parses, 0.5);
  const note = `${orderCount} orders, ${lines} lines, ${findings} findings`;
  const record = (figure: BenchFigure) => {
    figures.push(figure);
    printFigure(figure);
  };
  record({
    part,
    name: 'diagnostics after an edit, in-process (median)',
    value: median,
    unit: 'ms',
    ratio: median / baseline,
    baseline: 'jsonc-parser parse alone',
    note,
  });
  record({
    part,
    name: 'diagnostics after an edit, in-process (p95)',
    value: quantile(checks, 0.95),
    unit: 'ms',
  });
  record({
    part,
    name: 'jsonc-parser parse of the same text (median)',
    value: baseline,
    unit: 'ms',
  });
  const completions: number[] = [];
  for (let k = 0; k < 200; k++) {
    // Alternately a symbol value and a key position, across the file.
    let offset = -1;
    const needle = k % 2 === 0 ? '"symbol": "' : '"action"';
    for (let skip = 0; skip <= (k * 31) % orderCount; skip++)
      offset = current.indexOf(needle, offset + 1);
    const position = document.positionAt(offset + needle.length - (k % 2 === 0 ? 0 : 2));
    completions.push(time(() => completionsAt(document, position, context)));
  }
  record({
    part,
    name: 'completion in the large file (p99)',
    value: quantile(completions, 0.99),
    unit: 'ms',
    target: { atMost: 10 },
  });
}

/** The baseline of start-up: a bare node process answering its first input. */
async function bareNodeAnswer(): Promise<number> {
  const started = performance.now();
  const child = spawn(
    process.execPath,
    ['-e', "process.stdin.once('data', () => process.exit(0))"],
    {
      stdio: ['pipe', 'ignore', 'inherit'],
    },
  );
  child.stdin.write('x');
  await new Promise((done) => child.once('exit', done));
  return performance.now() - started;
}

async function overStdio(text: string, figures: BenchFigure[]): Promise<void> {
  const server = resolve(import.meta.dirname, '../dist/language-server.cjs');
  const bare = quantile(
    [await bareNodeAnswer(), await bareNodeAnswer(), await bareNodeAnswer()],
    0.5,
  );
  const started = performance.now();
  const child = spawn(process.execPath, [server, '--stdio'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const connection = createProtocolConnection(
    new StreamMessageReader(child.stdout),
    new StreamMessageWriter(child.stdin),
  );
  const published = new Map<number, () => void>();
  connection.onNotification(
    'textDocument/publishDiagnostics',
    (params: PublishDiagnosticsParams) => {
      if (params.version !== undefined) published.get(params.version)?.();
    },
  );
  connection.listen();
  const diagnosed = (version: number) => new Promise<void>((done) => published.set(version, done));
  const record = (figure: BenchFigure) => {
    figures.push(figure);
    printFigure(figure);
  };
  try {
    await connection.sendRequest('initialize', {
      processId: process.pid,
      rootUri: null,
      capabilities: {},
    });
    const startup = performance.now() - started;
    record({
      part,
      name: 'server start-up (spawn to initialize answered)',
      value: startup,
      unit: 'ms',
      target: { atMost: 300 },
      ratio: startup / bare,
      baseline: `a bare node process (${bare.toFixed(0)} ms)`,
    });
    await connection.sendNotification('initialized', {});
    const rss = () => {
      const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      return match === null ? undefined : Number(match[1]) / 1024;
    };
    const idle = rss();
    if (idle !== undefined) {
      record({
        part,
        name: 'server memory (RSS), started',
        value: idle,
        unit: 'MB',
        target: { atMost: 100 },
      });
    }
    const uri = 'file:///bench/orders.order.json';
    const opened = performance.now();
    const first = diagnosed(1);
    await connection.sendNotification('textDocument/didOpen', {
      textDocument: { uri, languageId: 'json', version: 1, text },
    });
    await first;
    record({
      part,
      name: 'diagnostics of the opened file, over stdio',
      value: performance.now() - opened,
      unit: 'ms',
      note: 'includes sending 1.5 MB',
    });
    const document = TextDocument.create(uri, 'json', 1, text);
    let current = text;
    const latencies: number[] = [];
    for (let k = 0; k < edits; k++) {
      const { text: next, offset } = editAt(current, (k * 89) % orderCount);
      const at = document.positionAt(offset);
      current = next;
      const version = k + 2;
      const done = diagnosed(version);
      const sent = performance.now();
      await connection.sendNotification('textDocument/didChange', {
        textDocument: { uri, version },
        contentChanges: [
          {
            range: { start: at, end: { line: at.line, character: at.character + 1 } },
            text: next[offset],
          },
        ],
      });
      await done;
      latencies.push(performance.now() - sent);
    }
    record({
      part,
      name: 'diagnostics after an incremental edit, over stdio (median)',
      value: quantile(latencies, 0.5),
      unit: 'ms',
      note: `${orderCount} orders`,
    });
    record({
      part,
      name: 'diagnostics after an incremental edit, over stdio (p95)',
      value: quantile(latencies, 0.95),
      unit: 'ms',
    });
    const open = rss();
    if (open !== undefined) {
      record({
        part,
        name: 'server memory (RSS) with the large file open',
        value: open,
        unit: 'MB',
        note: `${orderCount} orders checked ${edits + 1} times`,
      });
    }
    await connection.sendRequest('shutdown');
    await connection.sendNotification('exit');
  } finally {
    connection.dispose();
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}

export async function benchLanguageServer(): Promise<BenchFigure[]> {
  const text = largeOrderFile(orderCount);
  const figures: BenchFigure[] = [];
  inProcess(text, figures);
  await overStdio(text, figures);
  return figures;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await benchLanguageServer();
}
