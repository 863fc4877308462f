// The market clock's modes (`tbm sandbox --clock real|session`): the session clock's rules as
// properties over random wall times, and the data folder's clock across restarts, with the wall
// clock injected (a weekend passes in a step, nothing sleeps).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { compiledHoursOf, isOpen, sessionCloseAt } from '../../../sandbox/market/hours';
import { forexHours as forexTimetable } from '../../../sandbox/market/trading-hours';
import {
  forexOpenAt,
  nextForexOpen,
  sessionMarketTime,
  sessionWallDuration,
} from '../../../sandbox/market/session-clock';
import { realMarketClock, SessionClock } from '../../../sandbox/service/clock';
import type { ClockFile, ClockFileStore } from '../../../sandbox/service/clock-state';
import {
  ClockModeRefused,
  decideClock,
  openFolderClock,
} from '../../../sandbox/service/clock-state';
import { instrument, minute, hour, day } from '../market/fixtures';

const forexHours = compiledHoursOf(forexTimetable);
const friday = Date.UTC(2024, 2, 8);
const saturdayNoon = Date.UTC(2024, 2, 9, 12);
const sundayOpen = Date.UTC(2024, 2, 10, 22);
const anyWall = fc.integer({ min: Date.UTC(2016, 0, 1), max: Date.UTC(2035, 0, 1) });
const anyOffset = fc.integer({ min: 0, max: 60 * day });
/** A step of the wall clock: a moment, a few hours, or a whole weekend or week. */
const anyStep = fc.oneof(
  fc.integer({ min: 0, max: 5_000 }),
  fc.integer({ min: 0, max: 12 * hour }),
  fc.integer({ min: 2 * day, max: 9 * day }),
);

/** A clock file kept in memory; `writes` counts what reached it. */
function memoryFile(initial: ClockFile | null = null) {
  let file = initial;
  const store: ClockFileStore & { writes: number; file: () => ClockFile | null } = {
    dataDir: '/data',
    writes: 0,
    read: () => file,
    write: (next) => {
      file = next;
      store.writes++;
    },
    file: () => file,
  };
  return store;
}

/** A wall clock the test moves. */
function wallAt(start: number) {
  let now = start;
  return { now: () => now, set: (t: number) => (now = t), add: (ms: number) => (now += ms) };
}

describe('the session clock', () => {
  test('inside a forex session it is the wall clock plus its offset', () => {
    const wednesdayNoon = Date.UTC(2024, 2, 6, 12);
    assert.deepEqual(sessionMarketTime(wednesdayNoon, 0), { market: wednesdayNoon, offset: 0 });
    assert.deepEqual(sessionMarketTime(wednesdayNoon, hour), {
      market: wednesdayNoon + hour,
      offset: hour,
    });
  });

  test('in the weekend it jumps to the Sunday 22:00 open, and the offset keeps the jump', () => {
    assert.deepEqual(sessionMarketTime(saturdayNoon, 0), {
      market: sundayOpen,
      offset: sundayOpen - saturdayNoon,
    });
    assert.deepEqual(sessionMarketTime(friday + 22 * hour, 0).market, sundayOpen);
    assert.equal(sessionMarketTime(friday + 22 * hour - 1, 0).market, friday + 22 * hour - 1);
  });

  test('any wall instant maps inside a forex session, at the first open at or after wall + offset', () => {
    fc.assert(
      fc.property(anyWall, anyOffset, (wall, offset) => {
        const reading = sessionMarketTime(wall, offset);
        assert.ok(forexOpenAt(reading.market));
        assert.ok(isOpen(instrument('EURUSD'), reading.market));
        assert.equal(reading.market, nextForexOpen(wall + offset));
        assert.ok(reading.offset >= offset);
        assert.equal(reading.market - wall, reading.offset);
      }),
      { numRuns: 500 },
    );
  });

  test('read at rising wall times it never goes back, stays in session and runs at real speed', () => {
    fc.assert(
      fc.property(
        anyWall,
        anyOffset,
        fc.array(anyStep, { maxLength: 40 }),
        (start, offset, steps) => {
          const wall = wallAt(start);
          const changes: number[] = [];
          const clock = new SessionClock(offset, wall.now, (next) => changes.push(next));
          let previous = { wall: wall.now(), market: clock.now(), offset: clock.offset };
          for (const step of steps) {
            wall.add(step);
            const market = clock.now();
            assert.ok(forexOpenAt(market), `market ${new Date(market).toISOString()} is closed`);
            assert.ok(market >= previous.market, 'the market clock went back');
            assert.ok(clock.offset >= previous.offset, 'the offset shrank');
            // Real speed: without a jump, market time moves exactly as wall time does.
            if (clock.offset === previous.offset)
              assert.equal(market - previous.market, wall.now() - previous.wall);
            else assert.ok(market - previous.market > wall.now() - previous.wall);
            previous = { wall: wall.now(), market, offset: clock.offset };
          }
          // Every growth of the offset was reported, so that it can be kept with the folder.
          assert.equal(changes.at(-1) ?? clock.offset, clock.offset);
        },
      ),
      { numRuns: 300 },
    );
  });

  test('a wall clock set back does not take the market clock back', () => {
    const wall = wallAt(Date.UTC(2024, 2, 6, 12));
    const clock = new SessionClock(0, wall.now);
    const before = clock.now();
    wall.add(-hour);
    assert.equal(clock.now(), before);
    wall.add(minute);
    assert.equal(clock.now(), before + minute);
  });

  test('its wall duration between two market instants is the forex trading time between them', () => {
    const thursday = Date.UTC(2024, 2, 7, 12);
    assert.equal(sessionWallDuration(thursday, thursday + hour), hour);
    // Thursday noon to Monday noon: the weekend's 48 h are skipped.
    assert.equal(sessionWallDuration(thursday, thursday + 4 * day), 2 * day);
    assert.equal(sessionWallDuration(saturdayNoon, sundayOpen + hour), hour);
    assert.equal(sessionWallDuration(thursday, thursday - hour), 0);
    // A clock watched without a break (read at least at every close) takes exactly that long.
    fc.assert(
      fc.property(anyWall, fc.integer({ min: 0, max: 9 * day }), (start, span) => {
        const wall = wallAt(start);
        const clock = new SessionClock(0, wall.now);
        const from = clock.now();
        let left = span;
        while (left > 0) {
          const market = clock.now();
          const toClose = (sessionCloseAt(forexHours, market) as number) - market;
          const step = Math.min(left, toClose);
          wall.add(step);
          left -= step;
        }
        assert.equal(sessionWallDuration(from, clock.now()), span);
      }),
      { numRuns: 200 },
    );
  });
});

describe('the real clock', () => {
  test('is the wall clock', () => {
    fc.assert(
      fc.property(anyWall, (t) => {
        const clock = realMarketClock(() => t);
        assert.equal(clock.now(), t);
        assert.equal(clock.wallNow(), t);
        assert.equal(clock.mode, 'real');
      }),
    );
  });

  test('with --now, starts there and runs at the wall clock’s speed, closed hours included', () => {
    const wall = wallAt(Date.UTC(2026, 0, 7, 9));
    const clock = realMarketClock(wall.now, saturdayNoon);
    assert.equal(clock.now(), saturdayNoon);
    wall.add(3 * hour);
    assert.equal(clock.now(), saturdayNoon + 3 * hour);
  });
});

describe("a data folder's clock", () => {
  test('a new folder is real unless asked; --clock session makes it a session folder', () => {
    const wall = saturdayNoon;
    assert.equal(decideClock(null, { wall, lastEventAt: 0 }, '/d').mode, 'real');
    const session = decideClock(null, { mode: 'session', wall, lastEventAt: 0 }, '/d');
    assert.equal(session.mode, 'session');
    assert.equal(session.mode === 'session' && session.market, sundayOpen);
  });

  test('a session folder stays one without --clock, and refuses --clock real naming its clock', () => {
    const files = memoryFile();
    const wall = wallAt(saturdayNoon);
    openFolderClock(files, { mode: 'session', lastEventAt: 0 }, wall.now, () => {});
    wall.add(day);
    assert.equal(
      openFolderClock(files, { lastEventAt: 0 }, wall.now, () => {}).clock.mode,
      'session',
    );
    assert.throws(
      () => openFolderClock(files, { mode: 'real', lastEventAt: 0 }, wall.now, () => {}),
      (error: Error) =>
        error instanceof ClockModeRefused &&
        /keeps a session clock/.test(error.message) &&
        /ahead of the wall clock/.test(error.message) &&
        /another --data-dir/.test(error.message),
    );
  });

  test('a real folder may become a session folder, and says so', () => {
    const files = memoryFile({ mode: 'real' });
    const lines: string[] = [];
    const { clock } = openFolderClock(
      files,
      { mode: 'session', lastEventAt: 0 },
      () => saturdayNoon,
      (line) => lines.push(line),
    );
    assert.equal(clock.now(), sundayOpen);
    assert.equal(files.file()?.mode, 'session');
    assert.ok(lines.some((line) => /switches from the real clock to a session clock/.test(line)));
  });

  test('--now starts a new session folder there (at the next open when closed), and only moves an old one forward', () => {
    const wednesdayNoon = Date.UTC(2024, 2, 6, 12);
    const wall = wallAt(Date.UTC(2026, 0, 10, 12));
    const files = memoryFile();
    const first = openFolderClock(
      files,
      { mode: 'session', startAt: wednesdayNoon, lastEventAt: 0 },
      wall.now,
      () => {},
    );
    assert.equal(first.clock.now(), wednesdayNoon);
    wall.add(hour);
    first.save();
    const lines: string[] = [];
    const again = openFolderClock(
      files,
      { startAt: wednesdayNoon, lastEventAt: 0 },
      wall.now,
      (line) => lines.push(line),
    );
    assert.equal(again.clock.now(), wednesdayNoon + hour);
    assert.ok(lines.some((line) => /--now .* ignored/.test(line)));
    const later = openFolderClock(
      files,
      { startAt: saturdayNoon, lastEventAt: 0 },
      wall.now,
      () => {},
    );
    assert.equal(later.clock.now(), sundayOpen);
  });

  test('starts no earlier than the journal’s last event', () => {
    const wednesdayNoon = Date.UTC(2024, 2, 6, 12);
    const decision = decideClock(
      null,
      {
        mode: 'session',
        startAt: wednesdayNoon,
        wall: wednesdayNoon,
        lastEventAt: wednesdayNoon + day,
      },
      '/d',
    );
    assert.equal(decision.mode === 'session' && decision.market, wednesdayNoon + day);
  });

  test('a restart after a simulated weekend keeps every time monotonic, clean stop or crash', () => {
    const run = fc.record({
      /** Wall time from the previous stop to this start (a weekend, a night, a moment). */
      gap: anyStep,
      /** Wall steps between the readings of this run. */
      readings: fc.array(anyStep, { maxLength: 8 }),
      /** A crash keeps only what the clock wrote when its offset grew. */
      crash: fc.boolean(),
    });
    fc.assert(
      fc.property(anyWall, fc.array(run, { minLength: 1, maxLength: 8 }), (start, runs) => {
        const files = memoryFile();
        const wall = wallAt(start);
        let lastShown = -Infinity;
        let lastEventAt = 0;
        for (const [index, plan] of runs.entries()) {
          wall.add(plan.gap);
          const folder = openFolderClock(
            files,
            { ...(index === 0 && { mode: 'session' as const }), lastEventAt },
            wall.now,
            () => {},
          );
          for (const step of [0, ...plan.readings]) {
            wall.add(step);
            const market = folder.clock.now();
            assert.ok(forexOpenAt(market));
            assert.ok(market >= lastShown, `went back from ${lastShown} to ${market}`);
            lastShown = market;
            // Some readings are the time of an event in the journal (an order, a fill).
            if (step % 2 === 0) lastEventAt = market;
          }
          if (!plan.crash) folder.save();
        }
      }),
      { numRuns: 300 },
    );
  });

  test('a wall clock set back across a restart does not take the market clock back', () => {
    const files = memoryFile();
    const wall = wallAt(Date.UTC(2024, 2, 8, 21, 30));
    const first = openFolderClock(files, { mode: 'session', lastEventAt: 0 }, wall.now, () => {});
    wall.add(hour);
    const shown = first.clock.now();
    assert.equal(shown, sundayOpen);
    first.save();
    wall.add(-2 * day);
    const lines: string[] = [];
    const second = openFolderClock(files, { lastEventAt: 0 }, wall.now, (line) => lines.push(line));
    assert.equal(second.clock.now(), shown);
    assert.ok(lines.some((line) => /wall clock is behind/.test(line)));
  });

  test('the file is written when the offset grows, not at every reading', () => {
    const files = memoryFile();
    const wall = wallAt(Date.UTC(2024, 2, 6, 12));
    const { clock } = openFolderClock(
      files,
      { mode: 'session', lastEventAt: 0 },
      wall.now,
      () => {},
    );
    assert.equal(files.writes, 1);
    for (let i = 0; i < 100; i++) {
      wall.add(minute);
      clock.now();
    }
    assert.equal(files.writes, 1);
    wall.set(saturdayNoon);
    assert.equal(clock.now(), sundayOpen);
    assert.equal(files.writes, 2);
    const kept = files.file();
    assert.equal(kept?.mode === 'session' && kept.offset_ms, sundayOpen - saturdayNoon);
  });
});
