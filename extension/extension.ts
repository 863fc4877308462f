// Must stay the first import: the activation time counts from it (see load-clock.ts).
import { bundleStartedAt } from './load-clock';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { stopTypeScriptBundler } from '../runner/bundle-typescript';
import { attachLocalSandbox, health } from '../runner/local-sandbox';
import { registerCommands } from './commands';
import { StrategyCodeLens, strategySelector } from './code-lens';
import { Connector, currentEnvironment } from './connect';
import { registerDebugging } from './debug/debug-provider';
import { remindToRotate } from './keys/key-commands';
import { KeyStore } from './keys/key-store';
import { pythonFor } from './python';
import { RunManager } from './runs/run-manager';
import type { SandboxState } from './sandbox/supervisor';
import { SandboxSupervisor } from './sandbox/supervisor';
import { AccountView } from './views/account-view';
import { EnvironmentsView } from './views/environments-view';
import type { SandboxClock } from '../api/admin';
import { TimberStatus } from './status-bar';
import { RunsView } from './views/runs-view';
import { DebugLauncher } from './debug/debug-launcher';
import { LanguageFeatures } from './language/wiring';
import { TimberTaskProvider, taskType } from './tasks';
import { isStrategyScript } from './code-lens';
import { ComparisonDocuments } from './runs/run-documents';

// The extension's wiring: everything it does lives in runner/, sandbox/ and api/; this file only
// connects them to VS Code. Activation does no work beyond registering: the sandbox starts on
// the first run (or `Timber: Start Local Sandbox`).

/** When this module ran, after every module it imports. */
const loadedAt = performance.now();
/** How long the bundle's other modules took to load, before this one ran. */
const moduleLoadMs = loadedAt - bundleStartedAt;

/** What the tests reach through `extension.exports`. */
export interface TimberApi {
  /** From the bundle's first module to the end of `activate`, in ms (the budget is 50 ms). */
  activationMs: number;
  /** Of which loading the bundle's modules (before `activate` ran), in ms. */
  moduleLoadMs: number;
  sandboxState(): SandboxState;
  runs: RunManager;
  keys: KeyStore;
  /** Where the extension keeps files and logs: the secret-leak tests search them. */
  folders: { globalStorage: string; workspaceStorage: string | null; logs: string };
}

let supervisor: SandboxSupervisor | undefined;

export function activate(context: vscode.ExtensionContext): TimberApi {
  const output = vscode.window.createOutputChannel('Timber Studio', { log: true });
  const sandboxLog = vscode.window.createOutputChannel('Timber Sandbox');
  const root = context.extensionPath;
  const dataDir = sandboxDataDir(context);
  const keys = new KeyStore(context.secrets);
  let sandboxState: SandboxState = { kind: 'stopped' };
  let marketClock: SandboxClock | undefined;
  // Made below, once the connector exists; sandbox changes reach it from then on.
  const later: { account?: AccountView; language?: LanguageFeatures } = {};
  const environments = new EnvironmentsView(
    keys,
    () => sandboxState,
    () => marketClock,
  );
  const status = new TimberStatus({
    env: currentEnvironment(),
    sandbox: sandboxState,
    clock: undefined,
    api: undefined,
  });
  const showState = (state: SandboxState) => {
    if (state.kind === 'running' && sandboxState.kind !== 'running')
      void later.language?.sandboxReady();
    sandboxState = state;
    if (state.kind === 'running' || state.kind === 'stopped') void later.account?.refresh();
    if (state.kind === 'running' && marketClock === undefined)
      void health(state.url).then((answer) => {
        if (answer?.clock === undefined) return;
        marketClock = answer.clock;
        showState(supervisor?.current ?? state);
      });
    status.update({ env: currentEnvironment(), sandbox: state, clock: marketClock });
    environments.refresh();
  };
  supervisor = new SandboxSupervisor({
    port: vscode.workspace.getConfiguration('timber').get<number>('sandbox.port') ?? 0,
    spawn: (port) => spawnSandbox(root, dataDir, port, marketStart()),
    findRunning: async () => {
      const running = await attachLocalSandbox(dataDir);
      return running === null ? null : { url: running.url, pid: 0 };
    },
    healthy: async (url) => (await health(url)) !== null,
    log: (line) => sandboxLog.appendLine(line),
    onState: showState,
  });
  const sandbox = supervisor;
  const connector = new Connector({
    keys,
    supervisor: sandbox,
    dataDir,
    log: (line) => output.info(line),
    keysChanged: () => environments.refresh(),
  });
  const runs = new RunManager({
    root,
    connect: () => connector.connect(),
    sandbox: () => connector.localSandbox(),
    python: (script) => pythonFor(script),
    log: (line) => output.info(line),
  });
  const runsView = new RunsView(runs);
  const debugLauncher = new DebugLauncher();
  const comparisons = new ComparisonDocuments();
  const runsTree = vscode.window.createTreeView('timber.runs', {
    treeDataProvider: runsView,
    canSelectMany: true,
  });
  const account = new AccountView(connector);
  later.account = account;
  const language = new LanguageFeatures({
    root,
    currentClient: () => account.currentClient(),
    localMarket: async () => {
      const state = sandbox.current;
      if (state.kind !== 'running') return undefined;
      const clock = (await health(state.url))?.clock;
      return { client: await connector.localClient(), now: clock?.market_now ?? Date.now() };
    },
    log: (line) => output.info(line),
  });
  later.language = language;
  const accountTree = vscode.window.createTreeView('timber.account', { treeDataProvider: account });
  context.subscriptions.push(
    output,
    sandboxLog,
    status,
    runs,
    environments,
    runsView,
    vscode.window.registerTreeDataProvider('timber.environments', environments),
    runsTree,
    vscode.tasks.registerTaskProvider(taskType, new TimberTaskProvider(runs)),
    ...strategyContext(runs),
    vscode.languages.registerCodeLensProvider(strategySelector, new StrategyCodeLens()),
    ...registerDebugging({
      root,
      connect: () => connector.connect(),
      python: (script) => pythonFor(script),
      log: (line) => output.info(line),
    }),
    account,
    accountTree,
    ...followAccount(account, accountTree, runs),
    vscode.workspace.onDidChangeConfiguration((change) => {
      if (change.affectsConfiguration('timber.environment')) showState(sandbox.current);
    }),
    comparisons,
    debugLauncher,
    language,
    ...registerCommands({
      root,
      debugLauncher: debugLauncher.launch,
      runs,
      recorded: () => runsView.recorded(),
      comparisons,
      backtestPicks: {
        memory: context.workspaceState,
        now: async () => {
          const state = sandbox.current;
          const clock = state.kind === 'running' ? (await health(state.url))?.clock : undefined;
          return clock?.market_now ?? Date.now();
        },
        instruments: async () => {
          try {
            return await (await connector.localClient()).instruments();
          } catch (error) {
            output.warn(`the instrument list could not be read: ${(error as Error).message}`);
            return undefined;
          }
        },
      },
      keys,
      supervisor: sandbox,
      connector,
      sandboxLog,
      log: (line) => output.info(line),
      refreshKeys: () => environments.refresh(),
      refreshRuns: () => runsView.refresh(),
      account,
    }),
  );
  showState(sandbox.current);
  // The sandbox's market clock may stand ahead of the wall clock (the session clock skips the
  // weekend): it is read now and then, and shown beside the state when it does.
  const clockTimer = setInterval(() => {
    const state = sandbox.current;
    if (state.kind !== 'running') return;
    void health(state.url).then((answer) => {
      marketClock = answer?.clock;
      showState(sandbox.current);
    });
  }, 15_000);
  context.subscriptions.push(
    { dispose: () => clearInterval(clockTimer) },
    remindToRotate(keys),
    runs.onDidEvent((event) => {
      if (event.type === 'warning' && event.code === 'market_closed')
        void offerSessionClock(event.message, runs, event.run_id);
      if (event.type === 'api') {
        const script = runs.running.find((run) => run.id === event.run_id)?.script ?? '';
        status.update({ api: { ...event, script } });
      }
    }),
  );
  const activationMs = performance.now() - bundleStartedAt;
  output.info(
    `activated in ${activationMs.toFixed(1)} ms (${moduleLoadMs.toFixed(1)} ms of it loading modules)`,
  );
  return {
    activationMs,
    moduleLoadMs,
    sandboxState: () => sandbox.current,
    runs,
    keys,
    folders: {
      globalStorage: context.globalStorageUri.fsPath,
      workspaceStorage: context.storageUri?.fsPath ?? null,
      logs: context.logUri.fsPath,
    },
  };
}

export async function deactivate(): Promise<void> {
  await Promise.all([supervisor?.stop(), stopTypeScriptBundler()]);
  supervisor = undefined;
}

/** The Account view reads again after a run's orders and fills, and every 5 s while shown. */
function followAccount(
  account: AccountView,
  tree: vscode.TreeView<unknown>,
  runs: RunManager,
): vscode.Disposable[] {
  let pending: NodeJS.Timeout | null = null;
  const soon = () =>
    (pending ??= setTimeout(() => {
      pending = null;
      if (tree.visible) void account.refresh();
    }, 300));
  const timer = setInterval(() => {
    if (tree.visible) void account.refresh();
  }, 5_000);
  return [
    runs.onDidEvent((event) => {
      if (event.type === 'order' || event.type === 'fill' || event.type === 'finished') soon();
    }),
    tree.onDidChangeVisibility((change) => {
      if (change.visible) void account.refresh();
    }),
    { dispose: () => clearInterval(timer) },
  ];
}

/** The setting's folder, else the extension's global storage. */
function sandboxDataDir(context: vscode.ExtensionContext): string {
  const chosen =
    vscode.workspace.getConfiguration('timber').get<string>('sandbox.dataFolder') ?? '';
  return chosen.trim() !== '' ? chosen : join(context.globalStorageUri.fsPath, 'sandbox');
}

/** The setting `timber.sandbox.marketStart`, if set. */
function marketStart(): string | undefined {
  const chosen =
    vscode.workspace.getConfiguration('timber').get<string>('sandbox.marketStart') ?? '';
  return chosen.trim() === '' ? undefined : chosen.trim();
}

/** `tbm sandbox` as a child process of the extension host, under its own Node (Electron as Node). */
function spawnSandbox(root: string, dataDir: string, port: number, startAt: string | undefined) {
  // The sandbox needs no secret of the user's: none is passed on.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('TIMBER_')),
  );
  return spawn(
    process.execPath,
    [
      join(root, 'dist', 'cli.js'),
      'sandbox',
      '--json',
      '--port',
      String(port),
      '--data-dir',
      dataDir,
      // A session clock: the market is never closed for a user trying the studio on a Saturday.
      '--clock',
      'session',
      ...(startAt === undefined ? [] : ['--now', startAt]),
    ],
    { env: { ...env, ELECTRON_RUN_AS_NODE: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
}

/**
 * Context keys for menus and keybindings: `timber.strategyEditor` while the active editor holds
 * a strategy script, `timber.running` while any run or backtest goes on.
 */
function strategyContext(runs: RunManager): vscode.Disposable[] {
  const set = (key: string, value: boolean) =>
    void vscode.commands.executeCommand('setContext', key, value);
  const editorChanged = (editor: vscode.TextEditor | undefined) =>
    set('timber.strategyEditor', editor !== undefined && isStrategyScript(editor.document));
  editorChanged(vscode.window.activeTextEditor);
  return [
    vscode.window.onDidChangeActiveTextEditor(editorChanged),
    runs.onDidChange(() => set('timber.running', runs.running.length > 0)),
  ];
}

/**
 * A run whose market is closed: the words the runner gave, and a way to trade now. A hosted
 * environment keeps real hours, so the button moves runs to the local sandbox, whose session
 * clock skips closed hours; a local sandbox on the real clock was started so by the user, who
 * is told how to start it otherwise.
 */
async function offerSessionClock(message: string, runs: RunManager, runId: string): Promise<void> {
  const env = currentEnvironment();
  const script = runs.running.find((run) => run.id === runId)?.script;
  if (env !== 'local') {
    const practise = 'Practise on the Local Sandbox';
    const answer = await vscode.window.showWarningMessage(`Timber: ${message}`, practise);
    if (answer !== practise) return;
    const target =
      vscode.workspace.workspaceFolders === undefined
        ? vscode.ConfigurationTarget.Global
        : vscode.ConfigurationTarget.Workspace;
    await vscode.workspace.getConfiguration('timber').update('environment', 'local', target);
    if (script !== undefined) await runs.run(script);
    return;
  }
  const how = 'How to Trade Now';
  const answer = await vscode.window.showWarningMessage(`Timber: ${message}`, how);
  if (answer === how)
    await vscode.window.showInformationMessage(
      'This local sandbox runs on the real clock, so it keeps real trading hours.',
      {
        modal: true,
        detail:
          'Stop it and let the editor start its own (on the session clock, which skips closed hours), ' +
          'or start it yourself with "tbm sandbox --clock session".',
      },
    );
}
