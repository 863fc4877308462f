#!/usr/bin/env node
import { backtestCommand } from './backtest-command';
import { keysCommand } from './keys-command';
import { lintCommand } from './lint-command';
import { lspCommand } from './lsp-command';
import { runCommand } from './run-command';
import { runsCommand } from './runs-command';
import { sandboxCommand } from './sandbox-command';
import { exitCodes, mainHelp, UsageError } from './usage';

const commands: Record<string, (args: string[]) => Promise<number>> = {
  sandbox: sandboxCommand,
  keys: keysCommand,
  run: runCommand,
  backtest: backtestCommand,
  runs: runsCommand,
  lint: lintCommand,
  lsp: lspCommand,
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(mainHelp);
    return name === undefined ? exitCodes.usage : exitCodes.ok;
  }
  const command = commands[name];
  if (!command) {
    console.error(`tbm: unknown command "${name}"\n\n${mainHelp}`);
    return exitCodes.usage;
  }
  try {
    return await command(rest);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const usage =
      error instanceof UsageError ||
      (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    console.error(
      `tbm ${name}: ${message}${usage ? `\nRun "tbm ${name} --help" for its options.` : ''}`,
    );
    return usage ? exitCodes.usage : exitCodes.failure;
  }
}

process.exitCode = await main(process.argv.slice(2));
