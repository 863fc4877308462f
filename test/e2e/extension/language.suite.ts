import * as assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'mocha';
import * as vscode from 'vscode';
import { until } from './until';

// The language server through the real VS Code: the extension starts it, VS Code shows its
// findings on order payload files and asks it for completion.

const workspace = () => vscode.workspace.workspaceFolders![0].uri.fsPath;

describe('order payloads in the editor', () => {
  it('shows what the API would refuse on the exact property, and completes the fields', async () => {
    const folder = join(workspace(), 'orders');
    mkdirSync(folder, { recursive: true });
    const file = join(folder, 'entry.order.json');
    const text = [
      '{',
      '  "symbol": "EURUSD",',
      '  "action": "buy",',
      '  "quantity": 1000,',
      '  "order_type": "limit",',
      '  "time_in_force": "gtc"',
      '}',
      '',
    ].join('\n');
    writeFileSync(file, text);
    const uri = vscode.Uri.file(file);
    const document = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(document);
    const findings = await until(
      'the language server findings',
      () => {
        const found = vscode.languages
          .getDiagnostics(uri)
          .filter((diagnostic) => diagnostic.source === 'timber');
        return found.length > 0 ? found : undefined;
      },
      60_000,
    );
    assert.equal(findings.length, 1, findings.map((finding) => finding.message).join('\n'));
    assert.match(findings[0].message, /^limit_price is required for a limit order/);
    assert.equal(findings[0].severity, vscode.DiagnosticSeverity.Error);
    assert.equal(findings[0].range.start.line, 4, 'on order_type');

    // A new key after the last one: the API's fields that are not there yet.
    const line = 5;
    const edit = new vscode.WorkspaceEdit();
    edit.insert(uri, new vscode.Position(line, '  "time_in_force": "gtc"'.length), ',\n  "');
    await vscode.workspace.applyEdit(edit);
    const completions = await vscode.commands.executeCommand<vscode.CompletionList>(
      'vscode.executeCompletionItemProvider',
      uri,
      new vscode.Position(line + 1, 3),
    );
    const labels = completions.items.map((item) =>
      typeof item.label === 'string' ? item.label : item.label.label,
    );
    assert.ok(labels.includes('limit_price'), labels.join(', '));
    assert.ok(!labels.includes('symbol'), 'a field already written is not offered again');
  });

  it('checks an order written inline in a Python strategy, on the argument it is about', async function () {
    this.timeout(120_000);
    const file = join(workspace(), 'orders', 'inline_strategy.py');
    writeFileSync(
      file,
      'def on_candle(candle, ctx):\n    ctx.buy("EURUSD", 1000, stop_loss=2.5)\n    ctx.log({"symbol": "EURUSD"})\n',
    );
    const uri = vscode.Uri.file(file);
    const document = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(document);
    const findings = await until(
      'the inline finding',
      () => {
        const found = vscode.languages
          .getDiagnostics(uri)
          .filter((diagnostic) => diagnostic.source === 'timber');
        return found.length > 0 ? found : undefined;
      },
      90_000,
    ).catch((error: unknown) => {
      const all = vscode.languages
        .getDiagnostics(uri)
        .map((each) => `${each.source}: ${each.message}`);
      throw new Error(
        `${(error as Error).message} (language ${document.languageId}; diagnostics: ${all.join(' | ') || 'none'})`,
      );
    });
    assert.equal(findings.length, 1, findings.map((finding) => finding.message).join('\n'));
    assert.match(findings[0].message, /^stop_loss 2\.5 must lie below the current ask/);
    assert.deepEqual(
      [findings[0].range.start.line, findings[0].range.start.character],
      [1, 38],
      'on the value of stop_loss',
    );
  });
});
