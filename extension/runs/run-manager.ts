import { basename, dirname } from 'node:path';
import * as vscode from 'vscode';
import type { RunEvent, RunKind } from '../../api/run-events';
import type { BacktestOutcome } from '../../runner/backtest';
import { runBacktest } from '../../runner/backtest';
import type { RangeRequest } from '../../runner/backtest-range';
import { warmTypeScriptBundler } from '../../runner/bundle-typescript';
import { resolveBacktestRange } from '../../runner/backtest-range';
import type { LiveConnection } from '../../runner/connections';
import type { LocalSandbox } from '../../runner/local-sandbox';
import type { ScriptLauncher } from '../../runner/launch';
import { RunCancelled } from '../../runner/launch';
import { workspaceRunsDir } from '../../runner/records';
import type { RunOutcome } from '../../runner/run-script';
import { runScript } from '../../runner/run-script';
import { findStrategyConfig, readStrategyConfig } from '../../runner/strategy-config';
import type { RunOutput } from './run-terminal';
import { RunTerminal } from './run-terminal';
import type { RunRecord } from '../../runner/record-schema';

export interface ActiveRun {
  /** Set once the runner has started the script. */
  id: string | null;
  kind: RunKind;
  script: string;
  startedAt: number;
  stop(): void;
}

export interface RunServices {
  /** The Timber Studio folder (the extension's own), whose SDKs scripts import. */
  root: string;
  /** Where the current environment's runs connect, with its key; asks the user what it needs. */
  connect(): Promise<LiveConnection | undefined>;
  /** A local sandbox for replay-session backtests (Python). */
  sandbox(): Promise<LocalSandbox>;
  /** The Python interpreter to run .py scripts with. */
  python(script: string): Promise<string | undefined>;
  log(line: string): void;
}

/** Runs and backtests started from the editor: several at once, each in its own terminal. */
export class RunManager implements vscode.Disposable {
  private readonly active = new Set<ActiveRun>();
  /** The terminals of the latest runs, for `terminalText`. */
  private readonly terminals: RunOutput[] = [];
  private readonly changed = new vscode.EventEmitter<void>();
  private readonly events = new vscode.EventEmitter<RunEvent>();
  /** A run started, ended or changed state: views refresh. */
  readonly onDidChange = this.changed.event;
  /** Every event of every run, for the views that show orders, fills and the account. */
  readonly onDidEvent = this.events.event;

  constructor(private readonly services: RunServices) {}

  get running(): readonly ActiveRun[] {
    return [...this.active];
  }

  /** What the terminals of the latest 20 runs showed (the tests look for secrets in it). */
  terminalText(): string[] {
    return this.terminals.map((terminal) => terminal.text);
  }

  /** The runs folder of the workspace folder holding `script` (else the first folder's, else beside it). */
  runsDirFor(script: string): string {
    const folder =
      vscode.workspace.getWorkspaceFolder(vscode.Uri.file(script)) ??
      vscode.workspace.workspaceFolders?.[0];
    return workspaceRunsDir(folder?.uri.fsPath ?? dirname(script));
  }

  /** Runs `script` live; its output goes to `output` (a task's terminal) or a terminal of its own. */
  async run(script: string, output?: RunOutput): Promise<RunOutcome | undefined> {
    const connection = await this.services.connect();
    if (connection === undefined) {
      output?.finished(1);
      return undefined;
    }
    return this.launch('run', script, async (common) => runScript({ ...common, connection }), {
      ...(output && { output }),
    });
  }

  /** Backtests `script` over what `request` names, the rest from its strategy config. */
  async backtest(
    script: string,
    request: RangeRequest = {},
    output?: RunOutput,
    /** Starts the script its own way (the debugger); the backtest then replays in a session. */
    launcher?: ScriptLauncher,
  ): Promise<BacktestOutcome | undefined> {
    const configPath = findStrategyConfig(script);
    const config = configPath === null ? null : readStrategyConfig(configPath);
    const range = resolveBacktestRange(request, config);
    return vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: `Backtesting ${basename(script)}`,
        cancellable: true,
      },
      (progress, token) =>
        this.launch(
          'backtest',
          script,
          (common) =>
            runBacktest({
              ...common,
              range,
              ...(launcher && { launcher, via: 'session' as const }),
              sandbox: () => this.services.sandbox(),
              onEvent: (event) => {
                common.onEvent(event);
                if (event.type === 'progress' && event.bars_total)
                  progress.report({
                    message: `${event.bars_done.toLocaleString('en-US')} of ${event.bars_total.toLocaleString('en-US')} bars`,
                  });
              },
            }),
          { cancel: token, ...(output && { output }) },
        ),
    );
  }

  stop(run: ActiveRun): void {
    run.stop();
  }

  private async launch<T extends { record: RunRecord }>(
    kind: RunKind,
    script: string,
    start: (common: {
      script: string;
      config: string | null;
      runsDir: string;
      cwd: string;
      root: string;
      signal: AbortSignal;
      python?: string;
      onEvent: (event: RunEvent) => void;
    }) => Promise<T>,
    { cancel, output }: { cancel?: vscode.CancellationToken; output?: RunOutput } = {},
  ): Promise<T | undefined> {
    const abort = new AbortController();
    const terminal = output ?? new RunTerminal(`Timber: ${basename(script)}`);
    terminal.stopWith(() => abort.abort());
    terminal.show();
    let exitCode = 1;
    this.terminals.push(terminal);
    if (this.terminals.length > 20) this.terminals.shift();
    const entry: ActiveRun = {
      id: null,
      kind,
      script,
      startedAt: Date.now(),
      stop: () => abort.abort(),
    };
    cancel?.onCancellationRequested(() => abort.abort());
    this.active.add(entry);
    this.changed.fire();
    // The bundler's first start overlaps the sandbox's and the key's.
    if (/\.m?ts$/i.test(script)) warmTypeScriptBundler(this.services.root);
    try {
      const python = await this.services.python(script);
      const outcome = await start({
        script,
        config: findStrategyConfig(script),
        runsDir: this.runsDirFor(script),
        cwd: dirname(script),
        root: this.services.root,
        signal: abort.signal,
        ...(python !== undefined && { python }),
        onEvent: (event) => {
          if (event.type === 'started') {
            entry.id = event.run_id;
            this.changed.fire();
          }
          terminal.event(event);
          this.events.fire(event);
        },
      });
      exitCode = outcome.record.status === 'succeeded' ? 0 : 1;
      return outcome;
    } catch (error) {
      if (error instanceof RunCancelled) {
        terminal.note('stopped before the script started');
        return undefined;
      }
      const message = (error as Error).message;
      terminal.note(message);
      this.services.log(`${kind} of ${script} failed: ${message}`);
      void vscode.window.showErrorMessage(
        `Timber: the ${kind} of ${basename(script)} could not start: ${message}`,
      );
      return undefined;
    } finally {
      this.active.delete(entry);
      this.changed.fire();
      terminal.finished(exitCode);
    }
  }

  dispose(): void {
    for (const run of this.active) run.stop();
    this.changed.dispose();
    this.events.dispose();
  }
}
