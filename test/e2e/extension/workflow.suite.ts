import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'mocha';
import * as vscode from 'vscode';
import type { TimberApi } from '../../../extension/extension';
import type { RunRecord } from '../../../runner/record-schema';
import { until } from './until';

// What a user does around runs, in the real VS Code: tasks with their problem matcher, a
// backtest over a range given to the command, two runs compared, a report opened.

const workspace = () => vscode.workspace.workspaceFolders![0].uri.fsPath;
const runsDir = () => join(workspace(), '.timber', 'runs');

function records(): { record: RunRecord; dir: string }[] {
  if (!existsSync(runsDir())) return [];
  return readdirSync(runsDir()).map((id) => ({
    record: JSON.parse(readFileSync(join(runsDir(), id, 'run.json'), 'utf8')) as RunRecord,
    dir: join(runsDir(), id),
  }));
}

describe('runs, tasks, backtests and comparisons', () => {
  let api: TimberApi;

  before(async () => {
    const extension = vscode.extensions.getExtension<TimberApi>('timber-studio.timber-studio');
    assert.ok(extension);
    api = await extension.activate();
  });

  it('offers a run and a backtest task per strategy script; a failed one puts its error on the line', async () => {
    const folder = join(workspace(), 'crasher');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'strategy.json'), '{ "name": "Crasher", "symbols": ["EURUSD"] }\n');
    const script = join(folder, 'crash.mjs');
    writeFileSync(
      script,
      "console.log('warming up');\nfunction onCandle() {\n  throw new RangeError('no candles yet');\n}\nonCandle();\n",
    );
    const tasks = await vscode.tasks.fetchTasks({ type: 'timber' });
    const names = tasks.map((task) => task.name);
    for (const name of [
      'run sma-crossover/sma_crossover.py',
      'backtest sma-crossover/sma_crossover.ts',
      'run crasher/crash.mjs',
    ])
      assert.ok(names.includes(name), `${name} is not among ${names.join(', ')}`);
    const task = tasks.find((each) => each.name === 'run crasher/crash.mjs')!;
    const ended = new Promise<number | undefined>((done) => {
      const listener = vscode.tasks.onDidEndTaskProcess((event) => {
        if (event.execution.task.name !== task.name) return;
        listener.dispose();
        done(event.exitCode);
      });
    });
    await vscode.tasks.executeTask(task);
    assert.equal(await ended, 1, 'the task ends with the failed script');
    const diagnostics = await until('the problem matcher', () => {
      const found = vscode.languages.getDiagnostics(vscode.Uri.file(script));
      return found.length > 0 ? found : undefined;
    });
    assert.equal(diagnostics[0].message, 'RangeError: no candles yet');
    assert.equal(diagnostics[0].range.start.line, 2, 'on the throw (line 3)');
    assert.equal(diagnostics[0].severity, vscode.DiagnosticSeverity.Error);
  });

  it('backtests over a range given to the command, then compares it with another and opens its report', async () => {
    const script = join(workspace(), 'sma-crossover', 'sma_crossover.ts');
    const before = new Set(records().map((run) => run.record.id));
    for (const interval of ['1h', '15m'])
      await vscode.commands.executeCommand('timber.backtest', vscode.Uri.file(script), {
        symbols: ['EURUSD'],
        interval,
        from: '2024-03-04',
        to: '2024-03-09',
      });
    const made = records().filter((run) => !before.has(run.record.id));
    assert.deepEqual(
      made.map((run) => run.record.backtest?.interval).sort(),
      ['15m', '1h'],
      'one backtest per interval',
    );
    for (const run of made) {
      assert.equal(run.record.status, 'succeeded');
      assert.deepEqual(run.record.backtest?.symbols, ['EURUSD']);
    }
    const [a, b] = made.map((run) => ({ kind: 'recorded' as const, ...run }));
    await vscode.commands.executeCommand('timber.runs.compare', a, [a, b]);
    const comparison = await until('the comparison document', () =>
      vscode.workspace.textDocuments.find((document) => document.uri.scheme === 'timber-compare'),
    );
    const text = comparison.getText();
    assert.match(text, new RegExp(`^# ${a.record.id} vs ${b.record.id}`));
    assert.match(text, /\| Interval \| (1h|15m) \| (1h|15m) \| differs \|/);
    assert.match(text, /\| Sharpe \|/);

    await vscode.commands.executeCommand('timber.runs.openReport', a);
    const tab = await until('the report panel', () =>
      vscode.window.tabGroups.all
        .flatMap((group) => group.tabs)
        .find(
          (each) =>
            each.input instanceof vscode.TabInputWebview &&
            each.input.viewType.endsWith('timber.report'),
        ),
    );
    assert.match(tab.label, /^Report: sma_crossover\.ts/);
    assert.ok(api.runs.running.length === 0, 'nothing still runs');
  });

  for (const [file, line] of [
    ['sma_crossover.py', 28],
    ['sma_crossover.ts', 27],
  ] as const)
    it(`debugs a backtest of ${file}: the session waits at a breakpoint, then finishes and is recorded`, async function () {
      this.timeout(180_000);
      const program = vscode.Uri.file(join(workspace(), 'sma-crossover', file));
      const breakpoint = new vscode.SourceBreakpoint(
        new vscode.Location(program, new vscode.Position(line, 0)),
      );
      const stops: { reason?: string; threadId?: number }[] = [];
      let stoppedSession: vscode.DebugSession | undefined;
      // The JavaScript debugger stops in a child session: every session is watched, and the one
      // that stopped is the one told to continue.
      const tracking = vscode.debug.registerDebugAdapterTrackerFactory('*', {
        createDebugAdapterTracker: (session) => ({
          onDidSendMessage: (message: {
            type?: string;
            event?: string;
            body?: { reason?: string; threadId?: number };
          }) => {
            if (message.type === 'event' && message.event === 'stopped') {
              stops.push(message.body ?? {});
              stoppedSession = session;
            }
          },
        }),
      });
      vscode.debug.addBreakpoints([breakpoint]);
      const before = new Set(records().map((run) => run.record.id));
      try {
        // The example's own interval: a replay session serves the one it was made with.
        const backtest = vscode.commands.executeCommand('timber.backtest.debug', program, {
          symbols: ['EURUSD'],
          interval: '1m',
          from: '2024-03-05T00:00:00Z',
          to: '2024-03-05T04:00:00Z',
        });
        await until('the breakpoint', () => (stops.length > 0 ? true : undefined), 90_000).catch(
          (error: unknown) => {
            // What the run said, to tell a script that never started from one that never stopped.
            throw new Error(
              `${(error as Error).message}; the run's terminal:\n${api.runs.terminalText().at(-1) ?? '(none)'}`,
            );
          },
        );
        assert.equal(stops[0].reason, 'breakpoint');
        // Paused: the replay waits for the script, so no bar goes by.
        await new Promise((done) => setTimeout(done, 1_500));
        assert.equal(stops.length, 1, 'the script ran on while paused');
        vscode.debug.removeBreakpoints([breakpoint]);
        await stoppedSession?.customRequest('continue', { threadId: stops[0].threadId ?? 0 });
        await backtest;
      } finally {
        tracking.dispose();
        vscode.debug.removeBreakpoints([breakpoint]);
      }
      const made = records().filter((run) => !before.has(run.record.id));
      assert.equal(made.length, 1);
      assert.equal(made[0].record.status, 'succeeded', JSON.stringify(made[0].record));
      assert.equal(made[0].record.backtest?.via, 'session');
      const report = JSON.parse(readFileSync(join(made[0].dir, 'report.json'), 'utf8')) as {
        bars: number;
      };
      assert.equal(report.bars, 240, 'every bar of the four hours was replayed');
    });
});
