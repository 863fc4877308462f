import { parseArgs } from 'node:util';
import { environmentVariables } from '../api/script-environment';
import { defaultDataDir } from '../sandbox/service/data-dir';
import type { LiveConnection } from '../runner/connections';
import { hostedConnection, hostedUrls, localConnection } from '../runner/connections';
import { crashReport, exitCodeFor, exitCodesHelp, runExitCodes } from '../runner/format';
import { RunCancelled, scriptKind } from '../runner/launch';
import type { LocalSandbox } from '../runner/local-sandbox';
import { connectLocalSandbox } from '../runner/embedded-sandbox';
import { warmTypeScriptBundler } from '../runner/bundle-typescript';
import { studioRoot } from '../runner/project';
import { workspaceRunsDir } from '../runner/records';
import type { RunOutcome } from '../runner/run-script';
import { runScript } from '../runner/run-script';
import { findStrategyConfig } from '../runner/strategy-config';
import { printRunEvent, printTrading } from './run-output';
import { UsageError } from './usage';

export const runHelp = `Usage: tbm run <script> [options]

Runs a strategy script (.py, .js, .mjs or .ts) against the API, streams its output, and
records the run (script and config copies, orders, fills, P&L; never a secret) in the runs
folder. Ctrl-C stops the script: SIGINT, then SIGTERM, then SIGKILL.

Options:
  --env E          local (default): the sandbox running on --data-dir, or one started for the run,
                     with a fresh trade key on its default account;
                   sandbox: ${hostedUrls.sandbox.baseUrl}, live: ${hostedUrls.live.baseUrl}
                     (both with TIMBER_API_KEY_ID and TIMBER_API_SECRET from the environment)
  --confirm-live   required with --env live: the script trades real money
  --config F       the strategy config (default: strategy.json next to the script)
  --runs-dir D     where runs are recorded (default: ./.timber/runs)
  --data-dir D     the local sandbox's data folder (default: ${defaultDataDir()})
  --no-request-warning S
                   warn when a local run's script made no API request in S seconds (default: 15)
  --json           print the run record as JSON at the end (the script's output goes to stderr)
  --events         print the run's events as JSON lines on stdout as they happen (started,
                   line, order, fill, account, warning, finished), for tools and CI
  -h, --help       this help

${exitCodesHelp}`;

const environments = ['local', 'sandbox', 'live'] as const;
type LiveEnvironment = (typeof environments)[number];

export async function runCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      env: { type: 'string', default: 'local' },
      'confirm-live': { type: 'boolean', default: false },
      config: { type: 'string' },
      'runs-dir': { type: 'string' },
      'data-dir': { type: 'string' },
      'no-request-warning': { type: 'string', default: '15' },
      json: { type: 'boolean', default: false },
      events: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(runHelp);
    return runExitCodes.ok;
  }
  if (positionals.length !== 1)
    throw new UsageError(
      'expected one script, e.g. "tbm run examples/sma-crossover/sma-crossover.py"',
    );
  const env = values.env as LiveEnvironment;
  if (!environments.includes(env))
    throw new UsageError(`--env must be local, sandbox or live, got "${values.env}"`);
  if (env === 'live' && !values['confirm-live']) {
    console.error(
      'tbm run: --env live trades real money on the Timber Bondmere live API; add --confirm-live if that is what you mean.',
    );
    return runExitCodes.usage;
  }
  const quietSeconds = Number(values['no-request-warning']);
  if (!(quietSeconds > 0))
    throw new UsageError(
      `--no-request-warning must be a positive number of seconds, got "${values['no-request-warning']}"`,
    );
  if (values.json && values.events)
    throw new UsageError('--json and --events both use stdout; choose one');
  const script = positionals[0];
  const say = (line: string) => console.error(`[tbm] ${line}`);
  let sandbox: LocalSandbox | null = null;
  const abort = new AbortController();
  const onSignal = () => {
    say('stopping the script: SIGINT, then SIGTERM and SIGKILL if it does not end');
    abort.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let outcome: RunOutcome;
  try {
    // The bundler's first start overlaps the sandbox's.
    if (scriptKind(script) === 'typescript') warmTypeScriptBundler(studioRoot(import.meta.dirname));
    const config = findStrategyConfig(script, values.config);
    let connection: LiveConnection;
    if (env === 'local') {
      const dataDir = values['data-dir'] ?? defaultDataDir();
      sandbox = await connectLocalSandbox({ dataDir, log: (line) => say(line) });
      say(
        sandbox.embedded
          ? `started a local sandbox for this run on ${sandbox.url} (data: ${dataDir})`
          : `using the local sandbox running on ${sandbox.url}`,
      );
      connection = await localConnection(sandbox);
    } else {
      const keyId = process.env[environmentVariables.keyId];
      const secret = process.env[environmentVariables.secret];
      if (!keyId || !secret) {
        console.error(
          `tbm run: --env ${env} needs ${environmentVariables.keyId} and ${environmentVariables.secret} in the environment (a key of the ${env} API).`,
        );
        return runExitCodes.environment;
      }
      connection = hostedConnection(env, { keyId, secret });
    }
    if (env === 'live') say('LIVE: this script trades real money on the live API');
    outcome = await runScript({
      script,
      config,
      runsDir: values['runs-dir'] ?? workspaceRunsDir(process.cwd()),
      cwd: process.cwd(),
      root: studioRoot(import.meta.dirname),
      connection,
      signal: abort.signal,
      noRequestWarningMs: quietSeconds * 1000,
      onEvent: (event) =>
        printRunEvent(event, values.events ? 'events' : values.json ? 'quiet-stdout' : 'text'),
    });
  } catch (error) {
    if (error instanceof UsageError) throw error;
    if (error instanceof RunCancelled) {
      say('stopped before the script started');
      return runExitCodes.ok;
    }
    console.error(`tbm run: ${(error as Error).message}`);
    return exitCodeFor(error);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await sandbox?.close();
  }
  return report(outcome, values.json, values.events);
}

async function report(outcome: RunOutcome, json: boolean, events: boolean): Promise<number> {
  const { record, exit, stderrTail } = outcome;
  if (json) console.log(JSON.stringify(record));
  else if (!events) await printTrading(outcome.dir, record);
  if (record.status === 'failed') {
    console.error(`tbm run: ${crashReport(exit, stderrTail)}`);
    return runExitCodes.scriptFailed;
  }
  return runExitCodes.ok;
}
