"""Integration fixture: prints one line per order event it is told about."""

import timber


class OrderWatch(timber.Strategy):
    def on_start(self, ctx):
        ctx.log("WATCHING")

    def on_order(self, update, ctx):
        ctx.log(f"EVENT {update.type} {update.order['id']}")


timber.run(OrderWatch())
