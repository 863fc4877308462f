import * as vscode from 'vscode';
import type { RunEvent } from '../../api/run-events';
import { fillLine } from '../../runner/format';
import { problemLine } from '../../runner/script-problem';

const red = (text: string) => `\x1b[31m${text}\x1b[0m`;
const yellow = (text: string) => `\x1b[33m${text}\x1b[0m`;
const dim = (text: string) => `\x1b[2m${text}\x1b[0m`;
const cyan = (text: string) => `\x1b[36m${text}\x1b[0m`;

/** Fills written to a run's terminal, at most. */
const maxFillsShown = 200;

/** Where a run's output goes: a terminal of its own, or the terminal of the task that ran it. */
export interface RunOutput {
  show(): void;
  note(text: string): void;
  event(event: RunEvent): void;
  /** The run is over: a task's terminal ends with the run's exit code. */
  finished(exitCode: number): void;
  /** What closing the output does: stops the run. */
  stopWith(stop: () => void): void;
  /** The text written to it (the end of it, for a long run). */
  readonly text: string;
}

/**
 * A run's output as a pseudoterminal: the script's lines as it prints them (stderr in red), the
 * runner's warnings, and how it ended. File paths in stack traces are links, as in any terminal;
 * a task's problem matcher reads the same lines. Closing the terminal stops the run.
 */
export class RunPty implements vscode.Pseudoterminal, RunOutput, vscode.Disposable {
  private readonly writer = new vscode.EventEmitter<string>();
  private readonly closer = new vscode.EventEmitter<number>();
  readonly onDidWrite = this.writer.event;
  readonly onDidClose = this.closer.event;
  private opened = false;
  private fillsShown = 0;
  private readonly early: string[] = [];
  /** What the terminal was sent, its last 256 KB: the secret-leak tests read it. */
  private sent = '';

  /**
   * @param onOpen called when the terminal opens (a task starts its run then)
   * @param closeWhenDone a task's terminal: it ends with the run
   */
  constructor(
    private readonly onOpen?: () => void,
    private readonly closeWhenDone = false,
  ) {}

  /** Called when the user closes the terminal: the run stops. */
  private stop: () => void = () => {};

  stopWith(stop: () => void): void {
    this.stop = stop;
  }

  open(): void {
    this.opened = true;
    for (const text of this.early.splice(0)) this.writer.fire(text);
    this.onOpen?.();
  }

  close(): void {
    this.stop();
  }

  show(): void {}

  finished(exitCode: number): void {
    if (this.closeWhenDone) this.closer.fire(exitCode);
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
        if (event.problem) this.write(red(problemLine(event.problem)));
        this.write(
          dim(
            `${event.status}: ${event.orders} orders, ${event.fills} fills` +
              (event.exit?.code !== undefined && event.exit.code !== null
                ? `, exit code ${event.exit.code}`
                : ''),
          ),
        );
        return;
      case 'fill':
        // A fast strategy fills hundreds of times a second: the first are shown, then a note.
        if (++this.fillsShown <= maxFillsShown) this.write(cyan(`fill  ${fillLine(event.fill)}`));
        else if (this.fillsShown === maxFillsShown + 1)
          this.write(dim(`(further fills are in the Account view and the run record)`));
        return;
      case 'progress':
      case 'order':
      case 'account':
      case 'api':
        return;
      default:
        event satisfies never;
    }
  }

  /** The text written to the terminal (the end of it, for a long run). */
  get text(): string {
    return this.sent;
  }

  private write(line: string): void {
    const text = `${line.replace(/\r?\n/g, '\r\n')}\r\n`;
    this.sent = (this.sent + text).slice(-262_144);
    if (this.opened) this.writer.fire(text);
    else this.early.push(text);
  }

  dispose(): void {
    this.writer.dispose();
    this.closer.dispose();
  }
}

/** A run's own terminal, named after its script; it stays open after the run for reading. */
export class RunTerminal extends RunPty {
  private readonly terminal: vscode.Terminal;

  constructor(name: string) {
    super();
    this.terminal = vscode.window.createTerminal({
      name,
      pty: this,
      iconPath: new vscode.ThemeIcon('graph-line'),
    });
  }

  override show(): void {
    this.terminal.show(true);
  }
}
