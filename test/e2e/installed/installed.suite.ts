import * as assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { before, describe, it } from 'mocha';
import * as vscode from 'vscode';
import type { RunEvent } from '../../../api/run-events';
import type { TimberApi } from '../../../extension/extension';

// The extension as a user gets it: installed from the .vsix into code-server's extensions folder,
// no development path, no node_modules. Its TypeScript run goes through the esbuild-wasm and the
// prebundled SDK it carries, and trades on the sandbox it starts itself.

const workspace = () => vscode.workspace.workspaceFolders![0].uri.fsPath;

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)));
}

describe('Timber Studio installed from its .vsix', () => {
  let extension: vscode.Extension<TimberApi>;
  let api: TimberApi;

  before(async () => {
    const found = vscode.extensions.getExtension<TimberApi>('timber-studio.timber-studio');
    assert.ok(found, 'the installed extension is not there');
    extension = found;
    api = await extension.activate();
  });

  it('runs from the extensions folder, holding no sources, maps or node_modules', () => {
    const repo = process.env.TIMBER_E2E_REPO;
    assert.ok(repo, 'the test passes the repository in TIMBER_E2E_REPO');
    assert.ok(!extension.extensionPath.startsWith(repo), extension.extensionPath);
    assert.match(extension.extensionPath, /[/\\]extensions[/\\]timber-studio\.timber-studio-/);
    const files = filesUnder(extension.extensionPath);
    assert.ok(files.includes(join('dist', 'wasm', 'esbuild', 'esbuild.wasm')), files.join('\n'));
    // The example strategy's TypeScript twin is a user's file the walkthrough copies, not a source.
    const strays = files.filter(
      (file) => /node_modules|\.map$|\.ts$/.test(file) && !file.startsWith(`examples${sep}`),
    );
    assert.ok(files.includes(join('examples', 'sma-crossover', 'sma_crossover.py')));
    assert.ok(files.includes(join('dist', 'language-server.cjs')), 'the language server ships');
    assert.deepEqual(strays, []);
    assert.equal(api.sandboxState().kind, 'stopped', 'activation must not start the sandbox');
  });

  it('runs a TypeScript strategy that trades on its embedded sandbox', async () => {
    const events: RunEvent[] = [];
    const asked = performance.now();
    let startedMs: number | undefined;
    let firstLineMs: number | undefined;
    const listening = api.runs.onDidEvent((event) => {
      events.push(event);
      if (event.type === 'started') startedMs ??= performance.now() - asked;
      if (event.type === 'line') firstLineMs ??= performance.now() - asked;
      // The strategy runs until stopped, as a live one does: stopped once its order filled.
      if (event.type === 'line' && /^filled /.test(event.text))
        void vscode.commands.executeCommand('timber.stop');
    });
    try {
      const outcome = await api.runs.run(join(workspace(), 'trader', 'buy_once.ts'));
      // Figures for the record, not limits: this first run also starts the sandbox.
      console.log(
        `timber: installed .vsix, first TypeScript run: script started after ${startedMs?.toFixed(0)} ms, first line after ${firstLineMs?.toFixed(0)} ms`,
      );
      assert.ok(outcome, 'the run did not start');
      const lines = events.flatMap((event) => (event.type === 'line' ? [event.text] : []));
      assert.equal(outcome.record.status, 'stopped', [...lines, ...outcome.stderrTail].join('\n'));
      assert.deepEqual([outcome.record.orders, outcome.record.fills], [1, 1]);
      assert.ok(events.some((event) => event.type === 'fill'));
      assert.ok(
        lines.some((line) => /^filled 1000 EURUSD at \d/.test(line)),
        lines.join('\n'),
      );
      const state = api.sandboxState();
      assert.equal(state.kind === 'running' && state.attached, false, 'the sandbox is its own');
    } finally {
      listening.dispose();
    }
  });

  it('runs a Python strategy with the SDK module it carries', async () => {
    const lines: string[] = [];
    const listening = api.runs.onDidEvent((event) => {
      if (event.type === 'line') lines.push(event.text);
    });
    try {
      const outcome = await api.runs.run(join(workspace(), 'trader', 'which_sdk.py'));
      assert.ok(outcome, 'the run did not start');
      assert.equal(
        outcome.record.status,
        'succeeded',
        [...lines, ...outcome.stderrTail].join('\n'),
      );
      assert.deepEqual(lines, [
        `timber from ${join(extension.extensionPath, 'sdk', 'python', 'timber.py')}`,
      ]);
    } finally {
      listening.dispose();
    }
  });
});
