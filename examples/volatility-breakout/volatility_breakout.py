"""A volatility breakout on 1-minute EURUSD: when a close moves more than k average ranges away
from the previous close, enter in that direction with a stop loss `stop` ranges away and a take
profit `target` ranges away. Twin of volatility_breakout.ts: same orders on the same bars."""

import timber


class VolatilityBreakout(timber.Strategy):
    def __init__(self):
        # The last lookback + 1 candles per symbol, oldest first.
        self.recent = {}

    def on_candle(self, candle, ctx):
        lookback = int(ctx.params["lookback"])
        candles = self.recent.setdefault(candle.symbol, [])
        candles.append(candle)
        if len(candles) > lookback + 1:
            del candles[0]
        if len(candles) < lookback + 1:
            return
        # The average range of the lookback candles before this one, summed oldest to newest.
        range_sum = 0.0
        for i in range(lookback):
            range_sum += candles[i].h - candles[i].l
        average_range = range_sum / lookback
        if average_range == 0:
            return
        previous_close = candles[lookback - 1].c
        symbol = candle.symbol
        if ctx.position(symbol) != 0 or len(ctx.open_orders(symbol)) != 0:
            return
        k = ctx.params["k"]
        stop = ctx.params["stop"]
        target = ctx.params["target"]
        c = candle.c
        if c > previous_close + k * average_range:
            self.enter(
                ctx,
                "buy",
                symbol,
                stop_loss=ctx.round_to_tick(symbol, c - stop * average_range),
                take_profit=ctx.round_to_tick(symbol, c + target * average_range),
            )
        elif c < previous_close - k * average_range:
            self.enter(
                ctx,
                "sell",
                symbol,
                stop_loss=ctx.round_to_tick(symbol, c + stop * average_range),
                take_profit=ctx.round_to_tick(symbol, c - target * average_range),
            )

    def enter(self, ctx, action, symbol, stop_loss, take_profit):
        quantity = ctx.params["quantity"]
        try:
            if action == "buy":
                ctx.buy(symbol, quantity, stop_loss=stop_loss, take_profit=take_profit)
            else:
                ctx.sell(symbol, quantity, stop_loss=stop_loss, take_profit=take_profit)
        except timber.TimberError as error:
            ctx.log(f"{action} {quantity} {symbol} failed: {error}")


if __name__ == "__main__":
    timber.run(VolatilityBreakout())
