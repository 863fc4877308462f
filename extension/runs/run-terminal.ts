import * as vscode from 'vscode';
import type { RunEvent } from '../../api/run-events';

const red = (text: string) => `\x1b[31m${text}\x1b[0m`;
const yellow = (text: string) => `\x1b[33m${text}\x1b[0m`;
const dim = (text: string) => `\x1b[2m${text}\x1b[0m`;

/**
 * A run's output in a terminal of its own: the script's lines as it prints them (stderr in red),
 * the runner's warnings, and how it ended. File paths in stack traces are links, as in any
 * terminal. Closing the terminal stops the run.
 */
export class RunTerminal implements vscode.Disposable {
  private readonly writer = new vscode.EventEmitter<string>();
  private readonly terminal: vscode.Terminal;
  private opened = false;
  private readonly early: string[] = [];

  constructor(name: string, onClose: () => void) {
    const pty: vscode.Pseudoterminal = {
      onDidWrite: this.writer.event,
      open: () => {
        this.opened = true;
        for (const text of this.early.splice(0)) this.writer.fire(text);
      },
      close: onClose,
    };
    this.terminal = vscode.window.createTerminal({
      name,
      pty,
      iconPath: new vscode.ThemeIcon('graph-line'),
    });
  }

  show(): void {
    this.terminal.show(true);
  }

  note(text: string): void {
    this.write(dim(text));
  }

  event(event: RunEvent): void {
    switch (event.type) {
      case 'line':
        this.write(event.stream === 'stderr' ? red(event.text) : event.text);
        return;
      case 'warning':
        this.write(yellow(`warning: ${event.message}`));
        return;
      case 'started':
        this.write(dim(`${event.kind} ${event.run_id} started (pid ${event.pid})`));
        return;
      case 'finished':
        this.write(
          dim(
            `${event.status}: ${event.orders} orders, ${event.fills} fills` +
              (event.exit?.code !== undefined && event.exit.code !== null
                ? `, exit code ${event.exit.code}`
                : ''),
          ),
        );
        return;
      case 'progress':
      case 'order':
      case 'fill':
      case 'account':
      case 'api':
        return;
      default:
        event satisfies never;
    }
  }

  private write(line: string): void {
    const text = `${line.replace(/\r?\n/g, '\r\n')}\r\n`;
    if (this.opened) this.writer.fire(text);
    else this.early.push(text);
  }

  dispose(): void {
    this.writer.dispose();
  }
}
