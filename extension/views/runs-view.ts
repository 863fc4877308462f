import { basename, join } from 'node:path';
import * as vscode from 'vscode';
import { money } from '../../runner/format';
import type { RunRecord } from '../../runner/record-schema';
import { runFiles, workspaceRunsDir } from '../../runner/records';
import { listRuns } from '../../runner/run-folder';
import type { ActiveRun, RunManager } from '../runs/run-manager';

export type RunItem =
  { kind: 'active'; run: ActiveRun } | { kind: 'recorded'; record: RunRecord; dir: string };

/** The Runs view: what runs now, then the recorded history of the workspace, newest first. */
export class RunsView implements vscode.TreeDataProvider<RunItem>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly runs: RunManager) {
    this.subscription = runs.onDidChange(() => this.refresh());
  }

  refresh(): void {
    this.changed.fire();
  }

  async getChildren(element?: RunItem): Promise<RunItem[]> {
    if (element !== undefined) return [];
    const active: RunItem[] = this.runs.running.map((run) => ({ kind: 'active', run }));
    const activeIds = new Set(this.runs.running.map((run) => run.id));
    const recorded = (await this.recorded()).filter((run) => !activeIds.has(run.record.id));
    return [...active, ...recorded];
  }

  /** The recorded runs of every workspace folder, newest first. */
  async recorded(): Promise<(RunItem & { kind: 'recorded' })[]> {
    const recorded: (RunItem & { kind: 'recorded' })[] = [];
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      const runsDir = workspaceRunsDir(folder.uri.fsPath);
      const { runs } = await listRuns(runsDir);
      for (const record of runs)
        recorded.push({ kind: 'recorded', record, dir: join(runsDir, record.id) });
    }
    return recorded.sort((a, b) => b.record.started_at - a.record.started_at);
  }

  getTreeItem(element: RunItem): vscode.TreeItem {
    if (element.kind === 'active') {
      const item = new vscode.TreeItem(basename(element.run.script));
      item.description = `${element.run.kind} · running`;
      item.iconPath = new vscode.ThemeIcon('sync~spin');
      item.contextValue = 'run.running';
      item.tooltip = element.run.id ?? 'starting';
      return item;
    }
    const { record, dir } = element;
    const item = new vscode.TreeItem(basename(record.script));
    const pnl = record.pnl?.equity_change;
    item.description = [
      record.kind,
      record.env,
      record.status,
      `${record.orders} orders`,
      pnl === null || pnl === undefined ? null : `P&L ${money(pnl)}`,
    ]
      .filter((part) => part !== null)
      .join(' · ');
    item.tooltip = new vscode.MarkdownString(
      `**${record.id}**\n\nstarted ${new Date(record.started_at).toISOString()}` +
        (record.warnings.length > 0
          ? `\n\n${record.warnings.map((w) => `- ${w}`).join('\n')}`
          : ''),
    );
    item.iconPath = new vscode.ThemeIcon(
      record.status === 'succeeded'
        ? 'pass'
        : record.status === 'failed'
          ? 'error'
          : record.status === 'stopped'
            ? 'debug-stop'
            : 'circle-outline',
    );
    item.contextValue =
      record.kind === 'backtest' && record.status === 'succeeded'
        ? 'run.finished.report'
        : 'run.finished';
    item.resourceUri = vscode.Uri.file(join(dir, runFiles.record));
    item.command = {
      command: 'timber.runs.openRecord',
      title: 'Open Run Record',
      arguments: [element],
    };
    return item;
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
