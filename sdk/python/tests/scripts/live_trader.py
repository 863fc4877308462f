"""Integration fixture: reconciles, trades at start, follows ticks, reports what it sees."""

import timber


class LiveTrader(timber.Strategy):
    def __init__(self):
        self.ticks = 0

    def on_start(self, ctx):
        ctx.log(f"START open_orders={len(ctx.open_orders())} position={ctx.position('EURUSD'):g}")
        ctx.buy("EURUSD", 1000)
        quote = ctx.client.get("/market/quotes", symbols="EURUSD")["quotes"][0]
        resting = ctx.sell("EURUSD", 1000, limit_price=ctx.round_to_tick("EURUSD", quote["ask"] * 1.05))
        ctx.log(f"RESTING {resting['id']} {resting['status']}")

    def on_order(self, update, ctx):
        ctx.log(f"UPDATE {update.type} {update.order['id']}")

    def on_fill(self, fill, ctx):
        ctx.log(f"FILLED {fill.order_id} {fill.quantity:g} position={ctx.position('EURUSD'):g}")

    def on_tick(self, tick, ctx):
        self.ticks += 1
        if self.ticks == 3:
            ctx.log(f"TICKS 3 bid={tick.bid}")

    def on_stop(self, ctx):
        ctx.log(f"STOP position={ctx.position('EURUSD'):g} open={len(ctx.open_orders('EURUSD'))}")


timber.run(LiveTrader())
