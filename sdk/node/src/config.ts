import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { z } from 'zod';
import type {
  ApiConnection,
  BacktestRange,
  ScriptEnvironment,
} from '../../../api/script-environment';
import { environmentVariables, readScriptEnvironment } from '../../../api/script-environment';
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

/** The TIMBER_* environment, checked against the contract in `api/`; a `ConfigError` names what is wrong. */
export function readEnvironment(env: NodeJS.ProcessEnv): ScriptEnvironment {
  const reading = readScriptEnvironment(env);
  if (!reading.ok) throw new ConfigError(reading.problem);
  return reading.environment;
}

/** `TIMBER_BACKTEST` of the in-process fast path. */
export function parseBacktestSpec(text: string): BacktestRange {
  const { inProcess } = readEnvironment({ [environmentVariables.backtest]: text });
  return inProcess!.range;
}

export interface Connection extends ApiConnection {
  env: string;
}

/** The connection of a live (or replay-session) run, from `TIMBER_*`; names what is missing. */
export function readConnection(env: NodeJS.ProcessEnv): Connection {
  return connectionOf(readEnvironment(env));
}

export function connectionOf(environment: ScriptEnvironment): Connection {
  if (environment.connection === null) {
    const { baseUrl, keyId, secret } = environmentVariables;
    throw new ConfigError(
      `${baseUrl}, ${keyId}, ${secret} are not set; run the script with ` +
        '`tbm run` (or the extension), which sets the TIMBER_* environment, or set them yourself',
    );
  }
  return { ...environment.connection, env: environment.env };
}
