// An LSP client for the tests: the language server as a real process, spoken to over stdio with
// vscode-languageserver's own JSON-RPC, and waits that resolve on the server's messages (never a
// fixed sleep).
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import type {
  Diagnostic,
  ProtocolConnection,
  PublishDiagnosticsParams,
} from 'vscode-languageserver/node';
import {
  createProtocolConnection,
  StreamMessageReader,
  StreamMessageWriter,
} from 'vscode-languageserver/node';

export interface LspProcess {
  child: ChildProcessWithoutNullStreams;
  connection: ProtocolConnection;
  stderr: () => string;
  /** The next diagnostics published for `uri` that satisfy `accept` (the latest, if they already do). */
  diagnostics(uri: string, accept?: (list: Diagnostic[]) => boolean): Promise<Diagnostic[]>;
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number | null>;
  /** The settings the server gets when it asks for `timber`. */
  settings: { lint: { enable: boolean } };
}

export function startLsp(command: string[], timeoutMs = 15_000): LspProcess {
  const child = spawn(process.execPath, command, { stdio: ['pipe', 'pipe', 'pipe'] });
  let errors = '';
  child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const connection = createProtocolConnection(
    new StreamMessageReader(child.stdout),
    new StreamMessageWriter(child.stdin),
  );
  const latest = new Map<string, Diagnostic[]>();
  const waiters: {
    uri: string;
    accept: (list: Diagnostic[]) => boolean;
    done: (list: Diagnostic[]) => void;
  }[] = [];
  const process_: LspProcess = {
    child,
    connection,
    stderr: () => errors,
    exited,
    settings: { lint: { enable: true } },
    diagnostics(uri, accept = () => true) {
      const known = latest.get(uri);
      if (known !== undefined && accept(known)) return Promise.resolve(known);
      return new Promise((done, fail) => {
        const timer = setTimeout(
          () =>
            fail(
              new Error(
                `no diagnostics as expected for ${uri} within ${timeoutMs} ms; last: ${JSON.stringify(latest.get(uri))}\n${errors}`,
              ),
            ),
          timeoutMs,
        );
        waiters.push({
          uri,
          accept,
          done: (list) => {
            clearTimeout(timer);
            done(list);
          },
        });
      });
    },
  };
  connection.onNotification(
    'textDocument/publishDiagnostics',
    (params: PublishDiagnosticsParams) => {
      latest.set(params.uri, params.diagnostics);
      for (const waiter of [...waiters]) {
        if (waiter.uri === params.uri && waiter.accept(params.diagnostics)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.done(params.diagnostics);
        }
      }
    },
  );
  connection.onRequest('workspace/configuration', () => [process_.settings]);
  connection.onRequest('client/registerCapability', () => null);
  connection.onNotification('window/logMessage', () => undefined);
  connection.listen();
  return process_;
}

/** Ends the process whatever state it is in: used by the tests' cleanup. */
export function killLsp(lsp: LspProcess): void {
  lsp.connection.dispose();
  if (lsp.child.exitCode === null && lsp.child.pid !== undefined) lsp.child.kill('SIGKILL');
}
