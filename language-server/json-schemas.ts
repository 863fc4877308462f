// The JSON Schema of strategy configs, generated from the contract (api/strategy-config.ts) by
// the build into dist/strategy-config.schema.json, which package.json contributes to VS Code's
// JSON support (contributes.jsonValidation): one source for the runner, the SDKs and the editor.
import { z } from 'zod';
import { StrategyConfig } from '../api/strategy-config';

export const strategyConfigSchemaFile = 'strategy-config.schema.json';

type JsonSchema = Record<string, unknown>;

/** Draft 7, as VS Code's JSON support reads best; what a file may hold (the input side). */
export function strategyConfigJsonSchema(): JsonSchema {
  const schema = z.toJSONSchema(StrategyConfig, {
    target: 'draft-7',
    io: 'input',
    unrepresentable: 'any',
  }) as JsonSchema;
  return withMarkdownDescriptions({
    ...schema,
    title: 'Timber strategy config',
  });
}

/** VS Code renders `markdownDescription` (the backticks of the contract's descriptions). */
function withMarkdownDescriptions(node: JsonSchema): JsonSchema {
  const copy: JsonSchema = {};
  for (const [key, value] of Object.entries(node)) {
    copy[key] = Array.isArray(value)
      ? value.map((item: unknown) => (isObject(item) ? withMarkdownDescriptions(item) : item))
      : isObject(value)
        ? withMarkdownDescriptions(value)
        : value;
  }
  if (typeof node.description === 'string') copy.markdownDescription = node.description;
  return copy;
}

function isObject(value: unknown): value is JsonSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
