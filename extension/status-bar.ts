import * as vscode from 'vscode';
import type { StatusInput } from './status-text';
import { apiFreshMs, statusParts } from './status-text';

/** The status bar item, redrawn from whatever changed. */
export class TimberStatus implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem(
    'timber.status',
    vscode.StatusBarAlignment.Left,
    10,
  );
  private input: StatusInput;
  private staleTimer: NodeJS.Timeout | null = null;

  constructor(initial: Omit<StatusInput, 'now'>) {
    this.input = { ...initial, now: Date.now() };
    this.item.name = 'Timber Studio';
    this.item.command = 'timber.sandbox.showLog';
    this.draw();
    this.item.show();
  }

  update(change: Partial<Omit<StatusInput, 'now'>>): void {
    this.input = { ...this.input, ...change, now: Date.now() };
    this.draw();
    if (change.api !== undefined) {
      // The latency goes away once it is no longer news.
      if (this.staleTimer !== null) clearTimeout(this.staleTimer);
      this.staleTimer = setTimeout(() => this.update({}), apiFreshMs + 1000);
    }
  }

  private draw(): void {
    const parts = statusParts(this.input);
    this.item.text = parts.text;
    this.item.tooltip = parts.tooltip;
    this.item.backgroundColor = parts.warning
      ? new vscode.ThemeColor('statusBarItem.warningBackground')
      : undefined;
  }

  dispose(): void {
    if (this.staleTimer !== null) clearTimeout(this.staleTimer);
    this.item.dispose();
  }
}
