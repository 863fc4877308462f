import { execFile } from 'node:child_process';
import { basename, delimiter, dirname, extname } from 'node:path';
import * as vscode from 'vscode';
import { scriptEnvironmentVariables } from '../../api/script-environment';
import type { LiveConnection } from '../../runner/connections';
import { bundleTypeScript } from '../../runner/bundle-typescript';
import { sdkPaths } from '../../runner/project';
import { findStrategyConfig } from '../../runner/strategy-config';

// F5 on a strategy: debug type `timber`. Python runs under debugpy's own adapter (no
// marketplace extension needed); JavaScript and TypeScript (bundled with source maps) under
// VS Code's built-in JavaScript debugger. Either way the sandbox is started and the script gets
// the same TIMBER_* environment a run gives it.

export const debugType = 'timber';

export interface DebugServices {
  root: string;
  connect(): Promise<LiveConnection | undefined>;
  python(script: string): Promise<string | undefined>;
  log(line: string): void;
}

interface TimberDebugConfiguration extends vscode.DebugConfiguration {
  program?: string;
  /**
   * The script's TIMBER_* environment when the runner starts the session (a backtest under the
   * debugger): no connection is made here then.
   */
  timberEnv?: Record<string, string>;
  /** launch.json: debug a backtest of the program (over strategy.json's range) instead of a run. */
  backtest?: boolean;
  justMyCode?: boolean;
  console?: 'internalConsole' | 'integratedTerminal';
}

/** Whether `python -c "import debugpy"` works with this interpreter. */
function hasDebugpy(python: string): Promise<boolean> {
  return new Promise((done) =>
    execFile(python, ['-c', 'import debugpy'], { timeout: 15_000 }, (error) =>
      done(error === null),
    ),
  );
}

export class TimberDebugProvider
  implements vscode.DebugConfigurationProvider, vscode.DebugAdapterDescriptorFactory
{
  /** Interpreters of the Python sessions starting, by session name: the adapter runs under it. */
  private readonly interpreters = new Map<string, string>();
  private readonly cleanups = new Map<string, () => void>();

  constructor(private readonly services: DebugServices) {}

  /**
   * Everything is resolved here, before variables are substituted: a JavaScript or TypeScript
   * strategy becomes a configuration of the built-in JavaScript debugger, and VS Code activates
   * that debugger only for a type it learns in this first step. F5 with no launch.json debugs
   * the active script; `${file}` is the active script too.
   */
  async resolveDebugConfiguration(
    _folder: vscode.WorkspaceFolder | undefined,
    config: TimberDebugConfiguration,
  ): Promise<vscode.DebugConfiguration | undefined> {
    const active = vscode.window.activeTextEditor?.document.uri;
    const activePath = active?.scheme === 'file' ? active.fsPath : undefined;
    const named = config.program;
    const program = named === undefined || named.includes('${file}') ? activePath : named;
    if (program === undefined) {
      void vscode.window.showErrorMessage(
        'Timber: open a strategy script to debug, or set "program".',
      );
      return undefined;
    }
    if (config.backtest === true && config.timberEnv === undefined) {
      // The runner makes the replay session and the record, then starts the debugger itself.
      void vscode.commands.executeCommand('timber.backtest.debug', vscode.Uri.file(program));
      return undefined;
    }
    const env = config.timberEnv ?? (await this.liveEnvironment(program));
    if (env === undefined) return undefined;
    const { timberEnv: _given, backtest: _backtest, ...rest } = config;
    const withName = { ...rest, name: config.name ?? `Debug ${basename(program)}` };
    const cwd = dirname(program);
    const extension = extname(program).toLowerCase();
    if (extension === '.py') return this.python(withName, program, env, cwd);
    if (['.ts', '.mts', '.js', '.mjs'].includes(extension))
      return this.node(withName, program, env, cwd);
    void vscode.window.showErrorMessage(
      `Timber: cannot debug ${basename(program)}: .py, .js and .ts only.`,
    );
    return undefined;
  }

  /** The TIMBER_* environment of a run of `program` on the current environment. */
  private async liveEnvironment(program: string): Promise<Record<string, string> | undefined> {
    const connection = await this.services.connect();
    if (connection === undefined) return undefined;
    return scriptEnvironmentVariables({
      env: connection.env,
      runId: null,
      configPath: findStrategyConfig(program),
      connection: {
        baseUrl: connection.baseUrl,
        streamUrl: connection.streamUrl,
        keyId: connection.keyId,
        secret: connection.secret,
      },
      inProcess: null,
    });
  }

  private async python(
    config: TimberDebugConfiguration,
    program: string,
    env: Record<string, string>,
    cwd: string,
  ): Promise<vscode.DebugConfiguration | undefined> {
    const python = (await this.services.python(program)) ?? 'python3';
    if (!(await hasDebugpy(python))) {
      const install = 'Install debugpy';
      const answer = await vscode.window.showErrorMessage(
        `Timber: debugging Python needs debugpy, which ${python} does not have.`,
        install,
      );
      if (answer === install) {
        const terminal = vscode.window.createTerminal('Timber: install debugpy');
        terminal.show();
        terminal.sendText(`"${python}" -m pip install --user debugpy`);
      }
      return undefined;
    }
    const { python: sdk } = sdkPaths(this.services.root);
    const pythonPath = process.env.PYTHONPATH ? `${sdk}${delimiter}${process.env.PYTHONPATH}` : sdk;
    this.interpreters.set(config.name, python);
    // With the internal console the debuggee inherits the adapter's environment; the launch
    // env is set explicitly all the same, so an integrated terminal gets it too.
    return {
      ...config,
      type: debugType,
      request: 'launch',
      program,
      cwd,
      python,
      justMyCode: config.justMyCode ?? true,
      console: config.console ?? 'internalConsole',
      env: { ...env, PYTHONPATH: pythonPath, PYTHONUNBUFFERED: '1' },
    };
  }

  private async node(
    config: TimberDebugConfiguration,
    program: string,
    env: Record<string, string>,
    cwd: string,
  ): Promise<vscode.DebugConfiguration> {
    let runnable = program;
    if (/\.m?ts$/i.test(program)) {
      // The same bundle a run makes, with inline source maps: breakpoints stay in the .ts.
      const bundle = await bundleTypeScript(program, this.services.root);
      runnable = bundle.file;
      this.cleanups.set(config.name, bundle.cleanup);
    }
    return {
      name: config.name,
      type: 'pwa-node',
      request: 'launch',
      program: runnable,
      cwd,
      env,
      sourceMaps: true,
      // The bundle lives in a temp folder: the debugger reads its inline map from there.
      outFiles: [`${dirname(runnable)}/**/*.mjs`],
      resolveSourceMapLocations: [`${dirname(runnable)}/**`, '!**/node_modules/**'],
      skipFiles: ['<node_internals>/**'],
      console: 'internalConsole',
      outputCapture: 'std',
    };
  }

  createDebugAdapterDescriptor(session: vscode.DebugSession): vscode.DebugAdapterDescriptor {
    const python =
      (session.configuration.python as string | undefined) ??
      this.interpreters.get(session.name) ??
      'python3';
    this.interpreters.delete(session.name);
    return new vscode.DebugAdapterExecutable(python, ['-m', 'debugpy.adapter']);
  }

  /** A TypeScript session's bundle is removed when the session ends. */
  ended(session: vscode.DebugSession): void {
    this.cleanups.get(session.name)?.();
    this.cleanups.delete(session.name);
  }
}

/** Registers the `timber` debug type and F5 on strategy scripts. */
export function registerDebugging(services: DebugServices): vscode.Disposable[] {
  const provider = new TimberDebugProvider(services);
  return [
    vscode.debug.registerDebugConfigurationProvider(debugType, provider),
    vscode.debug.registerDebugConfigurationProvider(
      debugType,
      {
        provideDebugConfigurations: () => [
          { type: debugType, request: 'launch', name: 'Debug strategy', program: '${file}' },
        ],
      },
      vscode.DebugConfigurationProviderTriggerKind.Dynamic,
    ),
    vscode.debug.registerDebugAdapterDescriptorFactory(debugType, provider),
    vscode.debug.onDidTerminateDebugSession((session) => provider.ended(session)),
    vscode.commands.registerCommand('timber.debug', async (target?: vscode.Uri) => {
      const program = target?.fsPath ?? vscode.window.activeTextEditor?.document.uri.fsPath;
      if (program === undefined) {
        void vscode.window.showWarningMessage('Timber: open a strategy script to debug.');
        return false;
      }
      return vscode.debug.startDebugging(
        vscode.workspace.getWorkspaceFolder(vscode.Uri.file(program)),
        {
          type: debugType,
          request: 'launch',
          name: `Debug ${basename(program)}`,
          program,
        },
      );
    }),
  ];
}
