// What the extension's e2e tests share: code-server ready to run, and a workspace as a user
// would have one (the SMA example, plus small scripts of the test's own in `trader/`).
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describeMissing, installCodeServer, missingForRun } from './code-server';

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
