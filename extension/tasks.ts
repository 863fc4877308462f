import { basename, dirname, extname, isAbsolute, join, relative } from 'node:path';
import * as vscode from 'vscode';
import type { RangeRequest } from '../runner/backtest-range';
import type { RunManager } from './runs/run-manager';
import { RunPty } from './runs/run-terminal';

/** Tasks of type `timber`: a run or a backtest of a strategy, as tasks.json may name them. */
export interface TimberTaskDefinition extends vscode.TaskDefinition {
  type: 'timber';
  /** The script, relative to the workspace folder or absolute. */
  script: string;
  kind?: 'run' | 'backtest';
  symbols?: string[];
  interval?: string;
  from?: string;
  to?: string;
}

export const taskType = 'timber';
/** The problem matcher (package.json) that reads a failed script's `error: file:line: message`. */
const problemMatcher = '$timber';
const scriptExtensions = new Set(['.py', '.ts', '.mts', '.js', '.mjs']);

/**
 * Offers a run and a backtest task for every strategy script of the workspace (a script beside
 * a strategy.json), and runs the `timber` tasks of tasks.json. Each task's terminal shows the
 * run as the Run command's does and ends with the script's exit code; a failed script's error
 * becomes a problem on its line.
 */
export class TimberTaskProvider implements vscode.TaskProvider {
  constructor(private readonly runs: RunManager) {}

  async provideTasks(): Promise<vscode.Task[]> {
    const tasks: vscode.Task[] = [];
    for (const script of await strategyScripts()) {
      const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(script));
      if (folder === undefined) continue;
      const path = relative(folder.uri.fsPath, script);
      for (const kind of ['run', 'backtest'] as const)
        tasks.push(this.task({ type: taskType, script: path, kind }, folder));
    }
    return tasks;
  }

  resolveTask(task: vscode.Task): vscode.Task | undefined {
    const definition = task.definition as TimberTaskDefinition;
    if (typeof definition.script !== 'string' || definition.script === '') return undefined;
    const folder =
      typeof task.scope === 'object' ? task.scope : vscode.workspace.workspaceFolders?.[0];
    if (folder === undefined) return undefined;
    return this.task(definition, folder, task.name);
  }

  private task(
    definition: TimberTaskDefinition,
    folder: vscode.WorkspaceFolder,
    name?: string,
  ): vscode.Task {
    const kind = definition.kind ?? 'run';
    const task = new vscode.Task(
      definition,
      folder,
      name ?? `${kind} ${definition.script}`,
      taskType,
      new vscode.CustomExecution((resolved) =>
        Promise.resolve(this.execute(resolved as TimberTaskDefinition, folder)),
      ),
      [problemMatcher],
    );
    task.group = kind === 'backtest' ? vscode.TaskGroup.Test : vscode.TaskGroup.Build;
    task.detail = `${kind === 'run' ? 'Run' : 'Backtest'} ${basename(definition.script)} with Timber Studio`;
    task.presentationOptions = { reveal: vscode.TaskRevealKind.Always, clear: true };
    return task;
  }

  private execute(definition: TimberTaskDefinition, folder: vscode.WorkspaceFolder): RunPty {
    const script = isAbsolute(definition.script)
      ? definition.script
      : join(folder.uri.fsPath, definition.script);
    const pty: RunPty = new RunPty(() => {
      const started =
        definition.kind === 'backtest'
          ? this.runs.backtest(script, rangeRequestOf(definition), pty)
          : this.runs.run(script, pty);
      started.catch((error: unknown) => {
        pty.note(`the task could not start: ${(error as Error).message}`);
        pty.finished(1);
      });
    }, true);
    return pty;
  }
}

function rangeRequestOf(definition: TimberTaskDefinition): RangeRequest {
  return {
    ...(definition.symbols !== undefined && { symbols: definition.symbols }),
    ...(definition.interval !== undefined && { interval: definition.interval }),
    ...(definition.from !== undefined && { from: definition.from }),
    ...(definition.to !== undefined && { to: definition.to }),
  };
}

/** Every script beside a strategy.json in the workspace. */
export async function strategyScripts(): Promise<string[]> {
  const configs = await vscode.workspace.findFiles('**/strategy.json', '**/node_modules/**', 200);
  const scripts: string[] = [];
  for (const config of configs) {
    const folder = vscode.Uri.file(dirname(config.fsPath));
    for (const [name, type] of await vscode.workspace.fs.readDirectory(folder))
      if (type === vscode.FileType.File && scriptExtensions.has(extname(name)))
        scripts.push(join(folder.fsPath, name));
  }
  return scripts.sort();
}
