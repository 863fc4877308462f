// The extension's in-host suites (test/e2e/extension/*.suite.ts), run inside the real VS Code
// (code-server here, desktop VS Code with TIMBER_E2E_VSCODE=desktop) on a workspace made for
// them: the SMA example and two small trading scripts.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runExtensionTests } from './in-host';
import {
  bundleInHostSuites,
  buyingScript,
  codeServerReady,
  repo,
  studioWorkspace,
} from './studio-workspace';

const forever = `
process.on('SIGINT', () => { console.log('stopping cleanly'); process.exit(0); });
setInterval(() => {}, 1000);
console.log('running until stopped');
`;

describe('the extension in VS Code', { skip: process.env.TIMBER_E2E_SKIP === '1' }, () => {
  let work: string;
  let workspace: string;
  let testsEntry: string;
  /** The describe() titles of the suites, read from their sources. */
  let suiteTitles: string[];

  before(async () => {
    await codeServerReady();
    ({ work, workspace } = studioWorkspace('timber-e2e-extension-', {
      'trader.mjs': buyingScript([1000, 1000]),
      'forever.mjs': forever,
      'debug-me.ts':
        'const values: number[] = [1, 2, 3];\nlet total = 0;\nfor (const value of values) total += value;\nconsole.log(`total ${total}`);\n',
      'debug-me.py':
        'values = [1, 2, 3]\ntotal = 0\nfor value in values:\n    total += value\nprint("total", total)\n',
    }));
    const suites = join(import.meta.dirname, 'extension');
    suiteTitles = readdirSync(suites)
      .filter((name) => name.endsWith('.suite.ts'))
      .flatMap((name) => {
        const title = /\bdescribe\('([^']+)'/.exec(readFileSync(join(suites, name), 'utf8'))?.[1];
        assert.ok(title, `${name} has no describe('...')`);
        return [title];
      });
    testsEntry = await bundleInHostSuites(suites, 'e2e-extension-tests');
  });

  after(() => {
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  test('the in-host suites pass', async () => {
    const result = await runExtensionTests({
      extensionDevelopmentPath: repo,
      extensionTestsPath: testsEntry,
      workspacePath: workspace,
      // A weekday market instant: the sandbox's market is open whatever day CI runs on.
      userSettings: { 'timber.sandbox.marketStart': '2024-03-06T12:00:00Z' },
      timeoutMs: 300_000,
    });
    const log = result.log.join('\n');
    assert.equal(result.exitCode, 0, log);
    // Every suite ran: each title is in the log, and nothing failed or was left pending.
    console.log(/\d+ passing.*/.exec(log)?.[0]);
    // (TIMBER_E2E_GREP runs some tests only, while one is worked on.)
    if (!process.env.TIMBER_E2E_GREP)
      for (const suite of suiteTitles)
        assert.ok(log.includes(suite), `suite "${suite}" did not run`);
    assert.match(log, /\d+ passing/);
    assert.doesNotMatch(log, /\d+ (failing|pending)/);
    for (const figure of log.match(/timber: .* ms/g) ?? []) console.log(figure);
  });
});
