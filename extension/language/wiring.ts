import { createRequire } from 'node:module';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { OrderRequest } from '../../api/orders';
import { sendOrderCommand } from '../../language-server/protocol';
import type { TimberClient } from '../../sdk/node/src/client';
import { currentEnvironment } from '../connect';
import type { LanguageClientHandle, startLanguageClient } from './client';

export interface LanguageServices {
  root: string;
  /** A client of the current environment, or why there is none. */
  currentClient(): Promise<TimberClient | { why: string }>;
  /** A client of the embedded sandbox, with its market clock; undefined while it is not running. */
  localMarket(): Promise<{ client: TimberClient; now: number } | undefined>;
  log(line: string): void;
}

/**
 * The language server, started once activation is over (its client is a bundle of its own), the
 * local sandbox's instruments and quotes given to it whenever the sandbox (re)starts, and the
 * "Send to sandbox" lens's command.
 */
export class LanguageFeatures implements vscode.Disposable {
  private client: Promise<LanguageClientHandle | undefined>;
  private readonly command: vscode.Disposable;

  constructor(private readonly services: LanguageServices) {
    this.client = new Promise((done) => setTimeout(() => done(this.start()), 0));
    this.command = vscode.commands.registerCommand(sendOrderCommand, (body?: string) =>
      this.send(body),
    );
  }

  private async start(): Promise<LanguageClientHandle | undefined> {
    try {
      // Loaded here, not at activation: vscode-languageclient is most of the client's weight.
      const loaded = createRequire(__filename)(
        join(this.services.root, 'dist', 'language-client.cjs'),
      ) as { startLanguageClient: typeof startLanguageClient };
      return await loaded.startLanguageClient(this.services.root);
    } catch (error) {
      this.services.log(`the language server did not start: ${(error as Error).message}`);
      return undefined;
    }
  }

  /** The sandbox runs: the server checks orders against its instruments and prices. */
  async sandboxReady(): Promise<void> {
    const market = await this.services.localMarket().catch(() => undefined);
    const client = await this.client;
    if (market === undefined || client === undefined) return;
    try {
      const instruments = await market.client.instruments();
      const { quotes } = await market.client.quotes(instruments.map((each) => each.symbol));
      await client.market({
        type: 'environment',
        source: 'the local sandbox',
        instruments,
        quotes,
        now: market.now,
      });
    } catch (error) {
      this.services.log(
        `the sandbox's market was not given to the language server: ${(error as Error).message}`,
      );
    }
  }

  /** Places the order of a payload file on the current environment and shows the API's answer. */
  private async send(body: string | undefined): Promise<void> {
    let order: unknown;
    try {
      order = JSON.parse(body ?? '');
    } catch {
      void vscode.window.showErrorMessage(
        'Timber: the order is not valid JSON; fix it, then send it.',
      );
      return;
    }
    const env = currentEnvironment();
    if (env === 'live') {
      const confirm = 'Place Real Order';
      const answer = await vscode.window.showWarningMessage(
        'This order goes to the Timber Bondmere live API.',
        { modal: true, detail: body ?? '' },
        confirm,
      );
      if (answer !== confirm) return;
    }
    const client = await this.services.currentClient();
    if (!('placeOrder' in client)) {
      void vscode.window.showWarningMessage(`Timber: ${client.why}`);
      return;
    }
    try {
      // The API says what is wrong with it; the client only sends it.
      const placed = await client.placeOrder(order as OrderRequest);
      void vscode.window.showInformationMessage(
        `Timber: ${env} answered: order ${placed.id} ${placed.status}` +
          (placed.avg_fill_price === null ? '' : `, filled at ${placed.avg_fill_price}`) +
          '.',
      );
    } catch (error) {
      void vscode.window.showErrorMessage(
        `Timber: ${env} refused the order: ${(error as Error).message}`,
      );
    }
  }

  dispose(): void {
    this.command.dispose();
    void this.client.then((client) => {
      client?.dispose();
    });
  }
}
