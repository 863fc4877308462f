// A volatility breakout on 1-minute EURUSD: when a close moves more than k average ranges away
// from the previous close, enter in that direction with a stop loss `stop` ranges away and a take
// profit `target` ranges away. Twin of volatility_breakout.py: same orders on the same bars.
import type { StrategyCandle, StrategyContext } from '@timber-studio/sdk';
import { Strategy, runStrategy } from '@timber-studio/sdk';

export class VolatilityBreakout extends Strategy {
  /** The last lookback + 1 candles per symbol, oldest first. */
  private readonly recent = new Map<string, StrategyCandle[]>();

  override onCandle(candle: StrategyCandle, ctx: StrategyContext): void | Promise<void> {
    const lookback = Number(ctx.params.lookback);
    let candles = this.recent.get(candle.symbol);
    if (candles === undefined) {
      candles = [];
      this.recent.set(candle.symbol, candles);
    }
    candles.push(candle);
    if (candles.length > lookback + 1) candles.shift();
    if (candles.length < lookback + 1) return;
    // The average range of the lookback candles before this one, summed oldest to newest.
    let rangeSum = 0;
    for (let i = 0; i < lookback; i++) rangeSum += candles[i].h - candles[i].l;
    const range = rangeSum / lookback;
    if (range === 0) return;
    const previousClose = candles[lookback - 1].c;
    const symbol = candle.symbol;
    if (ctx.position(symbol) !== 0 || ctx.openOrders(symbol).length !== 0) return;
    const k = Number(ctx.params.k);
    const stop = Number(ctx.params.stop);
    const target = Number(ctx.params.target);
    const c = candle.c;
    if (c > previousClose + k * range) {
      return this.enter(ctx, 'buy', symbol, {
        stopLoss: ctx.roundToTick(symbol, c - stop * range),
        takeProfit: ctx.roundToTick(symbol, c + target * range),
      });
    }
    if (c < previousClose - k * range) {
      return this.enter(ctx, 'sell', symbol, {
        stopLoss: ctx.roundToTick(symbol, c + stop * range),
        takeProfit: ctx.roundToTick(symbol, c - target * range),
      });
    }
  }

  private async enter(
    ctx: StrategyContext,
    action: 'buy' | 'sell',
    symbol: string,
    exits: { stopLoss: number; takeProfit: number },
  ): Promise<void> {
    const quantity = Number(ctx.params.quantity);
    try {
      if (action === 'buy') await ctx.buy(symbol, quantity, exits);
      else await ctx.sell(symbol, quantity, exits);
    } catch (error) {
      ctx.log(`${action} ${quantity} ${symbol} failed: ${(error as Error).message}`);
    }
  }
}

void runStrategy(new VolatilityBreakout());
