// The e2e harness proving itself on a fixture extension, against the real VS Code (code-server)
// in real Chromium: an in-host Mocha suite passes, one with a deliberate failure is reported as
// failed, and the workbench can be driven as a user would.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { describeMissing, installCodeServer } from '../../scripts/code-server/install';
import { descendantPids, isProcessAlive } from '../../scripts/code-server/processes';
import { missingForRun } from './browser';
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

  test('the workbench can be driven (palette, output, tree, webview, screenshot) and closed', async () => {
    const workbench = await openWorkbench({
      folder: workspace,
      extensionDevelopmentPath: fixture.extensionPath,
    });
    const { page } = workbench;
    let processes: number[];
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

      // A terminal starts the ptyHost, the child that outlives a plainly killed server.
      await runCommand(page, 'Terminal: Create New Terminal');
      processes = await waitForTerminalProcesses(workbench.server.pid);
    } catch (error) {
      await saveScreenshot(page, 'harness-fixture-failure');
      throw error;
    } finally {
      await workbench.close();
    }
    // Closing ended the server with its extension host, ptyHost and shell, and removed its files.
    assert.deepEqual(processes.filter(isProcessAlive), []);
    assert.equal(existsSync(workbench.server.root), false);
  });
});

/** The server's process tree, once it holds a ptyHost with a terminal's shell under it. */
async function waitForTerminalProcesses(serverPid: number): Promise<number[]> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const tree = [serverPid, ...descendantPids(serverPid)];
    const ptyHost = tree.find((pid) => commandLine(pid).includes('--type=ptyHost'));
    if (ptyHost !== undefined && descendantPids(ptyHost).length > 0) return tree;
    if (Date.now() > deadline) throw new Error(`no terminal's shell under ${serverPid} after 15 s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return ''; // gone
  }
}
