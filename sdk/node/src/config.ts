import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { Interval, Timestamp } from '../../../api/common';
import type { StrategyConfig } from '../../../api/strategy-config';
import {
  StrategyConfig as StrategyConfigSchema,
  strategyConfigFileName,
} from '../../../api/strategy-config';
import { ConfigError } from './errors';

/** Reads and validates a strategy config file; a `ConfigError` names the file and every bad field. */
export function loadStrategyConfig(path: string): StrategyConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read the strategy config ${path}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${path} is not valid JSON: ${(error as Error).message}`);
  }
  return parseStrategyConfig(json, path);
}

export function parseStrategyConfig(json: unknown, path: string): StrategyConfig {
  const parsed = StrategyConfigSchema.safeParse(json);
  if (parsed.success) return parsed.data;
  throw new ConfigError(`${path}: ${describeIssues(parsed.error)}`);
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const field = issue.path.join('.');
      if (issue.code === 'unrecognized_keys') {
        return issue.keys
          .map((key) => `${[field, key].filter(Boolean).join('.')} is not a recognised field`)
          .join('; ');
      }
      return field === '' ? issue.message : `${field}: ${issue.message}`;
    })
    .join('; ');
}

/** The config file a script uses: `TIMBER_STRATEGY_CONFIG`, else `strategy.json` next to it. */
export function strategyConfigPath(env: NodeJS.ProcessEnv, scriptPath: string | undefined): string {
  const named = env.TIMBER_STRATEGY_CONFIG;
  if (named !== undefined && named !== '') return resolve(named);
  const beside =
    scriptPath === undefined
      ? undefined
      : join(dirname(resolve(scriptPath)), strategyConfigFileName);
  if (beside !== undefined && existsSync(beside)) return beside;
  throw new ConfigError(
    `no strategy config: set TIMBER_STRATEGY_CONFIG to its path, or put a ${strategyConfigFileName} next to the script` +
      (beside === undefined ? '' : ` (looked for ${beside})`),
  );
}

/** `TIMBER_BACKTEST` of the in-process fast path. */
export const BacktestSpec = z
  .object({
    symbols: z.array(z.string()).min(1),
    interval: Interval,
    from: Timestamp,
    to: Timestamp,
    balance: z.number().positive().default(100_000),
  })
  .refine((spec) => spec.from < spec.to, { message: 'must be after from', path: ['to'] });
export type BacktestSpec = z.infer<typeof BacktestSpec>;

export function parseBacktestSpec(text: string): BacktestSpec {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ConfigError(
      'TIMBER_BACKTEST is not JSON; expected {"symbols","interval","from","to","balance"}',
    );
  }
  const parsed = BacktestSpec.safeParse(json);
  if (!parsed.success) throw new ConfigError(`TIMBER_BACKTEST: ${describeIssues(parsed.error)}`);
  return parsed.data;
}

export interface Connection {
  baseUrl: string;
  streamUrl: string;
  env: string;
  keyId: string;
  secret: string;
}

/** The connection of a live (or replay-session) run, from `TIMBER_*`; names what is missing. */
export function readConnection(env: NodeJS.ProcessEnv): Connection {
  const missing = ['TIMBER_BASE_URL', 'TIMBER_API_KEY_ID', 'TIMBER_API_SECRET'].filter(
    (name) => (env[name] ?? '') === '',
  );
  if (missing.length > 0) {
    throw new ConfigError(
      `${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not set; run the script with ` +
        '`tbm run` (or the extension), which sets the TIMBER_* environment, or set them yourself',
    );
  }
  const baseUrl = env.TIMBER_BASE_URL!.replace(/\/+$/, '');
  return {
    baseUrl,
    streamUrl: env.TIMBER_STREAM_URL || `${baseUrl.replace(/^http/, 'ws')}/stream`,
    env: env.TIMBER_ENV || 'local',
    keyId: env.TIMBER_API_KEY_ID!,
    secret: env.TIMBER_API_SECRET!,
  };
}
