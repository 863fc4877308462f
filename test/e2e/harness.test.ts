// The e2e harness proving itself on a fixture extension, against the real VS Code (code-server)
// in real Chromium: an in-host Mocha suite passes, one with a deliberate failure is reported as
// failed, and the workbench can be driven as a user would.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { describeMissing, installCodeServer, missingForRun } from './code-server';
import { buildHelloExtension } from './fixtures/hello-extension/build';
import type { HelloExtensionBuild } from './fixtures/hello-extension/build';
import { runExtensionTests } from './in-host';
import {
  openWorkbench,
  readTreeItems,
  runCommand,
  saveScreenshot,
  waitForPanelText,
  webviewFrame,
} from './workbench';

describe('e2e harness', { skip: process.env.TIMBER_E2E_SKIP === '1' }, () => {
  let fixture: HelloExtensionBuild;
  let workspace: string;

  before(async () => {
    // Quick when .ci/run (or an earlier run) has filled the cache; about 2 minutes the first time.
    const install = await installCodeServer({ log: (line) => console.log(line) });
    const missing = missingForRun(install.dir);
    assert.equal(missing.length, 0, `The e2e tests cannot run:\n${describeMissing(missing)}`);
    fixture = await buildHelloExtension();
    workspace = mkdtempSync(join(tmpdir(), 'timber-e2e-workspace-'));
    writeFileSync(join(workspace, 'notes.txt'), 'a workspace for the fixture\n');
  });

  after(() => {
    if (workspace !== undefined) rmSync(workspace, { recursive: true, force: true });
  });

  test('an in-host Mocha suite that passes exits 0', async () => {
    const result = await runExtensionTests({
      extensionDevelopmentPath: fixture.extensionPath,
      extensionTestsPath: fixture.passingTestsEntry,
      workspacePath: workspace,
      env: { TIMBER_E2E_FIXTURE: 'hello' },
    });
    const log = result.log.join('\n');
    assert.equal(result.exitCode, 0, log);
    if (result.log.length > 0) assert.match(log, /3 passing/);
  });

  test('an in-host suite with a failing test exits 1 and names the test', async () => {
    const result = await runExtensionTests({
      extensionDevelopmentPath: fixture.extensionPath,
      extensionTestsPath: fixture.failingTestsEntry,
    });
    const log = result.log.join('\n');
    assert.equal(result.exitCode, 1, log);
    if (result.log.length > 0) {
      assert.match(log, /1 passing/);
      assert.match(log, /1 failing/);
      assert.match(log, /fails on purpose/);
    }
  });

  test('the workbench can be driven: palette, output, tree view, webview, screenshot', async () => {
    const workbench = await openWorkbench({
      folder: workspace,
      extensionDevelopmentPath: fixture.extensionPath,
    });
    const { page } = workbench;
    try {
      await runCommand(page, 'Timber Fixture: Say Hello');
      await waitForPanelText(page, 'Hello from the fixture: greeting 1, secret read back as 1');

      await runCommand(page, 'View: Show Explorer');
      assert.deepEqual(await readTreeItems(page, 'Greetings'), [
        'Good morning',
        'Good afternoon',
        'Good evening',
      ]);

      await runCommand(page, 'Timber Fixture: Show Greeting Panel');
      const heading = webviewFrame(page).locator('#greeting');
      assert.equal(await heading.innerText(), 'Hello from the webview');

      const screenshot = await saveScreenshot(page, 'harness-fixture');
      assert.ok(statSync(screenshot).size > 10_000, `${screenshot} looks empty`);
    } catch (error) {
      await saveScreenshot(page, 'harness-fixture-failure');
      throw error;
    } finally {
      await workbench.close();
    }
  });
});
