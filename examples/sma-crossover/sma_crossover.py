"""The 50/200 SMA crossover on 1-minute EURUSD: long `quantity` while the fast average of closes
is above the slow one, short while below. Twin of sma_crossover.ts: both must place the same
orders on the same bars, so the running sums below do the same float operations in the same
order as the TypeScript version."""

import timber


class SymbolState:
    def __init__(self):
        self.closes = []
        self.fast_sum = 0.0
        self.slow_sum = 0.0
        # The last non-zero side (+1 fast above slow, -1 below); 0 until the first one.
        self.side = 0


class SmaCrossover(timber.Strategy):
    def __init__(self):
        self.state = {}

    def on_candle(self, candle, ctx):
        fast = ctx.params["fast"]
        slow = ctx.params["slow"]
        state = self.state.get(candle.symbol)
        if state is None:
            state = self.state[candle.symbol] = SymbolState()
        closes = state.closes
        closes.append(candle.c)
        count = len(closes)
        state.fast_sum += candle.c
        if count > fast:
            state.fast_sum -= closes[count - 1 - fast]
        state.slow_sum += candle.c
        if count > slow:
            state.slow_sum -= closes[count - 1 - slow]
        if count < slow:
            return
        fast_average = state.fast_sum / fast
        slow_average = state.slow_sum / slow
        side = 1 if fast_average > slow_average else -1 if fast_average < slow_average else 0
        if side == 0 or side == state.side:
            return
        first = state.side == 0
        state.side = side
        # The first side seen only sets the starting point: a crossover is a change of side.
        if first:
            return
        self.trade_to(candle.symbol, side * ctx.params["quantity"], ctx)

    def trade_to(self, symbol, target, ctx):
        """One market order that takes the position to `target`."""
        position = ctx.position(symbol)
        try:
            if target > position:
                ctx.buy(symbol, target - position)
            elif target < position:
                ctx.sell(symbol, position - target)
        except timber.TimberError as error:
            ctx.log(f"order to reach {target} {symbol} failed: {error}")


if __name__ == "__main__":
    timber.run(SmaCrossover())
