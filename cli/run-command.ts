import { parseArgs } from 'node:util';
import { defaultDataDir } from '../sandbox/service/data-dir';
import { hostedUrls } from '../runner/environment';
import {
  crashReport,
  exitCodeFor,
  exitCodesHelp,
  fillLine,
  money,
  orderLine,
  runExitCodes,
} from '../runner/format';
import { scriptKind } from '../runner/launch';
import type { LocalSandbox } from '../runner/local-sandbox';
import { connectLocalSandbox } from '../runner/local-sandbox';
import { defaultRunsDir } from '../runner/records';
import type { LiveConnection, RunOutcome } from '../runner/run-script';
import { runScript } from '../runner/run-script';
import { findStrategyConfig } from '../runner/strategy-config';
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
    scriptKind(script);
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
      const key = await sandbox.createKey('trade');
      const local = sandbox;
      connection = {
        env,
        baseUrl: local.url,
        streamUrl: `${local.url.replace(/^http/, 'ws')}/stream`,
        keyId: key.key_id,
        secret: key.secret,
        apiNow: () => local.now(),
      };
    } else {
      const keyId = process.env.TIMBER_API_KEY_ID;
      const secret = process.env.TIMBER_API_SECRET;
      if (!keyId || !secret) {
        console.error(
          `tbm run: --env ${env} needs TIMBER_API_KEY_ID and TIMBER_API_SECRET in the environment (a key of the ${env} API).`,
        );
        return runExitCodes.environment;
      }
      connection = {
        env,
        ...hostedUrls[env],
        keyId,
        secret,
        apiNow: () => Promise.resolve(Date.now()),
      };
    }
    if (env === 'live') say('LIVE: this script trades real money on the live API');
    outcome = await runScript({
      script,
      config,
      runsDir: values['runs-dir'] ?? defaultRunsDir(),
      connection,
      signal: abort.signal,
      noRequestWarningMs: quietSeconds * 1000,
      onStart: (run) => say(`run ${run.id} started (pid ${run.pid}); recording in ${run.dir}`),
      onLine: (stream, text) => {
        if (stream === 'stdout' && !values.json) console.log(text);
        else console.error(text);
      },
      onWarning: (message) => say(`warning: ${message}`),
    });
  } catch (error) {
    if (error instanceof UsageError) throw error;
    console.error(`tbm run: ${(error as Error).message}`);
    return exitCodeFor(error);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await sandbox?.close();
  }
  return report(outcome, values.json);
}

function report(outcome: RunOutcome, json: boolean): number {
  const { record, exit, stderrTail } = outcome;
  if (json) console.log(JSON.stringify(record));
  else {
    for (const order of record.orders) console.error(`  order  ${orderLine(order)}`);
    for (const fill of record.fills) console.error(`  fill   ${fillLine(fill)}`);
    console.error(
      `[tbm] run ${record.id}: ${record.status}; ${record.orders.length} orders, ${record.fills.length} fills, ` +
        `realized P&L ${money(record.pnl?.realized)}, fees ${money(record.pnl?.fees)}, equity change ${money(record.pnl?.equity_change)}`,
    );
    console.error(`[tbm] recorded in ${outcome.dir}`);
  }
  if (record.status === 'failed') {
    console.error(`tbm run: ${crashReport(exit, stderrTail)}`);
    return runExitCodes.scriptFailed;
  }
  return runExitCodes.ok;
}
