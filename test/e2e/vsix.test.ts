// The packaged extension, as users install it: the .vsix of `npm run package` (from the dist/
// that `npm test` built) installed into code-server's own extensions folder, its in-host suite
// (test/e2e/installed) run on a workspace holding a TypeScript strategy, offline. Code-server
// only: on desktop VS Code the in-host suites load the extension from source.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { packageVsix } from '../../scripts/vsix/package-vsix';
import { runExtensionTestsOnCodeServer } from './in-host';
import { bundleInHostSuites, codeServerReady, repo, studioWorkspace } from './studio-workspace';

const buyOnce = `import { Strategy, runStrategy } from '@timber-studio/sdk';
import type { StrategyContext, StrategyFill } from '@timber-studio/sdk';

class BuyOnce extends Strategy {
  override async onStart(ctx: StrategyContext): Promise<void> {
    const order = await ctx.buy('EURUSD', 1000);
    ctx.log(\`bought: \${order.status}\`);
  }

  override onFill(fill: StrategyFill): void {
    console.log(\`filled \${fill.quantity} \${fill.symbol} at \${fill.price}\`);
  }
}

void runStrategy(new BuyOnce());
`;

describe('the .vsix installed in VS Code', { skip: process.env.TIMBER_E2E_SKIP === '1' }, () => {
  let work: string;
  let workspace: string;
  let vsix: string;
  let testsEntry: string;

  before(async () => {
    await codeServerReady();
    ({ work, workspace } = studioWorkspace('timber-e2e-vsix-', {
      'buy_once.ts': buyOnce,
      'which_sdk.py': 'import timber\nprint("timber from", timber.__file__)\n',
      'strategy.json': JSON.stringify({ name: 'Buy once', symbols: ['EURUSD'], interval: '1m' }),
    }));
    // dist/ as npm test built it: rebuilding here could change it under another running test.
    vsix = (await packageVsix(repo, { build: false, out: join(work, 'timber-studio.vsix') })).path;
    testsEntry = await bundleInHostSuites(
      join(import.meta.dirname, 'installed'),
      'e2e-installed-tests',
    );
  });

  after(() => {
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  test('the installed extension activates, runs a TypeScript strategy that trades, and Python', async () => {
    const result = await runExtensionTestsOnCodeServer({
      extensions: [vsix],
      extensionTestsPath: testsEntry,
      workspacePath: workspace,
      env: { TIMBER_E2E_REPO: repo },
      // A weekday market instant: the sandbox's market is open whatever day CI runs on.
      userSettings: { 'timber.sandbox.marketStart': '2024-03-06T12:00:00Z' },
      timeoutMs: 240_000,
    });
    const log = result.log.join('\n');
    assert.equal(result.exitCode, 0, log);
    assert.match(log, /3 passing/);
    for (const figure of log.match(/timber: .* ms/g) ?? []) console.log(figure);
  });
});
