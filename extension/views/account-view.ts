import * as vscode from 'vscode';
import type { Account, Position } from '../../api/account';
import type { Order } from '../../api/orders';
import { money } from '../../runner/format';
import { TimberClient } from '../../sdk/node/src/client';
import type { Connector } from '../connect';

export type AccountItem =
  | { kind: 'note'; text: string; command?: vscode.Command }
  | { kind: 'summary'; account: Account }
  | { kind: 'figure'; label: string; value: string }
  | { kind: 'positions'; positions: Position[] }
  | { kind: 'position'; position: Position }
  | { kind: 'orders'; orders: Order[] }
  | { kind: 'order'; order: Order };

interface Snapshot {
  account: Account;
  orders: Order[];
}

/**
 * The account of the current environment: balance, equity and margin, positions, and the open
 * orders (a crashed or stopped script's among them) with cancel and cancel-all. Read when shown,
 * after every order or fill of a run, and every few seconds while visible.
 */
export class AccountView implements vscode.TreeDataProvider<AccountItem>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private snapshot: Snapshot | { why: string } = { why: 'not read yet' };
  private client: { key: string; client: TimberClient } | null = null;
  private reading: Promise<void> | null = null;

  constructor(private readonly connector: Connector) {}

  /** Reads the account again (coalesced: one read at a time) and redraws. */
  refresh(): Promise<void> {
    this.reading ??= this.read().finally(() => (this.reading = null));
    return this.reading;
  }

  /** The client for the current connection, kept while the connection stays the same. */
  async currentClient(): Promise<TimberClient | { why: string }> {
    const { connection, why } = await this.connector.viewConnection();
    if (connection === undefined) return { why: why ?? 'no connection' };
    const key = `${connection.baseUrl} ${connection.keyId}`;
    if (this.client?.key !== key)
      this.client = {
        key,
        client: new TimberClient({
          baseUrl: connection.baseUrl,
          keyId: connection.keyId,
          secret: connection.secret,
        }),
      };
    return this.client.client;
  }

  private async read(): Promise<void> {
    try {
      const client = await this.currentClient();
      if (!(client instanceof TimberClient)) this.snapshot = client;
      else {
        const [account, orders] = await Promise.all([client.account(), client.openOrders()]);
        this.snapshot = { account, orders };
      }
    } catch (error) {
      this.snapshot = { why: (error as Error).message };
    }
    this.changed.fire();
  }

  getChildren(element?: AccountItem): AccountItem[] {
    const snapshot = this.snapshot;
    if (element === undefined) {
      if ('why' in snapshot)
        return [
          {
            kind: 'note',
            text: snapshot.why,
            ...(/not running/.test(snapshot.why) && {
              command: { command: 'timber.sandbox.start', title: 'Start Local Sandbox' },
            }),
          },
        ];
      return [
        { kind: 'summary', account: snapshot.account },
        { kind: 'positions', positions: snapshot.account.positions },
        { kind: 'orders', orders: snapshot.orders },
      ];
    }
    switch (element.kind) {
      case 'summary': {
        const a = element.account;
        return [
          { kind: 'figure', label: 'balance', value: money(a.balance) },
          { kind: 'figure', label: 'equity', value: money(a.equity) },
          { kind: 'figure', label: 'margin used', value: money(a.margin_used) },
          { kind: 'figure', label: 'margin available', value: money(a.margin_available) },
          { kind: 'figure', label: 'unrealized P&L', value: money(a.unrealized_pnl) },
          { kind: 'figure', label: 'realized P&L', value: money(a.realized_pnl) },
        ];
      }
      case 'positions':
        return element.positions.map((position) => ({ kind: 'position', position }));
      case 'orders':
        return element.orders.map((order) => ({ kind: 'order', order }));
      default:
        return [];
    }
  }

  getTreeItem(element: AccountItem): vscode.TreeItem {
    const { Collapsed, Expanded, None } = vscode.TreeItemCollapsibleState;
    switch (element.kind) {
      case 'note': {
        const item = new vscode.TreeItem(element.text, None);
        if (element.command) item.command = element.command;
        item.iconPath = new vscode.ThemeIcon('info');
        return item;
      }
      case 'summary': {
        const item = new vscode.TreeItem(`Account ${element.account.account_id}`, Collapsed);
        item.description = `equity ${money(element.account.equity)} ${element.account.currency}`;
        item.iconPath = new vscode.ThemeIcon('account');
        return item;
      }
      case 'figure': {
        const item = new vscode.TreeItem(element.label, None);
        item.description = element.value;
        return item;
      }
      case 'positions': {
        const item = new vscode.TreeItem(
          `Positions (${element.positions.length})`,
          element.positions.length > 0 ? Expanded : None,
        );
        item.iconPath = new vscode.ThemeIcon('layers');
        return item;
      }
      case 'position': {
        const p = element.position;
        const item = new vscode.TreeItem(
          `${p.symbol} ${p.quantity > 0 ? '+' : ''}${p.quantity}`,
          None,
        );
        item.description = `@ ${p.avg_price} · now ${p.market_price} · P&L ${money(p.unrealized_pnl)}`;
        item.iconPath = new vscode.ThemeIcon(p.quantity > 0 ? 'arrow-up' : 'arrow-down');
        return item;
      }
      case 'orders': {
        const item = new vscode.TreeItem(
          `Open orders (${element.orders.length})`,
          element.orders.length > 0 ? Expanded : None,
        );
        item.iconPath = new vscode.ThemeIcon('list-unordered');
        item.contextValue = element.orders.length > 0 ? 'orders.open' : 'orders.none';
        return item;
      }
      case 'order': {
        const o = element.order;
        const price = o.limit_price === null ? '' : ` @ ${o.limit_price}`;
        const item = new vscode.TreeItem(
          `${o.action} ${o.quantity} ${o.symbol} ${o.order_type}${price}`,
          None,
        );
        item.description = `${o.status}${o.filled_quantity > 0 ? ` · ${o.filled_quantity} filled` : ''} · ${o.id}`;
        item.tooltip = `${o.id}${o.client_order_id ? ` (${o.client_order_id})` : ''}, placed ${new Date(o.created_at).toISOString()}`;
        item.contextValue = 'order.open';
        item.iconPath = new vscode.ThemeIcon('circle-large-outline');
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
