import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as vscode from 'vscode';
import { strategyConfigFileName } from '../api/strategy-config';

/** A strategy script: one with a strategy.json beside it, or one importing a Timber SDK. */
export function isStrategyScript(document: vscode.TextDocument): boolean {
  if (document.uri.scheme !== 'file') return false;
  if (existsSync(join(dirname(document.uri.fsPath), strategyConfigFileName))) return true;
  const head = document.getText(new vscode.Range(0, 0, 200, 0));
  return /^\s*(import timber|from timber import)|['"]@timber-studio\/sdk['"]/m.test(head);
}

/** Run · Debug · Backtest above the first line of every strategy script. */
export class StrategyCodeLens implements vscode.CodeLensProvider {
  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    if (!isStrategyScript(document)) return [];
    const top = new vscode.Range(0, 0, 0, 0);
    return [
      new vscode.CodeLens(top, {
        title: '$(play) Run',
        tooltip: 'Run this strategy on the current environment (Timber)',
        command: 'timber.run',
        arguments: [document.uri],
      }),
      new vscode.CodeLens(top, {
        title: '$(debug-alt) Debug',
        tooltip: 'Debug this strategy on the current environment, breakpoints and all',
        command: 'timber.debug',
        arguments: [document.uri],
      }),
      new vscode.CodeLens(top, {
        title: '$(graph-line) Backtest',
        tooltip: "Backtest this strategy over its strategy.json's range",
        command: 'timber.backtest',
        arguments: [document.uri],
      }),
    ];
  }
}

export const strategySelector: vscode.DocumentSelector = [
  { scheme: 'file', language: 'python' },
  { scheme: 'file', language: 'typescript' },
  { scheme: 'file', language: 'javascript' },
];
