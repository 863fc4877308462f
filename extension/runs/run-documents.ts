import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import * as vscode from 'vscode';
import { BacktestReport } from '../../api/sessions';
import type { RunRecord } from '../../runner/record-schema';
import { comparisonMarkdown, compareRuns, readComparedRun } from '../../runner/compare-runs';
import { htmlReport } from '../../runner/html-report';
import { runFiles } from '../../runner/records';
import { backtestStatistics } from '../../runner/statistics';

// What the editor shows of recorded runs: two compared side by side, and a backtest's report.
// (The webview issue replaces both with live panels; these read the same files.)

export interface RecordedRun {
  record: RunRecord;
  dir: string;
}

const compareScheme = 'timber-compare';

/** Comparisons as read-only Markdown documents, shown in the Markdown preview. */
export class ComparisonDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly texts = new Map<string, string>();
  private readonly registration = vscode.workspace.registerTextDocumentContentProvider(
    compareScheme,
    this,
  );

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? '# This comparison is no longer open';
  }

  /** Compares two runs and opens the result; returns its Markdown (for tests). */
  async show(a: RecordedRun, b: RecordedRun): Promise<string> {
    const rows = compareRuns(
      await readComparedRun(a.record, a.dir),
      await readComparedRun(b.record, b.dir),
    );
    const text = comparisonMarkdown(rows);
    const uri = vscode.Uri.from({
      scheme: compareScheme,
      path: `/${a.record.id} vs ${b.record.id}.md`,
    });
    this.texts.set(uri.toString(), text);
    await vscode.commands.executeCommand('markdown.showPreview', uri);
    return text;
  }

  dispose(): void {
    this.registration.dispose();
  }
}

/**
 * A backtest's report page in a panel: the page the runner wrote, or one made from its
 * report.json for runs recorded before pages were. The page has no scripts; the panel runs none.
 */
export async function showReport(run: RecordedRun): Promise<vscode.WebviewPanel | undefined> {
  const page = await reportPage(run);
  if (page === undefined) {
    void vscode.window.showWarningMessage(
      `Timber: ${run.record.id} has no report (a backtest that did not finish writes none).`,
    );
    return undefined;
  }
  const panel = vscode.window.createWebviewPanel(
    'timber.report',
    `Report: ${basename(run.record.script)} (${run.record.id})`,
    vscode.ViewColumn.Active,
    { enableScripts: false, enableFindWidget: true },
  );
  panel.webview.html = page.replace(
    '<head>',
    `<head><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
  );
  return panel;
}

async function reportPage({ record, dir }: RecordedRun): Promise<string | undefined> {
  try {
    return await readFile(join(dir, runFiles.reportPage), 'utf8');
  } catch {
    try {
      const parsed = BacktestReport.safeParse(
        JSON.parse(await readFile(join(dir, runFiles.report), 'utf8')),
      );
      if (!parsed.success) return undefined;
      return htmlReport({
        title: `Backtest of ${basename(record.script)}`,
        report: parsed.data,
        statistics: backtestStatistics(parsed.data),
      });
    } catch {
      return undefined;
    }
  }
}
