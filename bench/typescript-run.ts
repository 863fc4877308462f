// `npm run bench -- typescript-run`: from asking to run a TypeScript strategy to its first line
// of output, with the runner's esbuild-wasm (what the packaged extension ships) against native
// esbuild with the same options as the baseline, both measured here. The script imports the Node
// SDK, so loading it is counted. Cold: the first bundle of a process, which starts esbuild-wasm's
// service (compiling the WebAssembly); warm: later runs, the service kept.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { build } from 'esbuild';
import {
  bundleTypeScript,
  stopTypeScriptBundler,
  typeScriptBuildOptions,
} from '../runner/bundle-typescript';
import type { BenchFigure } from './figures';
import { printFigure } from './figures';

const root = resolve(import.meta.dirname, '..');
const samples = 5;

const strategy = `import { Strategy } from '@timber-studio/sdk';
class Hello extends Strategy {}
const greeting: string = 'first line from ' + new Hello().constructor.name;
console.log(greeting);
`;

/** Runs a bundle and resolves when it prints its first line. */
function firstLine(file: string): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--enable-source-maps', file], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    createInterface({ input: child.stdout }).once('line', () => done());
    child.once('exit', (code) => (code === 0 ? undefined : fail(new Error(`exit ${code}`))));
  });
}

async function timed(run: () => Promise<void>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1];

export async function benchTypeScriptRun(): Promise<BenchFigure[]> {
  const work = mkdtempSync(join(tmpdir(), 'timber-bench-ts-'));
  const script = join(work, 'hello.ts');
  writeFileSync(script, strategy);
  const wasmRun = async () => {
    const bundle = await bundleTypeScript(script, root);
    try {
      await firstLine(bundle.file);
    } finally {
      bundle.cleanup();
    }
  };
  const nativeRun = async () => {
    const file = join(work, 'native.mjs');
    await build(typeScriptBuildOptions(script, file, root));
    await firstLine(file);
  };
  try {
    await stopTypeScriptBundler();
    const cold: number[] = [];
    const warm: number[] = [];
    for (let sample = 0; sample < samples; sample++) {
      cold.push(await timed(wasmRun));
      warm.push(await timed(wasmRun));
      await stopTypeScriptBundler();
    }
    await nativeRun(); // native esbuild's own service started before timing
    const native: number[] = [];
    for (let sample = 0; sample < samples; sample++) native.push(await timed(nativeRun));
    const baseline = median(native);
    const figures: BenchFigure[] = [
      {
        part: 'typescript-run',
        name: 'run to first line, native esbuild',
        value: baseline,
        unit: 'ms',
        note: `median of ${samples}`,
      },
      {
        part: 'typescript-run',
        name: 'run to first line, esbuild-wasm, cold',
        value: median(cold),
        unit: 'ms',
        ratio: median(cold) / baseline,
        baseline: 'native esbuild',
        note: `median of ${samples}, each in a fresh service`,
      },
      {
        part: 'typescript-run',
        name: 'run to first line, esbuild-wasm, warm',
        value: median(warm),
        unit: 'ms',
        ratio: median(warm) / baseline,
        baseline: 'native esbuild',
        note: `median of ${samples}`,
      },
    ];
    for (const figure of figures) printFigure(figure);
    return figures;
  } finally {
    await stopTypeScriptBundler();
    rmSync(work, { recursive: true, force: true });
  }
}
