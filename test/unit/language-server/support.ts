// Documents and a market fixed in time for the language server's unit tests.
import assert from 'node:assert/strict';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { applyEdits, quickFixes } from '../../../language-server/service/code-actions';
import { diagnose } from '../../../language-server/service/diagnose';
import type { DiagnoseOptions } from '../../../language-server/service/diagnose';
import type { Finding } from '../../../language-server/service/findings';
import { offlineContext } from '../../../language-server/service/market-context';

/** A Wednesday noon: every forex pair trades, and EURUSD's quote is fixed (bid 1.1125, ask 1.11254). */
export const marketNow = Date.parse('2024-03-06T12:00:00Z');
export const context = offlineContext(marketNow);

let version = 0;

export function documentOf(text: string, name = 'orders.order.json', languageId = 'json') {
  return TextDocument.create(`file:///work/${name}`, languageId, ++version, text);
}

export function findingsOf(text: string, name?: string, options?: DiagnoseOptions): Finding[] {
  return diagnose(documentOf(text, name), context, options);
}

export function codesOf(text: string, name?: string, options?: DiagnoseOptions): string[] {
  return findingsOf(text, name, options).map((each) => each.code);
}

/** The text after the quick fix titled `title` of the only finding with `code`. */
export function afterFix(
  text: string,
  code: string,
  title: string | RegExp,
  name?: string,
): string {
  const document = documentOf(text, name);
  const findings = diagnose(document, context).filter((each) => each.code === code);
  assert.equal(findings.length, 1, `expected one ${code}, got ${JSON.stringify(findings)}`);
  const fixes = quickFixes(document, findings, findings[0].range);
  const fix = fixes.find((each) =>
    typeof title === 'string' ? each.title === title : title.test(each.title),
  );
  assert.ok(fix, `no fix "${String(title)}" among ${fixes.map((each) => each.title).join(', ')}`);
  return applyEdits(document, fix.edits);
}

/** The text of a finding's range. */
export function textAt(text: string, finding: Finding): string {
  const document = documentOf(text);
  return document.getText(finding.range);
}

export const validOrder = {
  symbol: 'EURUSD',
  action: 'buy',
  quantity: 10000,
  order_type: 'limit',
  limit_price: 1.1,
  stop_loss: 1.09,
  take_profit: 1.12,
  time_in_force: 'gtc',
};

export const pretty = (value: unknown) => JSON.stringify(value, null, 2);

/** One field of the JSON order in `text`. */
export function fieldOf(text: string, name: string): unknown {
  return (JSON.parse(text) as Record<string, unknown>)[name];
}
