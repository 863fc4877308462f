// `npm run bench -- soak-python`: the Python SDK's fault soak, long. soak_flipper.py flips its
// position four times a second on a real `tbm sandbox` under 503s, 429s, latency, faults after
// commit (503s, resets, late answers) and stream drops; each order's reported outcome and the
// script's position are compared with the account. Every difference must be 0. Baseline, in the
// same run: the same strategy without faults, for the order throughput the faults cost.
// TBM_BENCH_SOAK_S changes the length (default 300 s; the baseline runs a tenth of it).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandboxProcess, stopAllSandboxes } from '../test/integration/harness';
import { stopAllPython } from '../test/integration/sdk-python-process';
import type { SoakCounts } from '../test/integration/sdk-python-soak';
import { describeCounts, runSoak, soakFaults } from '../test/integration/sdk-python-soak';
import type { BenchFigure } from './figures';
import { printFigure } from './figures';

const flipEveryMs = 250;

export async function benchSoakPython(): Promise<BenchFigure[]> {
  const seconds = Number(process.env.TBM_BENCH_SOAK_S ?? 300);
  console.log(`sdk/python: fault soak, ${seconds} s flipping every ${flipEveryMs} ms`);
  const folder = mkdtempSync(join(tmpdir(), 'tbm-bench-soak-python-'));
  try {
    const sandbox = await startSandboxProcess();
    const soak = await runSoak({ sandbox, folder, seconds, flipEveryMs, faults: soakFaults(22) });
    console.log(describeCounts(soak).replace(/^/gm, '    '));
    const baselineSeconds = Math.max(10, Math.round(seconds / 10));
    const baseline = await runSoak({
      sandbox,
      folder,
      seconds: baselineSeconds,
      flipEveryMs,
      faults: {},
    });
    const rate = soak.placed / seconds;
    const baselineRate = baseline.placed / baselineSeconds;
    const zero = (name: string, value: number, unit: string, note?: string): BenchFigure => ({
      part: 'soak-python',
      name,
      value,
      unit,
      target: { atMost: 0 },
      ...(note !== undefined && { note }),
    });
    const figures: BenchFigure[] = [
      {
        part: 'soak-python',
        name: 'orders placed under faults',
        value: rate,
        unit: 'orders/s',
        ratio: rate / baselineRate,
        baseline: 'the same strategy without faults',
        note: outcomes(soak),
      },
      {
        part: 'soak-python',
        name: '  baseline: without faults',
        value: baselineRate,
        unit: 'orders/s',
        note: outcomes(baseline),
      },
      zero('duplicates', soak.duplicates, 'orders', 'orders beyond one per intent'),
      zero('lost', soak.lost, 'orders', 'reported placed, not on the account'),
      zero('reported wrongly', soak.reportedWrongly, 'orders', 'said not placed, yet placed'),
      zero('client_order_ids given twice', soak.reusedIds, 'ids'),
      zero('position: account minus script', Math.abs(soak.positionDifference), 'units'),
      zero('position: account minus told', Math.abs(soak.toldDifference), 'units'),
    ];
    figures.forEach(printFigure);
    return figures;
  } finally {
    await stopAllPython();
    await stopAllSandboxes();
    rmSync(folder, { recursive: true, force: true });
  }
}

function outcomes(counts: SoakCounts): string {
  return (
    `${counts.intents} intents: ${counts.placed} placed, ${counts.skipped} skipped, ` +
    `${counts.refused} refused, ${counts.unknown} unknown; ${counts.retries} retries, ` +
    `${counts.lookups} lookups, breaker opened ${counts.breakerOpened}×, ` +
    `${counts.streamReconnects} stream reconnects`
  );
}
