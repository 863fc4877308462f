// What the extension's e2e tests share: code-server ready to run, a workspace as a user would
// have one (the SMA example, plus small scripts of the test's own in `trader/`), and in-host
// suites compiled for the extension host.
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { describeMissing, installCodeServer } from '../../scripts/code-server/install';
import { missingForRun } from './browser';

export const repo = resolve(import.meta.dirname, '../..');

/** Installs code-server into its cache if needed, and fails naming anything still missing. */
export async function codeServerReady(): Promise<void> {
  const install = await installCodeServer({ log: (line) => console.log(line) });
  const missing = missingForRun(install.dir);
  assert.equal(missing.length, 0, `The e2e tests cannot run:\n${describeMissing(missing)}`);
}

/** A script that buys these quantities of EURUSD at market over plain fetch with TIMBER_*. */
export function buyingScript(quantities: readonly number[]): string {
  return `
const base = process.env.TIMBER_BASE_URL;
const token = await (await fetch(base + '/oauth/token', {
  method: 'POST',
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify({ grant_type: 'client_credentials', client_id: process.env.TIMBER_API_KEY_ID, client_secret: process.env.TIMBER_API_SECRET }),
})).json();
const statuses = [];
for (const quantity of ${JSON.stringify(quantities)}) {
  const answer = await fetch(base + '/orders', {
    method: 'POST',
    headers: { Authorization: 'Bearer ' + token.access_token, 'Content-Type': 'application/json' },
    body: JSON.stringify({ symbol: 'EURUSD', action: 'buy', quantity, order_type: 'market', time_in_force: 'gtc' }),
  });
  console.log('bought ' + quantity + ' EURUSD: ' + answer.status);
  statuses.push(answer.status);
}
console.log('statuses ' + statuses.join(','));
`;
}

/** A temp folder holding `workspace/`: the SMA example and `trader/<name>` for each file given. */
export function studioWorkspace(prefix: string, trader: Record<string, string>) {
  const work = mkdtempSync(join(tmpdir(), prefix));
  const workspace = join(work, 'workspace');
  cpSync(join(repo, 'examples', 'sma-crossover'), join(workspace, 'sma-crossover'), {
    recursive: true,
  });
  mkdirSync(join(workspace, 'trader'));
  for (const [name, text] of Object.entries(trader))
    writeFileSync(join(workspace, 'trader', name), text);
  return { work, workspace };
}

/**
 * Compiles the in-host suites of `suites` (its `index.ts` and `*.suite.ts`) into `dist/<name>/`
 * of the repository, where their require('mocha') finds node_modules; answers the tests entry.
 */
export async function bundleInHostSuites(suites: string, name: string): Promise<string> {
  const outdir = join(repo, 'dist', name);
  rmSync(outdir, { recursive: true, force: true });
  await build({
    entryPoints: readdirSync(suites)
      .filter((file) => file === 'index.ts' || file.endsWith('.suite.ts'))
      .map((file) => join(suites, file)),
    outdir,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: 'inline',
    logLevel: 'warning',
    external: ['vscode', 'mocha'],
  });
  // The repository's package.json says "type": "module"; the extension host require()s these.
  writeFileSync(join(outdir, 'package.json'), '{ "type": "commonjs" }\n');
  return join(outdir, 'index.js');
}
