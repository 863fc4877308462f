// A new user's first minutes on a Saturday, driven through the real workbench (code-server in
// Chromium): the embedded sandbox's session clock has skipped to the next open, a strategy runs
// from the palette and another from its CodeLens, fills show in the run's terminal, the position
// in the Account view, and Shift+F5 stops the run. Screenshots go to the artifacts folder.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { buyingScript, codeServerReady, repo, studioWorkspace } from './studio-workspace';
import {
  clickCodeLens,
  openFile,
  openWorkbench,
  pickQuickItem,
  readTreeItems,
  runCommand,
  saveScreenshot,
  statusBarText,
  terminalText,
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

/** Buys, then holds its position until it is stopped. */
const holder = `${buyingScript([1000])}
process.on('SIGINT', () => { console.log('stopping: position kept'); process.exit(0); });
setInterval(() => {}, 1000);
`;

describe('the studio as a new user meets it', { skip: process.env.TIMBER_E2E_SKIP === '1' }, () => {
  let work: string;
  let workspace: string;

  before(async () => {
    await codeServerReady();
    ({ work, workspace } = studioWorkspace('timber-e2e-ui-', {
      'trader.mjs': buyingScript([1000, 2000]),
      'holder.mjs': holder,
      'strategy.json': JSON.stringify({ name: 'Two buys', symbols: ['EURUSD'] }),
    }));
  });

  after(() => {
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  test('on a Saturday: palette and CodeLens runs trade, fills in the terminal, the position in the Account view, Shift+F5 stops', async () => {
    const workbench = await openWorkbench({
      folder: workspace,
      extensionDevelopmentPath: repo,
      userSettings: {
        // A Saturday noon: forex is closed, and the session clock starts at Sunday's open.
        'timber.sandbox.marketStart': '2024-03-09T12:00:00Z',
        // The terminal's DOM renderer, whose text the test reads.
        'terminal.integrated.gpuAcceleration': 'off',
      },
    });
    const { page } = workbench;
    try {
      await runCommand(page, 'Timber: Run Strategy', 60_000);
      await pickQuickItem(page, 'trader.mjs');
      // The status bar says what the user trades against: the market's Sunday evening.
      const status = await until('the market time in the status bar', async () => {
        const text = await statusBarText(page, /Timber: local/);
        return /market Sun 2\d:\d\d UTC/.test(text) ? text : undefined;
      });
      assert.match(status, /^\S* ?Timber: local · market Sun 2\d:\d\d UTC/);
      const output = await until('the fills in the run terminal', async () => {
        const text = await terminalText(page);
        return (text.match(/^fill {2}.* buy \d+ EURUSD @/gm) ?? []).length === 2 ? text : undefined;
      });
      assert.match(output, /bought 1000 EURUSD: 201/);
      await runCommand(page, 'View: Show Timber Studio');
      await until('the finished run in the Runs view', async () => {
        const items = await readTreeItems(page, 'Runs');
        return items.includes('trader.mjs') ? items : undefined;
      });

      await openFile(page, 'holder.mjs');
      await clickCodeLens(page, 'Run');
      await until('the holder fill in its terminal', async () => {
        const text = await terminalText(page);
        return /^run \S+-holder-\S+ started/m.test(text) &&
          /^fill {2}.* buy 1000 EURUSD @/m.test(text)
          ? text
          : undefined;
      });
      await runCommand(page, 'Timber: Refresh Account');
      const account = await until('the position in the Account view', async () => {
        const items = await readTreeItems(page, 'Account');
        return items.some((item) => /EURUSD \+4000/.test(item)) ? items : undefined;
      });
      assert.ok(
        account.some((item) => /^Positions \(1\)$/.test(item)),
        account.join(', '),
      );
      await saveScreenshot(page, 'studio-saturday-running');

      // Shift+F5 in the strategy's editor stops it, as it stops a debug session.
      await page.locator('.editor-group-container.active .monaco-editor').first().click();
      await page.keyboard.press('Shift+F5');
      const stopped = await until('the stopped run', async () => {
        const text = await terminalText(page);
        return /stopping: position kept/.test(text) && /^stopped: 1 orders, 1 fills/m.test(text)
          ? text
          : undefined;
      });
      assert.ok(stopped);
      await saveScreenshot(page, 'studio-saturday-stopped');
    } catch (error) {
      await saveScreenshot(page, 'studio-saturday-failure');
      throw error;
    } finally {
      await workbench.close();
    }
  });
});
