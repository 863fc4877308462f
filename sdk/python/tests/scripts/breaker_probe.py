"""Integration fixture: places orders in steps the test controls (through marker files), so
the test can switch the sandbox's fault injection between steps; reports every outcome."""

import os
import time

import timber


def wait_for(path):
    while not os.path.exists(path):
        time.sleep(0.02)


class BreakerProbe(timber.Strategy):
    def on_start(self, ctx):
        params = ctx.params
        ctx.log("READY")
        if "go" in params:
            wait_for(params["go"])
        for index in range(int(params.get("orders", 3))):
            self.try_order(ctx, index)
        ctx.log(f"PHASE1 breaker={ctx.client.breaker.state}")
        if "go2" in params:
            wait_for(params["go2"])
            for attempt in range(200):
                if self.try_order(ctx, 100 + attempt):
                    break
                time.sleep(0.05)
        ctx.log(f"DONE breaker={ctx.client.breaker.state}")

    def try_order(self, ctx, index):
        """One order; prints what the SDK said of it, with its ids, for the test to check
        against the account."""
        try:
            order = ctx.buy("EURUSD", 1000)
            ctx.log(f"PLACED {index} {order['status']} {order['id']} {order['client_order_id']}")
            return True
        except timber.CircuitOpenError as error:
            ctx.log(f"CIRCUIT_OPEN {index} {error.client_order_id}")
        except timber.TimberError as error:
            ctx.log(f"FAILED {index} {type(error).__name__} {error.client_order_id}: {error}")
        return False


timber.run(BreakerProbe())
