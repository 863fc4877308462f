// The language server's client: loaded apart from the extension's main bundle, after activation,
// so that activation stays light. Order payloads (`*.order.json`) and strategy configs are
// checked, completed and explained by `dist/language-server.cjs`, a child process over IPC.
import { join } from 'node:path';
import type * as vscode from 'vscode';
import type { LanguageClientOptions, ServerOptions } from 'vscode-languageclient/node';
import { LanguageClient, TransportKind } from 'vscode-languageclient/node';
import type { MarketParams } from '../../language-server/protocol';
import { marketNotification, settingsSection } from '../../language-server/protocol';

export interface LanguageClientHandle extends vscode.Disposable {
  /** Tells the server the active environment's instruments and quotes (or to use its own). */
  market(params: MarketParams): Promise<void>;
}

export async function startLanguageClient(root: string): Promise<LanguageClientHandle> {
  const module = join(root, 'dist', 'language-server.cjs');
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc },
    debug: { module, transport: TransportKind.ipc },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'json', pattern: '**/*.order.json' },
      { scheme: 'file', language: 'json', pattern: '**/strategy.json' },
      { scheme: 'file', language: 'json', pattern: '**/*.strategy.json' },
      // Orders written inline in strategy code: SDK calls, and literals posted to /orders.
      { scheme: 'file', language: 'python' },
      { scheme: 'file', language: 'typescript' },
      { scheme: 'file', language: 'javascript' },
    ],
    // VS Code reports JSON syntax errors and checks strategy.json against the contributed
    // schema itself: the server leaves both to it, so nothing is said twice.
    initializationOptions: { editorHandlesJson: true },
    synchronize: { configurationSection: settingsSection },
  };
  const client = new LanguageClient(
    'timber.languageServer',
    'Timber Language Server',
    serverOptions,
    clientOptions,
  );
  await client.start();
  return {
    market: (params) => client.sendNotification(marketNotification, params),
    dispose: () => void client.stop(),
  };
}
