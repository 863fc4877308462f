// Strategy configs (`strategy.json`, `*.strategy.json`): the schema of api/strategy-config.ts,
// and what no schema can say: the symbols exist, fast below slow, risk limits that let an order
// through, a backtest range inside the five years of data, a script beside the file.
import type { Node } from 'jsonc-parser';
import { findNodeAtLocation, getNodeValue } from 'jsonc-parser';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { z } from 'zod';
import { StrategyConfig } from '../../api/strategy-config';
import type { Finding } from './findings';
import { finding, openingOf, orderedFindings } from './findings';
import type { JsonDocument } from './json-document';
import { nodeRange, parseJson } from './json-document';
import type { CheckContext } from './market-context';
import { nearestNames } from './nearest';
import { checkBacktestRange, checkParams, checkRisk, checkSymbols } from './strategy-rules';

export interface ConfigCheckOptions {
  /**
   * Report what the JSON Schema also says (types, ranges, unknown keys). Off where the editor
   * validates the file against the generated schema itself (VS Code's jsonValidation).
   */
  schema?: boolean;
  /** The names of the files in the config's folder, or undefined when unknown (no check then). */
  filesBeside?: (document: TextDocument) => readonly string[] | undefined;
}

export function checkStrategyConfig(
  document: TextDocument,
  context: CheckContext,
  options: ConfigCheckOptions = {},
): Finding[] {
  const json = parseJson(document);
  const { root } = json;
  if (root === undefined) return [];
  if (root.type !== 'object') {
    return [
      finding(
        'config_invalid',
        nodeRange(document, root),
        'a strategy config is a JSON object: {"name": ..., "symbols": [...]}',
      ),
    ];
  }
  const findings: Finding[] = [];
  const parsed = StrategyConfig.safeParse(getNodeValue(root));
  for (const issue of parsed.error?.issues ?? []) {
    const found = schemaFinding(json, root, issue, options.schema !== false);
    if (found !== undefined) findings.push(found);
  }
  findings.push(...checkSymbols(json, root, context));
  findings.push(...checkParams(json, root, context));
  findings.push(...checkRisk(json, root, context));
  findings.push(...checkBacktestRange(json, root, context));
  const beside = options.filesBeside?.(document);
  if (
    beside !== undefined &&
    !beside.some((name) => /\.(py|ts|mts|js|mjs)$/.test(name) && !name.endsWith('.d.ts'))
  ) {
    findings.push(
      finding(
        'script_missing',
        openingOf(nodeRange(document, root)),
        'no strategy script beside this config: the runner reads the config next to the script, so put the .py or .ts script in this folder',
        [],
        'warning',
      ),
    );
  }
  return orderedFindings(findings);
}

/** One issue of the schema where it applies; undefined when another check says it better. */
function schemaFinding(
  json: JsonDocument,
  root: Node,
  issue: z.core.$ZodIssue,
  schema: boolean,
): Finding | undefined {
  const { document } = json;
  const path = issue.path.filter((part) => typeof part !== 'symbol');
  const dotted = path.join('.');
  // A symbol's shape: checkSymbols says which instrument was meant instead.
  if (path[0] === 'symbols' && path.length === 2) return undefined;
  // Refinements (to after from, a date that does not exist) are beyond the JSON Schema.
  if (issue.code !== 'custom' && !schema) return undefined;
  if (issue.code === 'unrecognized_keys') {
    const parent = findNodeAtLocation(root, path) ?? root;
    const [key] = issue.keys;
    const property = parent.children?.find((child) => child.children?.[0]?.value === key);
    const keyNode = property?.children?.[0];
    const known = knownKeys(path);
    const [nearest] = nearestNames(key ?? '', known, 1);
    const where = dotted === '' ? 'a strategy config' : dotted;
    return finding(
      'config_invalid',
      keyNode !== undefined ? nodeRange(document, keyNode) : openingOf(nodeRange(document, parent)),
      `${key} is not a field of ${where}: ${nearest !== undefined ? `did you mean ${nearest}?` : `use one of ${known.join(', ')}`}`,
    );
  }
  const node = findNodeAtLocation(root, path);
  if (node === undefined) {
    const parent = findNodeAtLocation(root, path.slice(0, -1)) ?? root;
    return finding(
      'config_invalid',
      openingOf(nodeRange(document, parent)),
      `missing ${dotted}: add it (${issue.message})`,
    );
  }
  const message =
    issue.code === 'invalid_value'
      ? `must be one of ${issue.values.map((each) => JSON.stringify(each)).join(', ')}`
      : issue.message;
  return finding('config_invalid', nodeRange(document, node), `${dotted} ${message}`);
}

function knownKeys(path: readonly PropertyKey[]): string[] {
  const shape = StrategyConfig.shape;
  if (path.length === 0) return Object.keys(shape);
  if (path[0] === 'risk') return Object.keys(shape.risk.unwrap().shape);
  if (path[0] === 'backtest') return Object.keys(shape.backtest.unwrap().shape);
  return [];
}

/** Strategy configs, as the document is named. */
export function isStrategyConfigName(path: string): boolean {
  return /(^|[\\/])strategy\.json$/.test(path) || path.endsWith('.strategy.json');
}
