// `npm run bench [-- part ...]`: runs every benchmark part, or the ones named, then prints one
// table of every figure with its target and pass/fail. Parts are imported only when they run,
// so a part whose file is missing (or broken) is reported and skipped, never a crash of the rest.
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BenchFigure } from './figures';
import { printSummary } from './figures';

interface Part {
  name: string;
  file: string;
  entry: string;
}

const parts: readonly Part[] = [
  { name: 'market', file: 'market.ts', entry: 'benchMarket' },
  { name: 'engine', file: 'engine.ts', entry: 'benchEngine' },
  { name: 'store', file: 'store.ts', entry: 'benchStore' },
  { name: 'http', file: 'http.ts', entry: 'benchHttp' },
  { name: 'snapshot-scale', file: 'snapshot-scale.ts', entry: 'benchSnapshotScale' },
  { name: 'stream', file: 'stream.ts', entry: 'benchStream' },
  { name: 'backtest', file: 'backtest.ts', entry: 'benchBacktest' },
  { name: 'backtest-python', file: 'backtest-python.ts', entry: 'benchBacktestPython' },
  { name: 'soak-python', file: 'soak-python.ts', entry: 'benchSoakPython' },
  { name: 'sdk-node-soak', file: 'sdk-node-soak.ts', entry: 'benchSdkNodeSoak' },
  { name: 'run-record', file: 'run-record.ts', entry: 'benchRunRecord' },
  { name: 'vsix', file: 'vsix.ts', entry: 'benchVsix' },
  { name: 'typescript-run', file: 'typescript-run.ts', entry: 'benchTypeScriptRun' },
  { name: 'language-server', file: 'language-server.ts', entry: 'benchLanguageServer' },
  { name: 'inline-payloads', file: 'inline-payloads.ts', entry: 'benchInlinePayloads' },
];

type PartOutcome = 'ran' | 'skipped' | 'failed';

/** A command line naming a part that does not exist: said in one line, no stack. */
class UsageError extends Error {}

function isFigure(value: unknown): value is BenchFigure {
  if (typeof value !== 'object' || value === null) return false;
  const figure = value as Record<string, unknown>;
  return (
    typeof figure.part === 'string' &&
    typeof figure.name === 'string' &&
    typeof figure.value === 'number' &&
    typeof figure.unit === 'string'
  );
}

async function runPart(part: Part, figures: BenchFigure[]): Promise<PartOutcome> {
  const url = new URL(`./${part.file}`, import.meta.url);
  if (!existsSync(fileURLToPath(url))) {
    console.log(`skipping ${part.name}: bench/${part.file} does not exist yet`);
    return 'skipped';
  }
  let module: unknown;
  try {
    module = await import(url.href);
  } catch (error) {
    console.log(`skipping ${part.name}: bench/${part.file} failed to load: ${describe(error)}`);
    return 'failed';
  }
  const entry = (module as Record<string, unknown>)[part.entry];
  if (typeof entry !== 'function') {
    console.log(`skipping ${part.name}: bench/${part.file} does not export ${part.entry}()`);
    return 'skipped';
  }
  const started = performance.now();
  try {
    const returned: unknown = await (entry as () => unknown)();
    if (Array.isArray(returned)) figures.push(...returned.filter(isFigure));
    else console.log(`(${part.name} printed its figures above; it returns none for the summary)`);
  } catch (error) {
    console.log(`${part.name} failed: ${describe(error)}`);
    return 'failed';
  }
  console.log(`${part.name} took ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return 'ran';
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

function chosenParts(names: readonly string[]): Part[] {
  if (names.length === 0) return [...parts];
  const unknown = names.filter((name) => !parts.some((part) => part.name === name));
  if (unknown.length > 0) {
    throw new UsageError(
      `unknown benchmark part ${unknown.map((name) => `"${name}"`).join(', ')}; ` +
        `choose from ${parts.map((part) => part.name).join(', ')}`,
    );
  }
  return parts.filter((part) => names.includes(part.name));
}

export async function runBenchmarks(names: readonly string[]): Promise<number> {
  const chosen = chosenParts(names);
  const load = () =>
    loadavg()
      .map((value) => value.toFixed(2))
      .join(' ');
  console.log(`node ${process.version}; load average at start: ${load()}`);
  const figures: BenchFigure[] = [];
  const outcomes = new Map<string, PartOutcome>();
  for (const part of chosen) {
    console.log(`\n== ${part.name} ==`);
    outcomes.set(part.name, await runPart(part, figures));
  }
  console.log(`\n== summary (load average at end: ${load()}) ==`);
  console.log([...outcomes].map(([name, outcome]) => `${name}: ${outcome}`).join(', ') + '\n');
  printSummary(figures);
  // A missed target is a finding, not an error; a part that crashed is.
  return [...outcomes.values()].includes('failed') ? 1 : 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    process.exitCode = await runBenchmarks(process.argv.slice(2));
  } catch (error) {
    console.error(error instanceof UsageError ? error.message : describe(error));
    process.exitCode = 2;
  }
}
