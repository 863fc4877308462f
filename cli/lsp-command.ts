import { parseArgs } from 'node:util';
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { startLanguageServer } from '../language-server/server';
import { UsageError } from './usage';

export const lspHelp = `Usage: tbm lsp --stdio | --node-ipc | --socket=PORT

Serves the Timber language server (order payloads, strategy configs) to any LSP editor: the same
server the VS Code extension starts. It runs until the editor sends shutdown and exit.

Options:
  --stdio          speak LSP on stdin/stdout
  --node-ipc       over a Node IPC channel (when started by vscode-languageclient)
  --socket=PORT    over a TCP socket the editor listens on
  -h, --help       this help`;

export function lspCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      stdio: { type: 'boolean', default: false },
      'node-ipc': { type: 'boolean', default: false },
      socket: { type: 'string' },
      // Passed by vscode-languageclient; vscode-languageserver reads it from the command line.
      clientProcessId: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(lspHelp);
    return Promise.resolve(0);
  }
  if (!values.stdio && !values['node-ipc'] && values.socket === undefined) {
    throw new UsageError(
      'say how the editor talks to the server: --stdio, --node-ipc or --socket=PORT',
    );
  }
  // vscode-languageserver reads the transport from process.argv, where these flags are.
  startLanguageServer(createConnection(ProposedFeatures.all));
  // The server ends the process itself on the editor's exit notification, or when its input ends.
  return new Promise<number>(() => undefined);
}
