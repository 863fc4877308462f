import { rm } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import * as vscode from 'vscode';
import type { BacktestOutcome } from '../runner/backtest';
import type { ScriptLauncher } from '../runner/launch';
import { runSummaryLine } from '../runner/format';
import type { RunRecord } from '../runner/record-schema';
import { runFiles } from '../runner/records';
import { TimberClient } from '../sdk/node/src/client';
import type { Connector } from './connect';
import type { StrategyConfig } from '../api/strategy-config';
import type { RangeRequest } from '../runner/backtest-range';
import { findStrategyConfig, readStrategyConfig } from '../runner/strategy-config';
import { rangeRequest } from './runs/backtest-choice';
import type { BacktestPickServices } from './runs/backtest-picks';
import { pickBacktest } from './runs/backtest-picks';
import { registerKeyCommands } from './keys/key-commands';
import type { KeyStore } from './keys/key-store';
import type { ActiveRun, RunManager } from './runs/run-manager';
import { strategyScripts } from './tasks';
import type { ComparisonDocuments, RecordedRun } from './runs/run-documents';
import { showReport } from './runs/run-documents';
import type { AccountItem, AccountView } from './views/account-view';
import type { SandboxSupervisor } from './sandbox/supervisor';
import type { RunItem } from './views/runs-view';

export interface CommandServices {
  /** Starts a backtest's script under the debugger. */
  debugLauncher: ScriptLauncher;
  /** The extension's folder, which holds the examples. */
  root: string;
  runs: RunManager;
  recorded(): Promise<RecordedRun[]>;
  comparisons: ComparisonDocuments;
  backtestPicks: BacktestPickServices;
  keys: KeyStore;
  supervisor: SandboxSupervisor;
  connector: Connector;
  sandboxLog: vscode.OutputChannel;
  /** The extension's log (output channel): key ids may go there, never a secret. */
  log(line: string): void;
  refreshKeys(): void;
  refreshRuns(): void;
  account: AccountView;
}

const scriptExtensions = new Set(['.py', '.ts', '.mts', '.js', '.mjs']);

/** Every command, each usable from the palette with quick picks for what it is not given. */
export function registerCommands(services: CommandServices): vscode.Disposable[] {
  const { runs, keys, supervisor } = services;
  const register = (id: string, handler: (...args: never[]) => unknown) =>
    vscode.commands.registerCommand(id, handler);
  return [
    register('timber.run', async (target?: vscode.Uri) => {
      const script = await pickScript(target);
      if (script !== undefined) await runs.run(script);
    }),
    register('timber.backtest', (target?: vscode.Uri, request?: RangeRequest) =>
      backtestCommand(services, target, request),
    ),
    register('timber.backtest.debug', (target?: vscode.Uri, request?: RangeRequest) =>
      backtestCommand(services, target, request, services.debugLauncher),
    ),
    register('timber.stop', async (item?: RunItem) => {
      const run = item?.kind === 'active' ? item.run : await pickRunning(runs.running);
      run?.stop();
    }),
    register('timber.sandbox.start', async () => {
      try {
        const url = await vscode.window.withProgress(
          { location: vscode.ProgressLocation.Window, title: 'Starting the local sandbox' },
          () => supervisor.start(),
        );
        void vscode.window.showInformationMessage(`Timber: the local sandbox runs on ${url}`);
      } catch (error) {
        const log = 'Show Log';
        const answer = await vscode.window.showErrorMessage(
          `Timber: the local sandbox did not start: ${(error as Error).message}`,
          log,
        );
        if (answer === log) services.sandboxLog.show();
      }
    }),
    register('timber.sandbox.stop', () => supervisor.stop()),
    register('timber.sandbox.showLog', () => services.sandboxLog.show()),
    ...registerKeyCommands({
      keys,
      connector: services.connector,
      running: () => runs.running,
      log: (line) => services.log(line),
      refreshKeys: () => services.refreshKeys(),
    }),
    register('timber.runs.refresh', () => services.refreshRuns()),
    register('timber.account.refresh', () => services.account.refresh()),
    register('timber.orders.cancel', async (item?: AccountItem) => {
      if (item?.kind !== 'order') return;
      await withClient(services, async (client) => {
        const order = await client.cancelOrder(item.order.id);
        void vscode.window.showInformationMessage(`Timber: order ${order.id} is ${order.status}.`);
      });
    }),
    register('timber.orders.cancelAll', async () => {
      const cancel = 'Cancel All';
      const answer = await vscode.window.showWarningMessage(
        'Cancel every open order of the account?',
        { modal: true, detail: 'Orders placed by running scripts are cancelled too.' },
        cancel,
      );
      if (answer !== cancel) return;
      await withClient(services, async (client) => {
        const results = await client.cancelOrders({ all: true });
        void vscode.window.showInformationMessage(
          `Timber: ${results.results.length} open order${results.results.length === 1 ? '' : 's'} cancelled.`,
        );
      });
    }),
    register('timber.runs.openRecord', async (item?: RunItem) => {
      if (item?.kind !== 'recorded') return;
      await vscode.window.showTextDocument(vscode.Uri.file(join(item.dir, runFiles.record)));
    }),
    register('timber.runs.rerun', async (item?: RunItem) => {
      if (item === undefined) return;
      const script = item.kind === 'active' ? item.run.script : item.record.script;
      const kind = item.kind === 'active' ? item.run.kind : item.record.kind;
      if (kind === 'backtest') await runs.backtest(script);
      else await runs.run(script);
    }),
    register('timber.examples.open', () => openExample(services.root)),
    register('timber.runs.openReport', async (item?: RunItem) => {
      const run =
        item?.kind === 'recorded'
          ? item
          : await pickRecorded(
              services,
              'Open the report of which backtest?',
              (record) => record.kind === 'backtest',
            );
      if (run !== undefined) await showReport(run);
    }),
    register('timber.runs.compare', async (item?: RunItem, selected?: readonly RunItem[]) => {
      const chosen: RecordedRun[] = (selected ?? (item ? [item] : [])).flatMap((each) =>
        each.kind === 'recorded' ? [{ record: each.record, dir: each.dir }] : [],
      );
      if (chosen.length > 2) {
        void vscode.window.showWarningMessage(
          `Timber: select two runs to compare, not ${chosen.length}.`,
        );
        return;
      }
      while (chosen.length < 2) {
        const other = await pickRecorded(
          services,
          chosen.length === 0
            ? 'Compare which run…'
            : `…with which run? (A is ${chosen[0].record.id})`,
          (record) => record.id !== chosen[0]?.record.id,
        );
        if (other === undefined) return;
        chosen.push(other);
      }
      await services.comparisons.show(chosen[0], chosen[1]);
    }),
    register('timber.runs.delete', async (item?: RunItem) => {
      if (item?.kind !== 'recorded') return;
      const remove = 'Delete';
      const answer = await vscode.window.showWarningMessage(
        `Delete the record of ${item.record.id}? Its folder, log and report are removed.`,
        { modal: true },
        remove,
      );
      if (answer !== remove) return;
      await rm(item.dir, { recursive: true, force: true });
      services.refreshRuns();
    }),
  ];
}

/** Backtests a strategy over what it is given, or what the user picks; under the debugger if a launcher is given. */
async function backtestCommand(
  services: CommandServices,
  target: vscode.Uri | undefined,
  request: RangeRequest | undefined,
  launcher?: ScriptLauncher,
): Promise<void> {
  const { runs } = services;
  const script = await pickScript(target);
  if (script === undefined) return;
  let config: StrategyConfig | null;
  try {
    const configPath = findStrategyConfig(script);
    config = configPath === null ? null : readStrategyConfig(configPath);
  } catch (error) {
    void vscode.window.showErrorMessage(`Timber: ${(error as Error).message}`);
    return;
  }
  let asked = request;
  if (asked === undefined) {
    const choice = await pickBacktest(script, config, services.backtestPicks);
    if (choice === undefined) return;
    asked = rangeRequest(choice);
  }
  try {
    const outcome = await runs.backtest(script, asked, undefined, launcher);
    if (outcome !== undefined) void offerResult(outcome, services);
  } catch (error) {
    void vscode.window.showErrorMessage(
      `Timber: the backtest of ${basename(script)} cannot start: ${(error as Error).message}`,
    );
  }
}

/** Runs an account action with the current environment's client; problems are shown, then the view redrawn. */
async function withClient(
  services: CommandServices,
  action: (client: TimberClient) => Promise<void>,
): Promise<void> {
  const client = await services.account.currentClient();
  if (!(client instanceof TimberClient)) {
    void vscode.window.showWarningMessage(`Timber: ${client.why}`);
    return;
  }
  try {
    await action(client);
  } catch (error) {
    void vscode.window.showErrorMessage(`Timber: ${(error as Error).message}`);
  }
  await services.account.refresh();
}

/** The script a command is about: the one given, else the active editor's, else one picked. */
async function pickScript(target?: vscode.Uri): Promise<string | undefined> {
  if (target !== undefined) return target.fsPath;
  const active = vscode.window.activeTextEditor?.document.uri;
  if (active?.scheme === 'file' && scriptExtensions.has(extname(active.fsPath)))
    return active.fsPath;
  const scripts = await strategyScripts();
  if (scripts.length === 0) {
    void vscode.window.showWarningMessage(
      'Timber: open a strategy script (.py, .ts or .js), or add a strategy.json next to one.',
    );
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    scripts.map((path) => ({
      label: basename(path),
      description: vscode.workspace.asRelativePath(dirname(path)),
      path,
    })),
    { placeHolder: 'Which strategy?' },
  );
  return picked?.path;
}

async function pickRunning(running: readonly ActiveRun[]): Promise<ActiveRun | undefined> {
  if (running.length <= 1) return running[0];
  const picked = await vscode.window.showQuickPick(
    running.map((run) => ({
      label: basename(run.script),
      description: `${run.kind} · ${run.id ?? 'starting'}`,
      run,
    })),
    { placeHolder: 'Stop which run?' },
  );
  return picked?.run;
}

/** A recorded run picked from the workspace's history, newest first. */
async function pickRecorded(
  services: CommandServices,
  placeHolder: string,
  keep: (record: RunRecord) => boolean,
): Promise<RecordedRun | undefined> {
  const runs = (await services.recorded()).filter((run) => keep(run.record));
  if (runs.length === 0) {
    void vscode.window.showInformationMessage('Timber: there is no recorded run to pick yet.');
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    runs.map((run) => ({
      label: basename(run.record.script),
      description: `${run.record.kind} · ${run.record.status} · ${run.record.id}`,
      detail: runSummaryLine(run.record),
      run,
    })),
    { placeHolder, matchOnDescription: true },
  );
  return picked?.run;
}

/** A finished backtest's figures, with its report and the previous backtest one click away. */
async function offerResult(outcome: BacktestOutcome, services: CommandServices): Promise<void> {
  const { record, statistics, dir } = outcome;
  const name = basename(record.script);
  if (statistics === null) {
    void vscode.window.showErrorMessage(
      `Timber: the backtest of ${name} ${record.status === 'stopped' ? 'was stopped' : 'gave no result'}; its output is in the terminal.`,
    );
    return;
  }
  const percent = (value: number | null) =>
    value === null ? 'n/a' : `${(value * 100).toFixed(2)}%`;
  const summary =
    `return ${percent(statistics.total_return)}, Sharpe ${statistics.sharpe?.toFixed(2) ?? 'n/a'}, ` +
    `max drawdown ${percent(statistics.max_drawdown)}, ${statistics.trades} trades`;
  const previous = (await services.recorded()).find(
    (run) =>
      run.record.id !== record.id &&
      run.record.kind === 'backtest' &&
      run.record.script === record.script &&
      run.record.status === 'succeeded',
  );
  const open = 'Open Report';
  const compare = 'Compare with Previous';
  const answer = await vscode.window.showInformationMessage(
    `Timber: backtest of ${name}: ${summary}.`,
    open,
    ...(previous ? [compare] : []),
  );
  if (answer === open) await showReport({ record, dir });
  else if (answer === compare && previous)
    await services.comparisons.show(previous, { record, dir });
}

/**
 * The example strategy: the workspace's own when it has one, else the SMA crossover copied from
 * the extension into the workspace (or a folder the user picks), opened at its Python script.
 */
async function openExample(root: string): Promise<void> {
  const existing = await strategyScripts();
  const python = existing.find((script) => script.endsWith('.py')) ?? existing[0];
  if (python !== undefined) {
    await vscode.window.showTextDocument(vscode.Uri.file(python));
    return;
  }
  let target = vscode.workspace.workspaceFolders?.[0]?.uri;
  if (target === undefined) {
    const picked = await vscode.window.showOpenDialog({
      canSelectFolders: true,
      canSelectFiles: false,
      openLabel: 'Put the example here',
    });
    target = picked?.[0];
    if (target === undefined) return;
  }
  const source = vscode.Uri.file(join(root, 'examples', 'sma-crossover'));
  const destination = vscode.Uri.joinPath(target, 'sma-crossover');
  await vscode.workspace.fs.copy(source, destination, { overwrite: false });
  const script = vscode.Uri.joinPath(destination, 'sma_crossover.py');
  if (vscode.workspace.getWorkspaceFolder(destination) === undefined)
    await vscode.commands.executeCommand('vscode.openFolder', target);
  else await vscode.window.showTextDocument(script);
}
