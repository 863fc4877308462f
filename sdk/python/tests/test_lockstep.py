"""The lockstep rules of the runtime, with a scripted stream instead of a server: which bars go
to the strategy from the buffer, when it waits for `advanced`, and what it acknowledges."""

import contextlib
import io
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import timber  # noqa: E402


class ScriptedStream:
    """Gives the runtime scripted batches; `on_send` may add batches in answer to acks."""

    def __init__(self, batches, on_send=None):
        self.batches = list(batches)
        self.sent = []
        self.on_send = on_send

    def pending(self):
        return 0

    def send(self, message):
        self.sent.append(message)
        if self.on_send:
            self.on_send(message, self)

    def receive_batch(self, timeout):
        if not self.batches:
            raise AssertionError("the runtime waited for a message that will never come")
        return self.batches.pop(0)

    def receive(self, timeout):
        batch = self.receive_batch(timeout)
        self.batches.insert(0, batch[1:]) if len(batch) > 1 else None
        return batch[0] if batch else None


def candle(seq):
    data = {"symbol": "EURUSD", "interval": "1m", "t": seq * 60_000, "o": 1, "h": 1, "l": 1,
            "c": 1, "v": 1}
    return {"channel": "candles", "type": "close", "seq": seq, "t": (seq + 1) * 60_000,
            "data": data}


def advanced(seq, quiet=True):
    return {"channel": "session", "type": "advanced", "seq": seq, "t": (seq + 1) * 60_000,
            "data": {"session_id": "s", "quiet": quiet, "bars_total": 9, "bars_released": seq}}


FINISHED = {"channel": "session", "type": "finished", "seq": 9, "t": 0,
            "data": {"session_id": "s", "quiet": True, "bars_total": 9, "bars_released": 9}}


class Recorder(timber.Strategy):
    def __init__(self, trade_at=()):
        self.seen = []
        self.trade_at = trade_at

    def on_candle(self, candle, ctx):
        self.seen.append(candle.t // 60_000)
        if candle.t // 60_000 in self.trade_at:
            ctx.buy("EURUSD", 1000)


def runtime(strategy, stream, order_answer=None):
    env = timber.Environment("http://127.0.0.1:9", "ws://127.0.0.1:9/stream", "backtest", "k",
                             "s", None, None)
    config = timber.StrategyConfig("t", ["EURUSD"])
    rt = timber._Runtime(strategy, env, config)
    rt.stream = stream
    rt._wants_order = rt._wants_fill = False
    placed = []

    def place_order(request, idempotency_key=None, guarded=True):
        placed.append((rt.advanced, rt.current_bar, rt.client.lockstep_ack))
        return dict(order_answer or {"id": f"o{len(placed)}", "status": "filled",
                                     "order_type": "market", "stop_loss": None,
                                     "take_profit": None, "symbol": "EURUSD", "action": "buy",
                                     "fills": []})

    rt.client.place_order = place_order
    return rt, placed


class LockstepTests(unittest.TestCase):
    def test_a_quiet_account_takes_buffered_bars_without_waiting(self):
        stream = ScriptedStream([[advanced(1), candle(1)] + [candle(k) for k in range(2, 10)],
                                 [FINISHED]])
        strategy = Recorder()
        rt, _ = runtime(strategy, stream)
        rt.run_lockstep()
        self.assertEqual(strategy.seen, list(range(1, 10)))
        self.assertEqual(
            stream.sent[0], {"op": "ack", "seq": 0, "window": rt.ack_window, "batch": True}
        )
        self.assertEqual(stream.sent[-1]["seq"], 9)

    def test_a_busy_account_waits_for_advanced_before_each_bar(self):
        stream = ScriptedStream([[advanced(1, quiet=False), candle(1), candle(2), candle(3)],
                                 [advanced(2, quiet=False)], [advanced(3, quiet=True)],
                                 [FINISHED]])
        strategy = Recorder()
        rt, _ = runtime(strategy, stream)
        seen_at_wait = []
        original = stream.receive_batch

        def watch(timeout):
            seen_at_wait.append(list(strategy.seen))
            return original(timeout)

        stream.receive_batch = watch
        rt.run_lockstep()
        self.assertEqual(seen_at_wait, [[], [1], [1, 2], [1, 2, 3]])
        # Each wait came after an ack of the bar just finished (rule 3).
        self.assertEqual([m["seq"] for m in stream.sent], [0, 1, 2, 3])

    def test_an_order_carries_the_ack_of_the_bar_before_and_a_resting_order_waits(self):
        resting = {"id": "o1", "status": "open", "order_type": "limit", "stop_loss": None,
                   "take_profit": None, "symbol": "EURUSD", "action": "buy", "fills": [],
                   "updated_at": 1}

        def answer(message, stream):
            if message.get("seq") == 3:
                stream.batches.insert(0, [advanced(4, quiet=False)])

        accepted = {"channel": "orders", "type": "accepted", "seq": 1, "t": 0,
                    "data": {"order": dict(resting, quantity=1000, limit_price=1.0)}}
        stream = ScriptedStream([[advanced(1), candle(1), candle(2), candle(3), candle(4)],
                                 [accepted], [FINISHED]], on_send=answer)
        strategy = Recorder(trade_at={3})
        rt, placed = runtime(strategy, stream, order_answer=resting)
        acks_before_event = []
        stream.on_send = lambda message, s: (
            acks_before_event.append(message["seq"]) if [accepted] in s.batches else None,
            answer(message, s),
        )
        with contextlib.redirect_stdout(io.StringIO()):
            rt.run_lockstep()
        # The answer came before the order's accepted event: no ack until the event was in.
        self.assertEqual(acks_before_event, [0])
        # Bar 3's order went out at once, carrying the ack of bar 2 (X-Timber-Ack), which
        # moves the server's clock to bar 3 first; no stream ack or wait for `advanced` 3.
        self.assertEqual(placed, [(1, 3, 2)])
        self.assertEqual([m["seq"] for m in stream.sent], [0, 3, 4])
        # The order rests, so bar 4 waited for its `advanced` (after acking bar 3).
        self.assertEqual(strategy.seen, [1, 2, 3, 4])
        self.assertEqual(rt.advanced, 4)

    def test_a_market_order_filled_at_once_leaves_the_account_quiet(self):
        fill_event = {"channel": "orders", "type": "fill", "seq": 1, "t": 0,
                      "data": {"order": {"id": "o1", "status": "filled", "symbol": "EURUSD",
                                         "action": "buy", "quantity": 1000,
                                         "order_type": "market"},
                               "fill": {"id": "f1", "price": 1.0845, "quantity": 1000,
                                        "fee": 0.02, "t": 120_000}}}

        stream = ScriptedStream([[advanced(1), candle(1), candle(2), candle(3)],
                                 [fill_event], [FINISHED]])
        strategy = Recorder(trade_at={2})
        rt, placed = runtime(strategy, stream)
        with contextlib.redirect_stdout(io.StringIO()) as printed:
            rt.run_lockstep()
        self.assertIn(
            "1970-01-01 00:02:00Z fill o1: bought 1000 EURUSD at 1.0845 (fee 0.02 USD)",
            printed.getvalue(),
        )
        self.assertEqual(strategy.seen, [1, 2, 3])
        self.assertEqual(rt.positions["EURUSD"], 1000)
        self.assertEqual(placed, [(1, 2, 1)])
        # Bar 3 came from the buffer once the fill arrived: no `advanced` after bar 1's.
        self.assertEqual(rt.advanced, 1)

    def test_after_a_failed_order_the_next_bar_waits_for_the_server(self):
        # The request may have reached the server before it failed: its events may still come.
        class Careful(Recorder):
            def on_candle(self, candle, ctx):
                try:
                    super().on_candle(candle, ctx)
                except timber.TimberError:
                    pass

        def answer(message, stream):
            if message.get("seq") == 2:
                stream.batches.insert(0, [advanced(3)])

        stream = ScriptedStream([[advanced(1), candle(1), candle(2), candle(3)], [FINISHED]],
                                on_send=answer)
        strategy = Careful(trade_at={2})
        rt, _ = runtime(strategy, stream)

        def lost(request, idempotency_key=None, guarded=True):
            raise timber.NetworkError("POST /orders failed: connection reset")

        rt.client.place_order = lost
        rt.run_lockstep()
        self.assertEqual(strategy.seen, [1, 2, 3])
        self.assertEqual([m["seq"] for m in stream.sent], [0, 2, 3])
        self.assertEqual(rt.advanced, 3, "bar 3 waited for its advanced")

    def test_requests_carry_no_ack_once_the_clock_reached_the_bar(self):
        stream = ScriptedStream([[advanced(1, quiet=False), candle(1)], [advanced(2), candle(2)],
                                 [FINISHED]])
        strategy = Recorder(trade_at={1, 2})
        rt, placed = runtime(strategy, stream)
        with contextlib.redirect_stdout(io.StringIO()):
            rt.run_lockstep()
        self.assertEqual(placed, [(1, 1, None), (2, 2, None)])

    def test_bars_messages_deliver_rows_once_even_when_sent_again(self):
        def bars(first, last):
            rows = [[k, "EURUSD", k * 60_000, 1.5, 1.6, 1.4, 1.55 + k, 7] for k in
                    range(first, last + 1)]
            return {"channel": "candles", "type": "bars", "seq": last, "t": (last + 1) * 60_000,
                    "data": {"interval": "5m", "bars": rows}}

        # A reconnect resends the unacknowledged bars 3..5: they reach the strategy once.
        stream = ScriptedStream([[advanced(1), bars(1, 5)], [bars(3, 5), bars(6, 9)],
                                 [FINISHED]])
        candles = []

        class Keep(timber.Strategy):
            def on_candle(self, candle, ctx):
                candles.append(candle)

        rt, _ = runtime(Keep(), stream)
        rt.run_lockstep()
        self.assertEqual([c.t // 60_000 for c in candles], list(range(1, 10)))
        first = candles[0]
        self.assertEqual((first.symbol, first.interval, first.o, first.h, first.l, first.c,
                          first.v), ("EURUSD", "5m", 1.5, 1.6, 1.4, 2.55, 7))
        self.assertEqual(rt.now(), 9 * 60_000 + 5 * 60_000)  # the close of the last bar


if __name__ == "__main__":
    unittest.main()
