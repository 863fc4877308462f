import type { AccountFill } from '../api/account';
import type { BacktestReport } from '../api/sessions';

/**
 * Daily returns are annualised with √252, the usual count of trading days in a year (forex
 * trades about 260 days; 252 keeps the figures comparable with other tools). Risk-free rate: 0.
 */
export const tradingDaysPerYear = 252;
const msPerYear = 365.25 * 24 * 3600_000;
const msPerDay = 24 * 3600_000;

export interface TradeStatistics {
  /** Closed trades: fills with non-zero realized P&L (a fill that reduces or closes a position). */
  trades: number;
  wins: number;
  losses: number;
  /** wins / trades; null without trades. */
  win_rate: number | null;
  /** Gross profit of winning trades ÷ gross loss of losing ones; null when nothing was lost. */
  profit_factor: number | null;
  /** Sum of the fills' realized P&L, before fees. */
  realized_pnl: number;
  fees: number;
}

export interface Statistics extends TradeStatistics {
  /** final equity ÷ starting balance − 1. */
  total_return: number;
  /** Compound annual growth rate over [from, to]; null for a span under a day. */
  cagr: number | null;
  /** From daily returns of the equity curve, × √252; null with under 2 days or no variance. */
  sharpe: number | null;
  /** Mean daily return ÷ downside deviation, × √252; null with under 2 days or no losing day. */
  sortino: number | null;
  max_drawdown: number;
  /** Share of bars at whose close a position was held. */
  exposure: number;
  orders: number;
  fills: number;
}

/**
 * A trade closes when a fill realizes P&L (its `realized_pnl` is not zero): the fill that
 * reduces, closes or reverses a position. Its result is that realized P&L, before fees (fees are
 * reported apart, since an opening fill's fee belongs to no single closing fill).
 */
export function tradeStatistics(fills: readonly AccountFill[]): TradeStatistics {
  const tally = new TradeTally();
  for (const fill of fills) tally.add(fill);
  return tally.statistics();
}

/** `tradeStatistics` one fill at a time, for fills read page by page (a day's run has millions). */
export class TradeTally {
  count = 0;
  private wins = 0;
  private losses = 0;
  private grossProfit = 0;
  private grossLoss = 0;
  private realized = 0;
  private fees = 0;

  add(fill: Pick<AccountFill, 'fee' | 'realized_pnl'>): void {
    this.count += 1;
    this.fees += fill.fee;
    this.realized += fill.realized_pnl;
    if (fill.realized_pnl > 0) {
      this.wins += 1;
      this.grossProfit += fill.realized_pnl;
    } else if (fill.realized_pnl < 0) {
      this.losses += 1;
      this.grossLoss -= fill.realized_pnl;
    }
  }

  statistics(): TradeStatistics {
    const trades = this.wins + this.losses;
    return {
      trades,
      wins: this.wins,
      losses: this.losses,
      win_rate: trades === 0 ? null : this.wins / trades,
      profit_factor: this.grossLoss === 0 ? null : this.grossProfit / this.grossLoss,
      realized_pnl: this.realized,
      fees: this.fees,
    };
  }
}

/**
 * Returns from one UTC day's closing equity to the next, starting from the starting balance.
 * The report samples each day's last bar and the final bar; a final bar in a day already
 * sampled replaces that day's sample.
 */
export function dailyReturns(
  report: Pick<BacktestReport, 'equity' | 'starting_balance'>,
): number[] {
  const byDay = new Map<number, number>();
  for (const [t, equity] of report.equity) byDay.set(Math.floor(t / msPerDay), equity);
  const closes = [...byDay].sort((a, b) => a[0] - b[0]).map(([, equity]) => equity);
  const returns: number[] = [];
  let previous = report.starting_balance;
  for (const equity of closes) {
    returns.push(previous === 0 ? 0 : equity / previous - 1);
    previous = equity;
  }
  return returns;
}

function mean(values: readonly number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

export function sharpeRatio(returns: readonly number[]): number | null {
  if (returns.length < 2) return null;
  const average = mean(returns);
  const variance =
    returns.reduce((sum, value) => sum + (value - average) ** 2, 0) / (returns.length - 1);
  if (variance <= 0) return null;
  return (average / Math.sqrt(variance)) * Math.sqrt(tradingDaysPerYear);
}

/** Downside deviation: √(Σ min(r, 0)² / n) over all n days, with a target return of 0. */
export function sortinoRatio(returns: readonly number[]): number | null {
  if (returns.length < 2) return null;
  const downside = returns.reduce((sum, value) => sum + Math.min(value, 0) ** 2, 0);
  if (downside <= 0) return null;
  return (mean(returns) / Math.sqrt(downside / returns.length)) * Math.sqrt(tradingDaysPerYear);
}

export function cagr(startingBalance: number, finalEquity: number, spanMs: number): number | null {
  if (spanMs < msPerDay || startingBalance <= 0 || finalEquity <= 0) return null;
  return (finalEquity / startingBalance) ** (msPerYear / spanMs) - 1;
}

export function backtestStatistics(report: BacktestReport): Statistics {
  const returns = dailyReturns(report);
  return {
    total_return: report.final_equity / report.starting_balance - 1,
    cagr: cagr(report.starting_balance, report.final_equity, report.to - report.from),
    sharpe: sharpeRatio(returns),
    sortino: sortinoRatio(returns),
    max_drawdown: report.max_drawdown,
    exposure: report.bars === 0 ? 0 : report.exposed_bars / report.bars,
    orders: report.orders.length,
    fills: report.fills.length,
    ...tradeStatistics(report.fills),
  };
}
