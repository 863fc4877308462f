import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { StrategyConfig } from '../api/strategy-config';
import {
  StrategyConfig as StrategyConfigSchema,
  strategyConfigFileName,
} from '../api/strategy-config';
import { LaunchError } from './launch';

/** `--config` if given, else `strategy.json` next to the script if there is one. */
export function findStrategyConfig(script: string, explicit?: string): string | null {
  if (explicit !== undefined) {
    const path = resolve(explicit);
    if (!existsSync(path)) throw new LaunchError(`the strategy config ${path} does not exist`);
    return path;
  }
  const beside = join(dirname(resolve(script)), strategyConfigFileName);
  return existsSync(beside) ? beside : null;
}

/** Reads and validates a strategy config, naming every problem in words. */
export function readStrategyConfig(path: string): StrategyConfig {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new LaunchError(`cannot read the strategy config ${path}: ${(error as Error).message}`);
  }
  const parsed = StrategyConfigSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((issue) => `${issue.path.join('.') || '(file)'}: ${issue.message}`)
      .join('; ');
    throw new LaunchError(`the strategy config ${path} is not valid: ${problems}`);
  }
  return parsed.data;
}
