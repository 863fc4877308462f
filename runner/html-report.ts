import type { BacktestReport } from '../api/sessions';
import type { Statistics } from './statistics';

/** Fills listed in the page's table, at most. */
export const maxListedFills = 5_000;

/** A backtest as one self-contained HTML page: no scripts, no external assets. */
export function htmlReport(input: {
  title: string;
  report: BacktestReport;
  statistics: Statistics;
}): string {
  const { report, statistics } = input;
  const rows = statisticRows(statistics)
    .map(([name, value]) => `<tr><th>${escapeHtml(name)}</th><td>${escapeHtml(value)}</td></tr>`)
    .join('\n');
  // A five-year backtest may fill millions of times: the page lists the first of them.
  const listed = report.fills.slice(0, maxListedFills);
  const fills = listed
    .map(
      (fill) =>
        `<tr><td>${iso(fill.t)}</td><td>${escapeHtml(fill.symbol)}</td><td>${fill.action}</td>` +
        `<td class="n">${fill.quantity}</td><td class="n">${fill.price}</td>` +
        `<td class="n">${fill.fee.toFixed(2)}</td><td class="n ${fill.realized_pnl < 0 ? 'loss' : ''}">${fill.realized_pnl.toFixed(2)}</td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>${escapeHtml(input.title)}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:1em 0}th,td{padding:2px 10px;border-bottom:1px solid #ddd;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums}.loss{color:#b00}svg{background:#fafafa;border:1px solid #ddd}
</style></head><body>
<h1>${escapeHtml(input.title)}</h1>
<p>${escapeHtml(report.symbols.join(', '))} ${report.interval}, ${iso(report.from)} to ${iso(report.to)}, ${report.bars.toLocaleString('en-US')} bars, starting balance ${report.starting_balance.toLocaleString('en-US')} USD.</p>
<h2>Equity</h2>
${equitySvg(report.equity, report.starting_balance)}
<h2>Statistics</h2>
<table>${rows}</table>
<h2>Trades (${report.fills.length.toLocaleString('en-US')} fills${listed.length < report.fills.length ? `, the first ${listed.length.toLocaleString('en-US')} listed; report.json has them all` : ''})</h2>
<table><tr><th>time (UTC)</th><th>symbol</th><th>side</th><th>quantity</th><th>price</th><th>fee</th><th>realized P&amp;L</th></tr>
${fills}
</table>
</body></html>
`;
}

export function statisticRows(statistics: Statistics): [string, string][] {
  const percent = (value: number | null) =>
    value === null ? 'n/a' : `${(value * 100).toFixed(2)}%`;
  const ratio = (value: number | null) => (value === null ? 'n/a' : value.toFixed(2));
  return [
    ['Total return', percent(statistics.total_return)],
    ['CAGR', percent(statistics.cagr)],
    ['Sharpe (daily, ×√252)', ratio(statistics.sharpe)],
    ['Sortino (daily, ×√252)', ratio(statistics.sortino)],
    ['Max drawdown', percent(statistics.max_drawdown)],
    ['Trades (fills realizing P&L)', String(statistics.trades)],
    ['Win rate', percent(statistics.win_rate)],
    ['Profit factor', ratio(statistics.profit_factor)],
    ['Exposure', percent(statistics.exposure)],
    ['Realized P&L (before fees)', statistics.realized_pnl.toFixed(2)],
    ['Fees', statistics.fees.toFixed(2)],
    ['Orders / fills', `${statistics.orders} / ${statistics.fills}`],
  ];
}

function equitySvg(points: readonly (readonly [number, number])[], start: number): string {
  const width = 800;
  const height = 240;
  if (points.length === 0) return '<p>No equity samples.</p>';
  const times = points.map(([t]) => t);
  const values = [start, ...points.map(([, equity]) => equity)];
  const [t0, t1] = [Math.min(...times), Math.max(...times)];
  const [low, high] = [Math.min(...values), Math.max(...values)];
  const x = (t: number) => (t1 === t0 ? width / 2 : ((t - t0) / (t1 - t0)) * (width - 20) + 10);
  const y = (v: number) =>
    high === low ? height / 2 : height - 10 - ((v - low) / (high - low)) * (height - 20);
  const line = points.map(([t, v]) => `${x(t).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="equity curve">
<line x1="0" x2="${width}" y1="${y(start).toFixed(1)}" y2="${y(start).toFixed(1)}" stroke="#bbb" stroke-dasharray="4 4"/>
<polyline fill="none" stroke="#1565c0" stroke-width="1.5" points="${line}"/>
<text x="4" y="14" font-size="11">${high.toFixed(2)}</text><text x="4" y="${height - 2}" font-size="11">${low.toFixed(2)}</text>
</svg>`;
}

const iso = (t: number) => new Date(t).toISOString().replace('.000Z', 'Z');

export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (char) =>
      ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char] ?? char,
  );
}
