// `npm run bench -- sdk-node-soak`: the Node SDK's fault soak, long form. A strategy trades EURUSD
// every 300 ms through rounds of fault phases on its key (503s and 429s before commit, answers
// lost or cut after commit, latency past the breaker limit, all at once; its stream dropped every
// 2 s throughout), then what it was told is audited against what the account holds: intents,
// orders placed, duplicates, lost, reported wrongly, and the script's position against the
// account's. The last four must be 0. Baseline, in the same run: the same strategy with no
// faults, whose intents/s the faulted run's are compared with.
// TBM_BENCH_SOAK_S sets how long the faults last (default 300 s).
// Run alone with `npx tsx bench/sdk-node-soak.ts` (after `node scripts/build.mjs`).
import { pathToFileURL } from 'node:url';
import type { SoakCounts } from '../test/integration/fixtures/sdk-node-soak';
import { runSoak, soakPhases } from '../test/integration/fixtures/sdk-node-soak';
import { startSandboxProcess, stopAllSandboxes } from '../test/integration/harness';
import { cleanUpScripts } from '../test/integration/sdk-node-support';
import type { BenchFigure } from './figures';
import { printFigure } from './figures';

const part = 'sdk-node-soak';

export async function benchSdkNodeSoak(): Promise<BenchFigure[]> {
  const seconds = Number(process.env.TBM_BENCH_SOAK_S ?? 300);
  console.log(`sdk/node: fault soak, ${seconds} s of faults`);
  try {
    const sandbox = await startSandboxProcess();
    const calm = await runSoak({
      sandbox,
      phases: [{ name: 'no faults', faults: {} }],
      intentsPerPhase: 20,
      phaseCapMs: 30_000,
      minDurationMs: 20_000,
    });
    const faulted = await runSoak({
      sandbox,
      phases: soakPhases,
      intentsPerPhase: 40,
      phaseCapMs: 60_000,
      minDurationMs: seconds * 1000,
      progress: (line) => console.log(`  ${line}`),
    });
    const figures = report(faulted, calm);
    figures.forEach(printFigure);
    return figures;
  } finally {
    await cleanUpScripts();
    await stopAllSandboxes();
  }
}

function report(faulted: SoakCounts, calm: SoakCounts): BenchFigure[] {
  const rate = (counts: SoakCounts) => counts.intents / counts.seconds;
  const count = (name: string, value: number, note?: string, unit = 'orders'): BenchFigure => ({
    part,
    name,
    value,
    unit,
    ...(note !== undefined && { note }),
  });
  const mustBeZero = (name: string, value: number): BenchFigure => ({
    ...count(name, value),
    target: { atMost: 0 },
  });
  return [
    {
      part,
      name: 'intents under faults',
      value: rate(faulted),
      unit: 'intents/s',
      ratio: rate(faulted) / rate(calm),
      baseline: 'the same strategy with no faults',
      note: `${faulted.intents} intents in ${faulted.seconds.toFixed(0)} s`,
    },
    count('orders placed', faulted.placed, `${faulted.toldPlaced} told placed`),
    count(
      'orders skipped by the open breaker',
      faulted.skipped,
      `breaker opened ${faulted.breakerOpened} times`,
    ),
    count('orders told not placed', faulted.failed),
    count('orders of unknown outcome', faulted.unknown, `${faulted.unknownPlaced} of them placed`),
    count('retries', faulted.retries, 'of any request', 'requests'),
    count('orders looked up after their attempts', faulted.lookups),
    count('stream drops', faulted.streamDrops, 'each resumed by seq', 'drops'),
    mustBeZero('duplicates', faulted.duplicates),
    mustBeZero('lost (told placed, not there)', faulted.lost),
    mustBeZero('reported wrongly', faulted.reportedWrongly),
    {
      ...mustBeZero(
        'position difference, script vs account',
        Math.abs(faulted.positionScript - faulted.positionAccount),
      ),
      unit: 'units',
      note: `script ${faulted.positionScript}, account ${faulted.positionAccount}`,
    },
  ];
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await benchSdkNodeSoak();
}
