import * as assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
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
});
