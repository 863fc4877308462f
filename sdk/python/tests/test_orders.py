"""The runtime's side of placing orders, with a recording client instead of a server: the
client_order_id each order gets, which orders an open breaker lets through, and what a handler
meets when one is skipped."""

import contextlib
import io
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import timber  # noqa: E402

MINUTE = 60_000
BAR = 1_709_726_400_000  # 2024-03-06 12:00:00Z


def live_runtime(strategy, name="SMA cross/EU", breaker_open=False):
    env = timber.Environment("http://127.0.0.1:9", "ws://127.0.0.1:9/stream", "local", "k", "s",
                             None, None)
    rt = timber._Runtime(strategy, env, timber.StrategyConfig(name, ["EURUSD"]))
    rt.clock = BAR + MINUTE + 5_000  # 5 s into the bar after BAR
    sent = []

    def place_order(request, idempotency_key=None, guarded=True):
        sent.append((dict(request), guarded))
        if guarded and breaker_open:
            raise timber.CircuitOpenError("trading is paused: the circuit breaker opened", 3.0)
        quantity = request["quantity"]
        return {"id": f"ord_{len(sent)}", "status": "filled", "symbol": request["symbol"],
                "action": request["action"], "quantity": quantity, "order_type": "market",
                "updated_at": rt.now(),
                "fills": [{"id": f"fil_{len(sent)}", "price": 1.1, "quantity": quantity,
                           "fee": 0, "t": rt.now()}]}

    rt.client.place_order = place_order
    return rt, sent


def candle(t):
    return {"channel": "candles", "type": "close", "seq": 1, "t": t + MINUTE,
            "data": {"symbol": "EURUSD", "interval": "1m", "t": t, "o": 1, "h": 1, "l": 1,
                     "c": 1, "v": 1}}


class Buyer(timber.Strategy):
    def __init__(self, orders=1):
        self.orders = orders
        self.after = []

    def on_candle(self, candle, ctx):
        for _ in range(self.orders):
            ctx.buy(candle.symbol, 1000)
        self.after.append(candle.t)  # not reached when an order is skipped


class ClientOrderIdTests(unittest.TestCase):
    def test_an_order_in_on_candle_is_named_after_the_strategy_the_bar_and_its_place(self):
        rt, sent = live_runtime(Buyer(orders=2))
        rt._deliver_candle(candle(BAR))
        ids = [request["client_order_id"] for request, _ in sent]
        self.assertEqual(ids, ["SMA_cross_EU-ltfqydc0-1", "SMA_cross_EU-ltfqydc0-2"])
        self.assertEqual(int("ltfqydc0", 36), BAR)
        self.assertTrue(all(1 <= len(i) <= 64 and " " not in i for i in ids))

    def test_a_restart_asks_for_the_same_ids_again(self):
        first, first_sent = live_runtime(Buyer())
        again, again_sent = live_runtime(Buyer())
        first._deliver_candle(candle(BAR))
        again._deliver_candle(candle(BAR))
        self.assertEqual(first_sent[0][0]["client_order_id"], again_sent[0][0]["client_order_id"])

    def test_outside_on_candle_the_bar_is_the_one_the_market_clock_is_in(self):
        rt, sent = live_runtime(timber.Strategy())
        rt.ctx.buy("EURUSD", 1000)
        rt.ctx.sell("EURUSD", 1000)
        rt.ctx.buy("EURUSD", 1000, client_order_id="mine")  # the strategy's own id is kept
        ids = [request["client_order_id"] for request, _ in sent]
        bar = timber._base36(BAR + MINUTE)
        self.assertEqual(ids, [f"SMA_cross_EU-{bar}-1", f"SMA_cross_EU-{bar}-2", "mine"])

    def test_a_strategy_id_overrides_the_config_name_and_long_names_are_cut(self):
        class Named(timber.Strategy):
            strategy_id = "eu-trend"

        rt, sent = live_runtime(Named())
        rt.ctx.buy("EURUSD", 1000)
        self.assertTrue(sent[0][0]["client_order_id"].startswith("eu-trend-"))
        rt, sent = live_runtime(timber.Strategy(), name="x" * 100)
        rt.ctx.buy("EURUSD", 1000)
        self.assertEqual(len(sent[0][0]["client_order_id"]), 40 + 1 + 8 + 1 + 1)


class OpenBreakerTests(unittest.TestCase):
    def test_orders_that_reduce_a_position_pass_and_the_others_are_guarded(self):
        rt, sent = live_runtime(timber.Strategy())
        rt.positions["EURUSD"] = 3000.0
        rt.ctx.sell("EURUSD", 1000)  # 3000 -> 2000
        rt.ctx.close_position("EURUSD")  # 2000 -> 0
        rt.ctx.sell("EURUSD", 1000)  # 0 -> -1000: opens a position
        rt.ctx.buy("EURUSD", 500)  # -1000 -> -500
        rt.ctx.buy("EURUSD", 1000)  # -500 -> +500: past flat, a new position
        self.assertEqual([guarded for _, guarded in sent], [False, False, True, False, True])

    def test_a_skipped_order_ends_the_handler_call_not_the_run(self):
        strategy = Buyer()
        rt, sent = live_runtime(strategy, breaker_open=True)
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            rt._deliver_candle(candle(BAR))
            rt._deliver_candle(candle(BAR + MINUTE))
        lines = out.getvalue().splitlines()
        self.assertEqual(len(lines), 2)
        self.assertRegex(
            lines[0],
            r"^2024-03-06 12:01:00Z order skipped: buy 1000 EURUSD \(SMA_cross_EU-ltfqydc0-1\): "
            r"trading is paused",
        )
        self.assertEqual(strategy.after, [])
        self.assertEqual(len(sent), 2)

    def test_a_strategy_may_ask_for_the_error_to_end_the_run(self):
        class Strict(Buyer):
            raise_on_circuit_open = True

        rt, _ = live_runtime(Strict(), breaker_open=True)
        with self.assertRaises(timber._HandlerFailed) as caught:
            rt._deliver_candle(candle(BAR))
        self.assertIsInstance(caught.exception.error, timber.CircuitOpenError)

    def test_a_handler_catching_the_error_learns_which_order_was_skipped(self):
        caught = []

        class Careful(timber.Strategy):
            def on_candle(self, candle, ctx):
                try:
                    ctx.buy(candle.symbol, 1000)
                except timber.CircuitOpenError as error:
                    caught.append((error.client_order_id, error.retry_in))

        rt, _ = live_runtime(Careful(), breaker_open=True)
        rt._deliver_candle(candle(BAR))
        self.assertEqual(caught, [("SMA_cross_EU-ltfqydc0-1", 3.0)])


if __name__ == "__main__":
    unittest.main()
