// `npm start` as a user meets it: the studio served by code-server on loopback with examples/
// open and the extension installed from its .vsix; the workbench shows the Timber views and the
// example with its Run lens; Ctrl-C (SIGINT to the terminal's process group) stops everything.
// The .vsix is packaged from the dist/ npm test built and passed with --vsix, so that this test
// never rebuilds dist/ under another one; the studio keeps its state in a temp folder.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';
import { packageVsix } from '../../scripts/vsix/package-vsix';
import { launchChromium } from './browser';
import { codeServerReady, repo } from './studio-workspace';
import { pickQuickItem, readTreeItems, runCommand, saveScreenshot } from './workbench';

/** Processes whose command line mentions `text` (read from /proc). */
function processesMentioning(text: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text);
      } catch {
        return false; // gone since the listing
      }
    })
    .map(Number);
}

/** Resolves with the URL `npm start` prints once the studio is ready. */
function readyUrl(child: ChildProcess, output: () => string): Promise<string> {
  return new Promise((done, fail) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      const match = /Timber Studio is ready: (\S+)/.exec(line);
      if (match?.[1] !== undefined) done(match[1]);
    });
    child.once('exit', (code) =>
      fail(new Error(`npm start exited (${code}) before it was ready:\n${output()}`)),
    );
  });
}

describe('npm start', { skip: process.env.TIMBER_E2E_SKIP === '1' }, () => {
  let work: string;
  let vsix: string;

  before(async () => {
    await codeServerReady();
    work = mkdtempSync(join(tmpdir(), 'timber-e2e-start-'));
    vsix = (await packageVsix(repo, { build: false, out: join(work, 'timber-studio.vsix') })).path;
  });

  after(() => {
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  test('serves the studio on loopback with examples/ open; Ctrl-C stops it all', async () => {
    const state = join(work, 'studio');
    // Its own process group, as a terminal gives a command: the Ctrl-C below reaches all of it.
    const npm = spawn('npm', ['start', '--', '--vsix', vsix], {
      cwd: repo,
      env: { ...process.env, TIMBER_STUDIO_DIR: state },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    npm.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    npm.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    // 'close': the studio, which shares npm's pipes, has ended too (npm itself may end first).
    const closed = new Promise<NodeJS.Signals | number | null>((done) =>
      npm.once('close', (code, signal) => done(signal ?? code)),
    );
    try {
      const url = new URL(await readyUrl(npm, () => output));
      assert.equal(url.hostname, '127.0.0.1');
      assert.equal(url.searchParams.get('folder'), join(repo, 'examples'));
      const chromium = await launchChromium();
      try {
        const page = await chromium.browser.newPage({ viewport: { width: 1280, height: 800 } });
        await page.goto(url.href);
        await page.locator('.monaco-workbench .part.statusbar').waitFor({ timeout: 60_000 });
        await page.keyboard.press('Control+P');
        await page.locator('.quick-input-widget input').fill('sma_crossover.ts');
        await pickQuickItem(page, 'sma_crossover.ts', 20_000);
        await runCommand(page, 'View: Show Timber Studio', 60_000);
        const environments = await readTreeItems(page, 'Environments', 30_000);
        assert.ok(
          environments.some((item) => /^sandbox: /.test(item)),
          environments.join(', '),
        );
        await page.locator('.codelens-decoration', { hasText: 'Run' }).first().waitFor();
        await saveScreenshot(page, 'studio-npm-start');
      } finally {
        await chromium.close();
      }
    } finally {
      process.kill(-npm.pid!, 'SIGINT');
    }
    // npm passes the Ctrl-C on and ends by it, as in a terminal; the studio ends cleanly.
    assert.ok([0, 'SIGINT'].includes((await closed) ?? -1), output);
    assert.match(output, /studio: stopped\n/);
    // Nothing it started is left: no process names the studio's state folder.
    assert.deepEqual(processesMentioning(state), []);
  });
});
