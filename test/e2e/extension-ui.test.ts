// A new user's first minutes, driven through the real workbench (code-server in Chromium): open
// the studio on a workspace, run a strategy from the palette, see its orders in the Runs view
// and its position in the Account view. Screenshots go to the artifacts folder.
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { describeMissing, installCodeServer, missingForRun } from './code-server';
import {
  openWorkbench,
  pickQuickItem,
  readTreeItems,
  runCommand,
  saveScreenshot,
} from './workbench';

const repo = resolve(import.meta.dirname, '../..');

const trader = `
const base = process.env.TIMBER_BASE_URL;
const token = await (await fetch(base + '/oauth/token', {
  method: 'POST',
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify({ grant_type: 'client_credentials', client_id: process.env.TIMBER_API_KEY_ID, client_secret: process.env.TIMBER_API_SECRET }),
})).json();
for (const quantity of [1000, 2000]) {
  const answer = await fetch(base + '/orders', {
    method: 'POST',
    headers: { Authorization: 'Bearer ' + token.access_token, 'Content-Type': 'application/json' },
    body: JSON.stringify({ symbol: 'EURUSD', action: 'buy', quantity, order_type: 'market', time_in_force: 'gtc' }),
  });
  console.log('bought ' + quantity + ' EURUSD: ' + answer.status);
}
`;

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 250));
  }
}

describe('the studio as a new user meets it', { skip: process.env.TIMBER_E2E_SKIP === '1' }, () => {
  let work: string;
  let workspace: string;

  before(async () => {
    const install = await installCodeServer({ log: (line) => console.log(line) });
    const missing = missingForRun(install.dir);
    assert.equal(missing.length, 0, `The e2e tests cannot run:\n${describeMissing(missing)}`);
    work = mkdtempSync(join(tmpdir(), 'timber-e2e-ui-'));
    workspace = join(work, 'workspace');
    cpSync(join(repo, 'examples', 'sma-crossover'), join(workspace, 'sma-crossover'), {
      recursive: true,
    });
    mkdirSync(join(workspace, 'trader'));
    writeFileSync(join(workspace, 'trader', 'trader.mjs'), trader);
    writeFileSync(
      join(workspace, 'trader', 'strategy.json'),
      JSON.stringify({ name: 'Two buys', symbols: ['EURUSD'] }),
    );
  });

  after(() => {
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  test('palette → Run Strategy → the run in the Runs view, the position in the Account view', async () => {
    const workbench = await openWorkbench({
      folder: workspace,
      extensionDevelopmentPath: repo,
      userSettings: { 'timber.sandbox.marketStart': '2024-03-06T12:00:00Z' },
    });
    const { page } = workbench;
    try {
      await runCommand(page, 'Timber: Run Strategy', 60_000);
      await pickQuickItem(page, 'trader.mjs');
      await runCommand(page, 'View: Show Timber Studio');
      const runs = await until('the finished run in the Runs view', async () => {
        const items = await readTreeItems(page, 'Runs');
        return items.includes('trader.mjs') ? items : undefined;
      });
      assert.ok(runs.includes('trader.mjs'), runs.join(', '));
      await runCommand(page, 'Timber: Refresh Account');
      const account = await until('the position in the Account view', async () => {
        const items = await readTreeItems(page, 'Account');
        return items.some((item) => /EURUSD \+3000/.test(item)) ? items : undefined;
      });
      assert.ok(
        account.some((item) => /^Positions \(1\)$/.test(item)),
        account.join(', '),
      );
      await saveScreenshot(page, 'studio-after-first-run');
    } catch (error) {
      await saveScreenshot(page, 'studio-after-first-run-failure');
      throw error;
    } finally {
      await workbench.close();
    }
  });
});
