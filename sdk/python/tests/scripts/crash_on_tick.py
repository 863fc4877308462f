"""Integration fixture: a handler that raises; the run must end non-zero with bar and time."""

import timber


class Crashes(timber.Strategy):
    def on_tick(self, tick, ctx):
        raise ValueError("the strategy tripped on purpose")


timber.run(Crashes())
