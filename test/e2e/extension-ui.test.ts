// A new user's first minutes, driven through the real workbench (code-server in Chromium): open
// the studio on a workspace, run a strategy from the palette, see its orders in the Runs view
// and its position in the Account view. Screenshots go to the artifacts folder.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { buyingScript, codeServerReady, repo, studioWorkspace } from './studio-workspace';
import {
  openWorkbench,
  pickQuickItem,
  readTreeItems,
  runCommand,
  saveScreenshot,
} from './workbench';

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
    await codeServerReady();
    ({ work, workspace } = studioWorkspace('timber-e2e-ui-', {
      'trader.mjs': buyingScript([1000, 2000]),
      'strategy.json': JSON.stringify({ name: 'Two buys', symbols: ['EURUSD'] }),
    }));
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
