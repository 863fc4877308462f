/** A mistake in how a command was called: printed with the command's help, exit code 2. */
export class UsageError extends Error {}

export const exitCodes = { ok: 0, failure: 1, usage: 2 } as const;

export const mainHelp = `tbm: the Timber Studio command line

Usage: tbm <command> [options]

Commands:
  sandbox        serve the local Timber Bondmere sandbox
  keys create    create an API key on a running local sandbox

Run "tbm <command> --help" for a command's options.`;
