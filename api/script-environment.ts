import { z } from 'zod';
import { startingBalance } from './admin';
import { InstrumentSymbol, Interval, Timestamp } from './common';

// The contract between whoever starts a strategy script (the runner, the extension, a user's own
// shell) and the SDK inside it: the TIMBER_* environment. One builder, one reader; the Python
// SDK reads the same variables and a test holds it to this module.

/** The limits every key and account has (API.md); the local sandbox enforces the same by default. */
export const apiRateLimits = { requestsPerSecondPerKey: 10_000, ordersPerSecondPerAccount: 100 };

export const runEnvironments = ['local', 'sandbox', 'live', 'backtest'] as const;
export const RunEnvironment = z.enum(runEnvironments);
export type RunEnvironment = z.infer<typeof RunEnvironment>;

/** What a backtest covers: `TIMBER_BACKTEST` of the in-process path, and a run record's range. */
export const BacktestRange = z
  .object({
    symbols: z.array(InstrumentSymbol).min(1, 'must name at least one symbol'),
    interval: Interval,
    from: Timestamp,
    to: Timestamp,
    balance: z.number().positive().default(startingBalance),
  })
  .refine((range) => range.from < range.to, { message: 'must be after from', path: ['to'] });
export type BacktestRange = z.infer<typeof BacktestRange>;

export const environmentVariables = {
  env: 'TIMBER_ENV',
  runId: 'TIMBER_RUN_ID',
  configPath: 'TIMBER_STRATEGY_CONFIG',
  baseUrl: 'TIMBER_BASE_URL',
  streamUrl: 'TIMBER_STREAM_URL',
  keyId: 'TIMBER_API_KEY_ID',
  secret: 'TIMBER_API_SECRET',
  backtest: 'TIMBER_BACKTEST',
  resultFile: 'TIMBER_RESULT_FILE',
} as const;

export interface ApiConnection {
  baseUrl: string;
  streamUrl: string;
  keyId: string;
  secret: string;
}

export interface ScriptEnvironment {
  env: RunEnvironment;
  runId: string | null;
  configPath: string | null;
  /** Where a live run or a replay-session backtest connects; null for an in-process backtest. */
  connection: ApiConnection | null;
  /** The Node SDK's in-process backtest: the range, and where it writes its report. */
  inProcess: { range: BacktestRange; resultFile: string | null } | null;
}

/**
 * The stream URL of a REST base URL: same host and path, ws(s) scheme, `/stream` appended (a
 * query or fragment is dropped). Written on the text, not through `URL`, so that the host and
 * port stay exactly as given, as the Python SDK keeps them.
 */
export function streamUrlFor(baseUrl: string): string {
  const parts = /^(https?):\/\/([^/?#]*)([^?#]*)/i.exec(baseUrl);
  if (parts === null) throw new Error(`not an http(s) URL: "${baseUrl}"`);
  const [, scheme, host, path] = parts;
  return `${scheme.toLowerCase() === 'https' ? 'wss' : 'ws'}://${host}${path.replace(/\/+$/, '')}/stream`;
}

/** The TIMBER_* variables for a script: the only place its secret is ever put. */
export function scriptEnvironmentVariables(spec: ScriptEnvironment): Record<string, string> {
  const names = environmentVariables;
  const variables: Record<string, string> = { [names.env]: spec.env };
  if (spec.runId !== null) variables[names.runId] = spec.runId;
  if (spec.configPath !== null) variables[names.configPath] = spec.configPath;
  if (spec.connection !== null) {
    variables[names.baseUrl] = spec.connection.baseUrl;
    variables[names.streamUrl] = spec.connection.streamUrl;
    variables[names.keyId] = spec.connection.keyId;
    variables[names.secret] = spec.connection.secret;
  }
  if (spec.inProcess !== null) {
    const { symbols, interval, from, to, balance } = spec.inProcess.range;
    variables[names.backtest] = JSON.stringify({ symbols, interval, from, to, balance });
    if (spec.inProcess.resultFile !== null) variables[names.resultFile] = spec.inProcess.resultFile;
  }
  return variables;
}

export type EnvironmentReading =
  { ok: true; environment: ScriptEnvironment } | { ok: false; problem: string };

/**
 * Reads the TIMBER_* variables. An empty variable counts as unset. A connection needs the base
 * URL, the key id and the secret together (a missing stream URL is derived from the base URL);
 * anything wrong is named with the variable it came from.
 */
export function readScriptEnvironment(
  variables: Readonly<Record<string, string | undefined>>,
): EnvironmentReading {
  const names = environmentVariables;
  const value = (name: string) => {
    const text = variables[name];
    return text === undefined || text === '' ? null : text;
  };
  const envText = value(names.env) ?? 'local';
  const env = RunEnvironment.safeParse(envText);
  if (!env.success)
    return fail(`${names.env} must be one of ${runEnvironments.join(', ')}; got "${envText}"`);
  const connection = readConnection(value);
  if (typeof connection === 'string') return fail(connection);
  let inProcess: ScriptEnvironment['inProcess'] = null;
  const backtestText = value(names.backtest);
  if (backtestText !== null) {
    const range = readBacktestRange(backtestText);
    if (typeof range === 'string') return fail(range);
    inProcess = { range, resultFile: value(names.resultFile) };
  }
  return {
    ok: true,
    environment: {
      env: env.data,
      runId: value(names.runId),
      configPath: value(names.configPath),
      connection,
      inProcess,
    },
  };
}

function fail(problem: string): EnvironmentReading {
  return { ok: false, problem };
}

function readConnection(value: (name: string) => string | null): ApiConnection | null | string {
  const names = environmentVariables;
  const required = [names.baseUrl, names.keyId, names.secret];
  const missing = required.filter((name) => value(name) === null);
  if (missing.length === required.length) return null;
  if (missing.length > 0)
    return (
      `${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not set; run the script ` +
      'with `tbm run` (or the extension), which sets the TIMBER_* environment, or set them yourself'
    );
  const baseUrl = value(names.baseUrl)!.replace(/\/+$/, '');
  if (!/^https?:\/\/[^/]/.test(baseUrl))
    return `${names.baseUrl} must start with http:// or https://, got "${baseUrl}"`;
  const streamUrl = value(names.streamUrl) ?? streamUrlFor(baseUrl);
  if (!/^wss?:\/\/[^/]/.test(streamUrl))
    return `${names.streamUrl} must start with ws:// or wss://, got "${streamUrl}"`;
  return { baseUrl, streamUrl, keyId: value(names.keyId)!, secret: value(names.secret)! };
}

function readBacktestRange(text: string): BacktestRange | string {
  const name = environmentVariables.backtest;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return `${name} is not JSON; expected {"symbols","interval","from","to","balance"}`;
  }
  const parsed = BacktestRange.safeParse(json);
  if (parsed.success) return parsed.data;
  return `${name}: ${parsed.error.issues
    .map((issue) => {
      const field = issue.path.join('.');
      return field === '' ? issue.message : `${field}: ${issue.message}`;
    })
    .join('; ')}`;
}
