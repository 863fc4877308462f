"""Benchmark driver for bench/backtest-python.ts: the SMA crossover example, timed.

    bench_sma.py session <candles-out.json>   run in a replay session (TIMBER_* environment),
                                              then write the bars it received to the file
    bench_sma.py file <candles.json>          the same strategy loop over those bars, no network

Each prints one line: BENCH {"bars": n, "seconds": s, "orders": k}
"""

import importlib.util
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))
import timber  # noqa: E402

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..")
EXAMPLE = os.path.join(ROOT, "examples", "sma-crossover", "sma_crossover.py")
PARAMS = {"fast": 50, "slow": 200, "quantity": 10000}


def load_example():
    spec = importlib.util.spec_from_file_location("sma_crossover", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # the example only runs itself under __main__
    return module.SmaCrossover


class Recorded(timber.Strategy):
    """Wraps the example: times from the first bar to the end, keeps the bars for the baseline."""

    def __init__(self, inner, out_path):
        self.inner = inner
        self.out_path = out_path
        self.bars = []
        self.started = None
        self.orders = 0

    def on_candle(self, candle, ctx):
        if self.started is None:
            self.started = time.perf_counter()
        self.bars.append(candle)
        self.inner.on_candle(candle, ctx)

    def on_order(self, update, ctx):
        if update.type == "accepted":
            self.orders += 1

    def on_stop(self, ctx):
        seconds = time.perf_counter() - (self.started or time.perf_counter())
        report = {"bars": len(self.bars), "seconds": seconds, "orders": self.orders}
        print("BENCH " + json.dumps(report), flush=True)
        with open(self.out_path, "w") as file:
            json.dump([[b.symbol, b.interval, b.t, b.o, b.h, b.l, b.c, b.v] for b in self.bars], file)


class OfflineContext:
    """Just what the SMA crossover asks of ctx, with fills at the bar's close in memory."""

    def __init__(self):
        self.params = PARAMS
        self.positions = {}
        self.orders = 0

    def position(self, symbol):
        return self.positions.get(symbol, 0)

    def buy(self, symbol, quantity, **options):
        self.orders += 1
        self.positions[symbol] = self.positions.get(symbol, 0) + quantity

    def sell(self, symbol, quantity, **options):
        self.orders += 1
        self.positions[symbol] = self.positions.get(symbol, 0) - quantity

    def log(self, *parts):
        print(*parts, flush=True)


def run_file(path):
    with open(path) as file:
        rows = json.load(file)
    strategy = load_example()()
    ctx = OfflineContext()
    started = time.perf_counter()
    for row in rows:
        # Built per bar like the runtime does, so the loop does the same work minus the network.
        strategy.on_candle(timber.Candle(*row), ctx)
    seconds = time.perf_counter() - started
    print("BENCH " + json.dumps({"bars": len(rows), "seconds": seconds, "orders": ctx.orders}))


if __name__ == "__main__":
    mode, path = sys.argv[1], sys.argv[2]
    if mode == "session":
        timber.run(Recorded(load_example()(), path))
    else:
        run_file(path)
