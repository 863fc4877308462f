import * as vscode from 'vscode';
import { describeKeyAge, keyAge, rotation } from '../keys/key-age';
import type { KeyEnvironment, KeyListing, KeyStore } from '../keys/key-store';
import { keyEnvironments } from '../keys/key-store';
import type { SandboxState } from '../sandbox/supervisor';
import { describeSandbox } from '../sandbox/supervisor';
import { currentEnvironment } from '../connect';
import type { SandboxClock } from '../../api/admin';
import { describeMarketTime, shortMarketTime } from '../sandbox/market-clock';

export type EnvironmentItem =
  | { kind: 'environment'; env: KeyEnvironment }
  | { kind: 'key'; key: KeyListing }
  | { kind: 'sandbox'; state: SandboxState }
  | { kind: 'no-key'; env: KeyEnvironment };

const titles: Record<KeyEnvironment, string> = {
  local: 'Local sandbox',
  sandbox: 'Hosted sandbox',
  live: 'Live',
};

/** Environments, the current one marked; under each its key (never its secret) and state. */
export class EnvironmentsView
  implements vscode.TreeDataProvider<EnvironmentItem>, vscode.Disposable
{
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(
    private readonly keys: KeyStore,
    private readonly sandboxState: () => SandboxState,
    /** The sandbox's market clock as last read (it may stand apart from the wall clock). */
    private readonly marketClock: () => SandboxClock | undefined = () => undefined,
  ) {}

  refresh(): void {
    this.changed.fire();
  }

  async getChildren(element?: EnvironmentItem): Promise<EnvironmentItem[]> {
    if (element === undefined) return keyEnvironments.map((env) => ({ kind: 'environment', env }));
    if (element.kind !== 'environment') return [];
    const key = (await this.keys.list()).find((listing) => listing.env === element.env);
    const children: EnvironmentItem[] = [];
    if (element.env === 'local') children.push({ kind: 'sandbox', state: this.sandboxState() });
    children.push(key === undefined ? { kind: 'no-key', env: element.env } : { kind: 'key', key });
    return children;
  }

  getTreeItem(element: EnvironmentItem): vscode.TreeItem {
    switch (element.kind) {
      case 'environment': {
        const current = element.env === currentEnvironment();
        const item = new vscode.TreeItem(
          titles[element.env],
          current
            ? vscode.TreeItemCollapsibleState.Expanded
            : vscode.TreeItemCollapsibleState.Collapsed,
        );
        item.description = current ? 'runs go here' : '';
        item.iconPath = new vscode.ThemeIcon(current ? 'circle-filled' : 'circle-outline');
        item.contextValue = 'environment';
        return item;
      }
      case 'sandbox': {
        const item = new vscode.TreeItem(`sandbox: ${describeSandbox(element.state)}`);
        // What the user trades against, when it is not their own time.
        const market =
          element.state.kind === 'running' ? describeMarketTime(this.marketClock()) : undefined;
        if (market !== undefined) {
          item.description = shortMarketTime(this.marketClock()) ?? '';
          item.tooltip = `The sandbox's ${market}`;
        }
        item.iconPath = new vscode.ThemeIcon(
          element.state.kind === 'running' ? 'vm-running' : 'vm-outline',
        );
        item.command = { command: 'timber.sandbox.showLog', title: 'Show Sandbox Log' };
        return item;
      }
      case 'key': {
        const { key } = element;
        const age = keyAge(key.added_at, Date.now());
        const item = new vscode.TreeItem(`key ${key.key_id}`);
        item.description = `${key.scope} · ${describeKeyAge(age)}`;
        item.tooltip =
          `The ${key.scope} key ${key.key_id}, stored ${new Date(key.added_at).toLocaleDateString()}; ` +
          `its secret is in this machine's secret storage only. Keys are rotated every ` +
          `${rotation.everyDays} days (a warning from day ${rotation.warnFromDays}): Rotate API Key ` +
          'makes or asks for the new key, checks and stores it, then revokes this one.';
        item.iconPath = new vscode.ThemeIcon(
          age.kind === 'fresh' ? 'key' : 'warning',
          age.kind === 'fresh'
            ? undefined
            : new vscode.ThemeColor('problemsWarningIcon.foreground'),
        );
        item.contextValue = 'key';
        return item;
      }
      case 'no-key': {
        const item = new vscode.TreeItem(
          element.env === 'local' ? 'key: made on the first run' : 'no key: add one',
        );
        item.iconPath = new vscode.ThemeIcon('key');
        if (element.env !== 'local')
          item.command = {
            command: 'timber.keys.add',
            title: 'Add API Key',
            arguments: [element.env],
          };
        return item;
      }
      default:
        return element satisfies never;
    }
  }

  dispose(): void {
    this.changed.dispose();
  }
}
