"""Integration fixture: a strategy written like the README's quick start, without try/except,
buying on ticks. Under latency the circuit breaker opens: its orders must be skipped, not end
the run. Later it steps back (closes its position, cancels its resting order), which must pass
the open breaker."""

import os
import time

import timber


class PauseProbe(timber.Strategy):
    def __init__(self):
        self.flat = False

    def on_start(self, ctx):
        quote = ctx.client.get("/market/quotes", symbols="EURUSD")["quotes"][0]
        self.resting = ctx.buy("EURUSD", 1000, limit_price=ctx.round_to_tick("EURUSD",
                                                                            quote["bid"] * 0.9))
        ctx.log(f"READY {self.resting['id']}")
        while not os.path.exists(ctx.params["go"]):
            time.sleep(0.02)

    def on_tick(self, tick, ctx):
        if self.flat:
            return
        if os.path.exists(ctx.params["flatten"]):
            ctx.close_position("EURUSD")
            cancelled = ctx.cancel(self.resting["id"])
            self.flat = True
            ctx.log(f"FLAT position={ctx.position('EURUSD'):g} {cancelled['status']}")
            return
        order = ctx.buy("EURUSD", 1000)
        ctx.log(f"BOUGHT {order['id']} position={ctx.position('EURUSD'):g}")


timber.run(PauseProbe())
