// `clock.json`: how a data folder's market clock runs, kept with the folder so that a restart
// (the extension's, `tbm run`'s, a crash's) finds the same clock. A session folder keeps its
// offset (market minus wall time) and the latest market time it is known to have shown; the
// file is rewritten (atomically: temp file, fsync, rename, folder fsync) when the offset grows,
// which happens once per closed period the clock skips, and when the sandbox stops.
//
// The rules, all to keep one thing true: a folder's market clock never goes back.
// - The mode is the folder's: `--clock` on a new folder (default real) sets it; no `--clock`
//   keeps it. A real folder may be switched to session (its clock only jumps forward, to now or
//   the next open); a session folder is refused `--clock real`, because its market time is ahead
//   of the wall clock by everything it skipped and would run backwards.
// - In a session folder, `--now` moves the clock forward to that instant; an earlier one is
//   ignored, with a log line (the extension passes the same `--now` at every start).
// - The clock starts no earlier than the journal's last event, nor the last time it showed.
import {
  closeSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { nextForexOpen } from '../market/session-clock';
import { fsyncDirSync, privateFileMode } from '../store/durable-fs';
import type { ClockMode } from '../../api/admin';
import type { MarketClock } from './clock';
import { durationWords, realMarketClock, SessionClock } from './clock';
import { dataFiles } from './data-dir';

const ClockFile = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('real') }),
  z.object({
    mode: z.literal('session'),
    /** Market minus wall time, ms. */
    offset_ms: z.number().int(),
    /** The latest market instant the clock is known to have shown. */
    shown_up_to: z.number().int(),
    /** Wall time the folder's clock became a session clock. */
    since: z.number().int(),
  }),
]);
export type ClockFile = z.infer<typeof ClockFile>;

/** The folder's clock cannot run as asked; the message says why and what to do. */
export class ClockModeRefused extends Error {}

/** Where a folder's clock file is read and written (tests keep it in memory). */
export interface ClockFileStore {
  /** The data folder, for messages. */
  readonly dataDir: string;
  /** The clock file, or null if there is none (a new folder, or one from before clocks). */
  read(): ClockFile | null;
  write(file: ClockFile): void;
}

export function clockFileIn(dataDir: string): ClockFileStore {
  const path = join(dataDir, dataFiles.clock);
  return {
    dataDir,
    read: () => {
      let text: string;
      try {
        text = readFileSync(path, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw error;
      }
      try {
        return ClockFile.parse(JSON.parse(text));
      } catch {
        throw new ClockModeRefused(
          `${path} is not a clock file the sandbox wrote; remove it to start the folder's clock ` +
            "afresh (it then starts no earlier than the journal's last event)",
        );
      }
    },
    write: (file) => {
      const temp = `${path}.tmp`;
      rmSync(temp, { force: true });
      const fd = openSync(temp, 'wx', privateFileMode);
      try {
        writeSync(fd, JSON.stringify(file));
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(temp, path);
      fsyncDirSync(dataDir);
    },
  };
}

export interface ClockRequest {
  /** `--clock`, if given. */
  mode?: ClockMode;
  /** `--now`, if given. */
  startAt?: number;
  /** The wall time at start. */
  wall: number;
  /** The journal's last event time (0 for a new folder). */
  lastEventAt: number;
}

type SessionFile = Extract<ClockFile, { mode: 'session' }>;

export type ClockDecision =
  | { mode: 'real'; startAt?: number; file: ClockFile | null; notes: string[] }
  | { mode: 'session'; offset: number; market: number; file: SessionFile; notes: string[] };

const iso = (t: number) => new Date(t).toISOString();

/**
 * How the folder's clock starts, from what it kept (`stored`) and what was asked; throws
 * ClockModeRefused for a session folder asked for a real clock. `file` is what to keep (null:
 * keep nothing new).
 */
export function decideClock(
  stored: ClockFile | null,
  request: ClockRequest,
  dataDir: string,
): ClockDecision {
  const mode = request.mode ?? stored?.mode ?? 'real';
  if (stored?.mode === 'session' && mode === 'real') {
    const offset = stored.offset_ms;
    const why =
      offset > 60_000
        ? `its market time runs ${durationWords(offset)} ahead of the wall clock (the closed hours it ` +
          'skipped), and --clock real would set it back'
        : 'a real clock follows the wall clock or --now, and may go back';
    throw new ClockModeRefused(
      `the data folder ${dataDir} keeps a session clock, whose market time never goes back: ${why}. ` +
        'Start without --clock (or with --clock session) to keep it, or give another --data-dir for a real clock',
    );
  }
  if (mode === 'real') {
    return {
      mode,
      ...(request.startAt !== undefined && { startAt: request.startAt }),
      file: stored === null ? { mode: 'real' } : null,
      notes: [],
    };
  }
  const notes: string[] = [];
  const { wall, startAt } = request;
  const kept = stored?.mode === 'session' ? stored : null;
  let base = kept === null ? (startAt ?? wall) : wall + kept.offset_ms;
  if (kept !== null && startAt !== undefined) {
    if (startAt > base) base = startAt;
    else
      notes.push(
        `[sandbox] --now ${iso(startAt)} ignored: this folder's session clock already stands at ` +
          `${iso(base)} and never goes back`,
      );
  }
  if (stored?.mode === 'real')
    notes.push(
      '[sandbox] the data folder switches from the real clock to a session clock, for good',
    );
  const floor = Math.max(request.lastEventAt, kept?.shown_up_to ?? -Infinity);
  if (base < floor) {
    if (kept !== null)
      notes.push(
        `[sandbox] the wall clock is behind what this folder's session clock last showed; it goes on from ${iso(floor)}`,
      );
    else if (startAt !== undefined)
      notes.push(
        `[sandbox] --now ${iso(startAt)} is before the journal's last event; the session clock starts there`,
      );
    base = floor;
  }
  const market = nextForexOpen(base);
  if (market > base && startAt !== undefined && base === startAt)
    notes.push(
      `[sandbox] --now ${iso(startAt)} falls while forex is closed; the session clock starts at the next open, ${iso(market)}`,
    );
  const offset = market - wall;
  return {
    mode: 'session',
    offset,
    market,
    file: { mode: 'session', offset_ms: offset, shown_up_to: market, since: kept?.since ?? wall },
    notes,
  };
}

export interface FolderClock {
  clock: MarketClock;
  /** Keeps the clock's last reading with the folder (on a clean stop). */
  save(): void;
}

/**
 * The market clock of a data folder, as `decideClock` says, with its file written now and
 * whenever a session clock's offset grows. `log` gets the decision's notes and write failures.
 */
export function openFolderClock(
  files: ClockFileStore,
  request: Omit<ClockRequest, 'wall'>,
  wall: () => number,
  log: (line: string) => void,
): FolderClock {
  const decision = decideClock(files.read(), { ...request, wall: wall() }, files.dataDir);
  for (const note of decision.notes) log(note);
  if (decision.file !== null) files.write(decision.file);
  if (decision.mode === 'real') {
    return { clock: realMarketClock(wall, decision.startAt), save: () => {} };
  }
  const { since } = decision.file;
  const keep = (offset: number, shownUpTo: number) => {
    try {
      files.write({ mode: 'session', offset_ms: offset, shown_up_to: shownUpTo, since });
    } catch (error) {
      log(
        `[sandbox] cannot keep the session clock in ${dataFiles.clock}: ${(error as Error).message}`,
      );
    }
  };
  const clock = new SessionClock(decision.offset, wall, keep);
  return { clock, save: () => keep(clock.offset, clock.now()) };
}
