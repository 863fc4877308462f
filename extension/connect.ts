import { TimberClient } from '../sdk/node/src/client';
import * as vscode from 'vscode';
import type { LiveConnection } from '../runner/connections';
import { hostedConnection, localConnectionWith } from '../runner/connections';
import type { LocalSandbox } from '../runner/local-sandbox';
import { localSandboxAt } from '../runner/local-sandbox';
import { checkKey } from './keys/check-key';
import type { KeyEnvironment, KeyStore } from './keys/key-store';
import type { SandboxSupervisor } from './sandbox/supervisor';

export interface ConnectorOptions {
  keys: KeyStore;
  supervisor: SandboxSupervisor;
  dataDir: string;
  log: (line: string) => void;
  /** A key was made or replaced (views that list keys redraw). */
  keysChanged: () => void;
}

/** The environment runs go to (setting `timber.environment`). */
export function currentEnvironment(): KeyEnvironment {
  const chosen = vscode.workspace.getConfiguration('timber').get<string>('environment');
  return chosen === 'sandbox' || chosen === 'live' ? chosen : 'local';
}

/** Where a run connects, with which key: the embedded sandbox with its own key, or a hosted API. */
export class Connector {
  private client: { id: string; client: TimberClient } | undefined;

  constructor(private readonly options: ConnectorOptions) {}

  /** The embedded sandbox, started if it is not running. */
  async localSandbox(): Promise<LocalSandbox> {
    const url = await this.options.supervisor.start();
    return localSandboxAt({
      url,
      dataDir: this.options.dataDir,
      embedded: false,
      close: () => Promise.resolve(),
    });
  }

  /**
   * The current environment's connection for reading and managing the account (the Account
   * view): no confirmation, and the embedded sandbox is not started for it. Undefined when
   * there is nothing to show yet, with why.
   */
  async viewConnection(): Promise<{ connection?: LiveConnection; why?: string }> {
    const env = currentEnvironment();
    if (env === 'local') {
      if (this.options.supervisor.current.kind !== 'running')
        return { why: 'the local sandbox is not running' };
      return { connection: await this.local() };
    }
    const key = await this.options.keys.get(env);
    if (key === undefined) return { why: `no ${env} key yet` };
    return { connection: hostedConnection(env, { keyId: key.key_id, secret: key.secret }) };
  }

  async connect(): Promise<LiveConnection | undefined> {
    const env = currentEnvironment();
    if (env === 'local') return this.local();
    const key = await this.options.keys.get(env);
    if (key === undefined) {
      const add = 'Add API Key';
      const answer = await vscode.window.showWarningMessage(
        `Timber: there is no API key for the ${env === 'live' ? 'live API' : 'hosted sandbox'} yet.`,
        add,
      );
      if (answer === add) await vscode.commands.executeCommand('timber.keys.add', env);
      return undefined;
    }
    if (env === 'live') {
      if (key.scope !== 'trade') {
        void vscode.window.showErrorMessage(
          `Timber: the live key ${key.key_id} is read-only; a run on live needs a trade-scoped key.`,
        );
        return undefined;
      }
      const confirm = 'Trade Real Money';
      const answer = await vscode.window.showWarningMessage(
        'This run trades real money on the Timber Bondmere live API.',
        { modal: true, detail: `Key ${key.key_id}. Every order the script places is real.` },
        confirm,
      );
      if (answer !== confirm) return undefined;
    }
    return hostedConnection(env, { keyId: key.key_id, secret: key.secret });
  }

  /** A client of the embedded sandbox (started if need be) with the extension's local key. */
  async localClient(): Promise<TimberClient> {
    const connection = await this.local();
    const id = `${connection.baseUrl} ${connection.keyId}`;
    if (this.client?.id !== id)
      this.client = {
        id,
        client: new TimberClient({
          baseUrl: connection.baseUrl,
          keyId: connection.keyId,
          secret: connection.secret,
        }),
      };
    return this.client.client;
  }

  /** The embedded sandbox with the key the extension made on it, made again if it stopped working. */
  private async local(): Promise<LiveConnection> {
    const sandbox = await this.localSandbox();
    let key = await this.options.keys.get('local');
    const check =
      key === undefined ? undefined : await checkKey(sandbox.url, key.key_id, key.secret);
    if (key !== undefined && check?.ok === false) {
      // Revoked (tbm keys revoke), or a new data folder that never knew it.
      this.options.log(`the stored local key is refused (${check.problem}); making another`);
      key = undefined;
    }
    if (key === undefined) {
      const created = await sandbox.createKey('trade');
      key = {
        key_id: created.key_id,
        secret: created.secret,
        scope: 'trade',
        added_at: Date.now(),
      };
      await this.options.keys.put('local', key);
      this.options.keysChanged();
      this.options.log(
        `made the local trade key ${key.key_id} and stored it in the secret storage`,
      );
    }
    return localConnectionWith(sandbox, { keyId: key.key_id, secret: key.secret });
  }
}
