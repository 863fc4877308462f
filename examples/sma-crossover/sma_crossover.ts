// The 50/200 SMA crossover on 1-minute EURUSD: long `quantity` while the fast average of closes
// is above the slow one, short while below. Twin of sma_crossover.py: both must place the same
// orders on the same bars, so the running sums below do the same float operations in the same
// order as the Python version.
import type { StrategyCandle, StrategyContext } from '@timber-studio/sdk';
import { Strategy, runStrategy } from '@timber-studio/sdk';

class SymbolState {
  readonly closes: number[] = [];
  fastSum = 0;
  slowSum = 0;
  /** The last non-zero side (+1 fast above slow, -1 below); 0 until the first one. */
  side = 0;
}

export class SmaCrossover extends Strategy {
  private readonly state = new Map<string, SymbolState>();

  override onCandle(candle: StrategyCandle, ctx: StrategyContext): void | Promise<void> {
    const fast = Number(ctx.params.fast);
    const slow = Number(ctx.params.slow);
    let state = this.state.get(candle.symbol);
    if (state === undefined) {
      state = new SymbolState();
      this.state.set(candle.symbol, state);
    }
    const closes = state.closes;
    closes.push(candle.c);
    const count = closes.length;
    state.fastSum += candle.c;
    if (count > fast) state.fastSum -= closes[count - 1 - fast];
    state.slowSum += candle.c;
    if (count > slow) state.slowSum -= closes[count - 1 - slow];
    if (count < slow) return;
    const fastAverage = state.fastSum / fast;
    const slowAverage = state.slowSum / slow;
    const side = fastAverage > slowAverage ? 1 : fastAverage < slowAverage ? -1 : 0;
    if (side === 0 || side === state.side) return;
    const first = state.side === 0;
    state.side = side;
    // The first side seen only sets the starting point: a crossover is a change of side.
    if (first) return;
    return this.tradeTo(candle.symbol, side * Number(ctx.params.quantity), ctx);
  }

  /** One market order that takes the position to `target`. */
  private async tradeTo(symbol: string, target: number, ctx: StrategyContext): Promise<void> {
    const position = ctx.position(symbol);
    try {
      if (target > position) await ctx.buy(symbol, target - position);
      else if (target < position) await ctx.sell(symbol, position - target);
    } catch (error) {
      ctx.log(`order to reach ${target} ${symbol} failed: ${(error as Error).message}`);
    }
  }
}

void runStrategy(new SmaCrossover());
