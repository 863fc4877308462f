// The bundle's entry (dist/language-server.cjs): the server over the connection its command line
// names (--stdio, --node-ipc or --socket=N), as vscode-languageclient starts it.
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { startLanguageServer } from './server';

startLanguageServer(createConnection(ProposedFeatures.all));
