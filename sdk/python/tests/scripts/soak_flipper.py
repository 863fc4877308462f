"""Fault soak fixture: flips its position every `flip_every_ms` for `seconds`, closing the
position (an order that only reduces it) and then opening the other side, and prints one
INTENT line per order with what the SDK said of it. The test compares those lines and the
script's position with what the account holds.

    INTENT PLACED <client_order_id> <action> <quantity> <order id> <filled quantity>
    INTENT SKIPPED|UNKNOWN|REFUSED <client_order_id> <action> <quantity> [<what>]
    DONE intents=<n>
    POSITION <signed quantity>   (after DONE, each time it changes, from the order events)
"""

import time

import timber


class SoakFlipper(timber.Strategy):
    def __init__(self):
        self.started = None
        self.next_flip = 0.0
        self.side = "buy"
        self.intents = 0
        self.done = False
        self.reported = None

    def on_start(self, ctx):
        self.started = time.monotonic()
        ctx.log("SOAK START")

    def on_tick(self, tick, ctx):
        self.tick(ctx)

    def on_order(self, update, ctx):
        self.tick(ctx)

    def tick(self, ctx):
        now = time.monotonic()
        if self.done:
            position = ctx.position(ctx.symbols[0])
            if position != self.reported:
                self.reported = position
                ctx.log(f"POSITION {position:g}")
            return
        if now - self.started >= float(ctx.params["seconds"]):
            self.done = True
            ctx.log(f"DONE intents={self.intents}")
            self.tick(ctx)
            return
        if now < self.next_flip:
            return
        self.next_flip = now + float(ctx.params["flip_every_ms"]) / 1000
        symbol = ctx.symbols[0]
        quantity = float(ctx.params["quantity"])
        if ctx.position(symbol) != 0:
            self.intend(ctx, lambda: ctx.close_position(symbol), "close", quantity)
        self.side = "sell" if self.side == "buy" else "buy"
        opener = ctx.buy if self.side == "buy" else ctx.sell
        self.intend(ctx, lambda: opener(symbol, quantity), self.side, quantity)

    def intend(self, ctx, place, action, quantity):
        self.intents += 1
        try:
            order = place()
        except timber.CircuitOpenError as error:
            ctx.log(f"INTENT SKIPPED {error.client_order_id} {action} {quantity:g}")
        except timber.OrderOutcomeUnknownError as error:
            ctx.log(f"INTENT UNKNOWN {error.client_order_id} {action} {quantity:g}")
        except timber.TimberError as error:
            what = f"{type(error).__name__}: {error}".replace("\n", " ")
            ctx.log(f"INTENT REFUSED {error.client_order_id} {action} {quantity:g} {what}")
        else:
            if order is None:
                return
            ctx.log(
                f"INTENT PLACED {order['client_order_id']} {order['action']} "
                f"{order['quantity']:g} {order['id']} {order['filled_quantity']:g}"
            )


timber.run(SoakFlipper())
