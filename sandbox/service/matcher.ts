import { advanceTime, onTick, symbolsNeedingTicks } from '../engine/tick';
import { tickLiquidity, ticksAfter } from '../market/feed';
import { instrumentBySymbol } from '../market/instruments';
import type { Sandbox } from './sandbox';

/** How far back the matcher catches up after a restart: the sandbox was down, not the market. */
const maxCatchUpMs = 7 * 24 * 3600 * 1000;

/**
 * Feeds the market's new ticks to the engine for every symbol with live orders or armed exits,
 * so resting orders fill and exits fire while no request is being made.
 */
export class Matcher {
  private readonly lastTickAt = new Map<string, number>();
  private lastStepAt: number;
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(
    private readonly sandbox: Sandbox,
    resumeFrom: number,
    private readonly periodMs = 50,
  ) {
    const now = sandbox.clock.now();
    this.lastStepAt = Math.max(Math.min(resumeFrom, now), now - maxCatchUpMs);
  }

  start(onError: (error: Error) => void): void {
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = true;
      this.step(this.sandbox.clock.now())
        .catch((error: unknown) =>
          onError(error instanceof Error ? error : new Error(String(error))),
        )
        .finally(() => {
          this.running = false;
        });
    }, this.periodMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Processes every tick up to `now`; resolves once the resulting events are durable. */
  async step(now: number): Promise<void> {
    const { engine } = this.sandbox.state;
    const pending: Promise<void>[] = [];
    for (const symbol of [...symbolsNeedingTicks(engine)]) {
      const instrument = instrumentBySymbol(symbol);
      if (!instrument) continue;
      // A symbol that just became live only needs the ticks since the last step.
      const after = this.lastTickAt.get(symbol) ?? this.lastStepAt;
      let last = after;
      for (const tick of ticksAfter(instrument, after, now)) {
        const book = tickLiquidity(instrument, tick);
        const events = onTick(engine, this.sandbox.market, {
          symbol,
          tick: {
            t: tick.t,
            bid: tick.bid,
            ask: tick.ask,
            bidSize: book.bidSize,
            askSize: book.askSize,
          },
        });
        // commit applies at once, so the next tick is decided on the state this one left.
        if (events.length > 0) pending.push(this.sandbox.commit(events));
        last = tick.t;
      }
      this.lastTickAt.set(symbol, Math.max(last, now));
    }
    for (const symbol of this.lastTickAt.keys()) {
      if (!symbolsNeedingTicks(engine).has(symbol)) this.lastTickAt.delete(symbol);
    }
    const expiries = advanceTime(engine, now);
    if (expiries.length > 0) pending.push(this.sandbox.commit(expiries));
    this.lastStepAt = now;
    await Promise.all(pending);
  }
}
