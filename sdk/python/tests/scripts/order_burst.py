"""Integration fixture: places orders in on_start until told to stop, reporting each outcome;
used to drive retries and the circuit breaker through the sandbox's fault injection."""

import sys

import timber


class OrderBurst(timber.Strategy):
    def on_start(self, ctx):
        count = int(ctx.params.get("orders", 5))
        for index in range(count):
            try:
                order = ctx.buy("EURUSD", 1000)
                ctx.log(f"PLACED {index} {order['id']} {order['status']}")
            except timber.CircuitOpenError as error:
                ctx.log(f"CIRCUIT_OPEN {index} retry_in={error.retry_in:.1f}")
            except timber.TimberError as error:
                ctx.log(f"FAILED {index} {type(error).__name__}: {error}")
        ctx.log(f"DONE breaker={ctx.client.breaker.state}")
        sys.stdout.flush()


timber.run(OrderBurst())
