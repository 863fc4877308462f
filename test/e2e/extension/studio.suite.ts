import * as assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'mocha';
import * as vscode from 'vscode';
import { until } from './until';
import type { RunEvent } from '../../../api/run-events';
import type { TimberApi } from '../../../extension/extension';

// The extension inside the real VS Code (code-server here), on a workspace holding the SMA
// example and two small scripts; the embedded sandbox is a real child process.

const workspace = () => vscode.workspace.workspaceFolders![0].uri.fsPath;

describe('Timber Studio in the extension host', () => {
  let api: TimberApi;

  before(async () => {
    const extension = vscode.extensions.getExtension<TimberApi>('timber-studio.timber-studio');
    assert.ok(extension, 'the extension is not loaded');
    api = await extension.activate();
  });

  it('activates without doing work: figures for the record', () => {
    // A figure, not a limit: it is printed for the closing note and the benchmark log.
    console.log(
      `timber: activation took ${api.activationMs.toFixed(1)} ms, ${api.moduleLoadMs.toFixed(1)} ms of it loading modules`,
    );
    assert.ok(api.activationMs > 0);
    assert.equal(api.sandboxState().kind, 'stopped', 'activation must not start the sandbox');
  });

  it('registers its commands', async () => {
    const commands = await vscode.commands.getCommands(true);
    for (const id of [
      'timber.run',
      'timber.stop',
      'timber.backtest',
      'timber.sandbox.start',
      'timber.sandbox.stop',
      'timber.keys.add',
      'timber.keys.rotate',
      'timber.keys.remove',
      'timber.orders.cancelAll',
    ])
      assert.ok(commands.includes(id), `${id} is missing`);
  });

  it('starts the sandbox on demand and brings it back after it is killed', async () => {
    await vscode.commands.executeCommand('timber.sandbox.start');
    const first = await until('the sandbox', () => {
      const state = api.sandboxState();
      return state.kind === 'running' ? state : undefined;
    });
    assert.equal(first.attached, false);
    process.kill(first.pid, 'SIGKILL');
    const second = await until('the sandbox back', () => {
      const state = api.sandboxState();
      return state.kind === 'running' && state.pid !== first.pid ? state : undefined;
    });
    assert.match(second.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('runs a script that trades: orders and fills come as events and are recorded', async () => {
    const events: RunEvent[] = [];
    const clicked = performance.now();
    let firstLineMs: number | undefined;
    const listening = api.runs.onDidEvent((event) => {
      events.push(event);
      if (event.type === 'line') firstLineMs ??= performance.now() - clicked;
    });
    try {
      const outcome = await api.runs.run(join(workspace(), 'trader', 'trader.mjs'));
      console.log(`timber: run to first output line ${firstLineMs?.toFixed(0)} ms`);
      assert.ok(outcome, 'the run did not start');
      assert.equal(outcome.record.status, 'succeeded', outcome.stderrTail.join('\n'));
      assert.deepEqual([outcome.record.orders, outcome.record.fills], [2, 2]);
      const fills = events.filter((event) => event.type === 'fill');
      assert.equal(fills.length, 2);
      assert.ok(
        events.some((event) => event.type === 'line' && /statuses 201,201/.test(event.text)),
      );
      assert.ok(existsSync(join(outcome.dir, 'events.ndjson')));
      assert.ok(outcome.dir.startsWith(join(workspace(), '.timber', 'runs')), outcome.dir);
    } finally {
      listening.dispose();
    }
  });

  it('keeps the local key in the secret storage only', async () => {
    const key = await api.keys.get('local');
    assert.ok(key, 'no local key was stored');
    const runsDir = join(workspace(), '.timber', 'runs');
    for (const run of readdirSync(runsDir))
      for (const file of readdirSync(join(runsDir, run)))
        assert.ok(
          !readFileSync(join(runsDir, run, file), 'utf8').includes(key.secret),
          `${run}/${file} holds the secret`,
        );
    const settings = JSON.stringify(vscode.workspace.getConfiguration('timber'));
    assert.ok(!settings.includes(key.secret), 'the settings hold the secret');
  });

  it('stops a running script from the stop command', async () => {
    const running = api.runs.run(join(workspace(), 'trader', 'forever.mjs'));
    await until('the run to start', () => api.runs.running.find((run) => run.id !== null));
    await vscode.commands.executeCommand('timber.stop');
    const outcome = await running;
    assert.ok(outcome);
    assert.equal(outcome.record.status, 'stopped');
    assert.equal(outcome.exit.stoppedWith, 'SIGINT');
  });

  for (const [file, line] of [
    ['debug-me.ts', 2],
    ['debug-me.py', 3],
  ] as const) {
    it(`stops at a breakpoint in ${file} started with timber.debug`, async () => {
      const program = vscode.Uri.file(join(workspace(), 'trader', file));
      const breakpoint = new vscode.SourceBreakpoint(
        new vscode.Location(program, new vscode.Position(line, 0)),
      );
      let stoppedAt: unknown;
      let tracking: vscode.Disposable | undefined;
      const stopped = new Promise<void>((done) => {
        // The JavaScript debugger stops in a child session: every session is watched.
        tracking = vscode.debug.registerDebugAdapterTrackerFactory('*', {
          createDebugAdapterTracker: () => ({
            onDidSendMessage: (message: { type?: string; event?: string; body?: unknown }) => {
              if (message.type === 'event' && message.event === 'stopped') {
                stoppedAt = message.body;
                done();
              }
            },
          }),
        });
      });
      vscode.debug.addBreakpoints([breakpoint]);
      try {
        const started = await vscode.commands.executeCommand<boolean>('timber.debug', program);
        assert.equal(started, true, 'the debug session did not start');
        await Promise.race([
          stopped,
          new Promise((_, fail) =>
            setTimeout(() => fail(new Error(`no stop in ${file} within 45 s`)), 45_000),
          ),
        ]);
        assert.equal((stoppedAt as { reason?: string }).reason, 'breakpoint');
      } finally {
        tracking?.dispose();
        vscode.debug.removeBreakpoints([breakpoint]);
        await vscode.debug.stopDebugging();
      }
    });
  }

  it('backtests the TypeScript example over its strategy.json range', async () => {
    const outcome = await api.runs.backtest(join(workspace(), 'sma-crossover', 'sma_crossover.ts'));
    assert.ok(outcome?.report, 'no report');
    assert.ok(outcome.report.bars > 10_000, `only ${outcome.report.bars} bars`);
    assert.equal(outcome.record.status, 'succeeded');
    assert.ok(outcome.statistics !== null);
  });
});
