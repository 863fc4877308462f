/** A mistake in how a command was called: printed with the command's help, exit code 2. */
export class UsageError extends Error {}

export const exitCodes = { ok: 0, failure: 1, usage: 2, environment: 3 } as const;

export const mainHelp = `tbm: the Timber Studio command line

Usage: tbm <command> [options]

Commands:
  sandbox        serve the local Timber Bondmere sandbox
  keys           create, list or revoke the API keys of a running local sandbox
  run            run a strategy script against the local sandbox, the hosted sandbox or live
  backtest       run a strategy script over past data and report its statistics
  runs           list recorded runs, or show one (runs show ID)
  lint           check order payloads and strategy configs, as the editor does
  lsp            serve the language server to an LSP editor (--stdio)

Run "tbm <command> --help" for a command's options.`;
