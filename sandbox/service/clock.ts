/** The sandbox's market clock: real time, or real time shifted so that it starts at a given instant. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock that reads `startAt` at creation and runs on in real time from there. */
export function clockStartingAt(startAt: number, realNow: () => number = Date.now): Clock {
  const offset = startAt - realNow();
  return { now: () => realNow() + offset };
}

/** Parses `--now`: an ISO 8601 instant with a zone, or epoch milliseconds. */
export function parseInstant(text: string): number {
  const trimmed = text.trim();
  if (/^\d{10,16}$/.test(trimmed)) return Number(trimmed);
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(trimmed)) {
    throw new Error(
      `"${text}" is not an instant; give an ISO 8601 time with a zone, e.g. 2024-03-06T12:00:00Z, or epoch milliseconds`,
    );
  }
  const ms = Date.parse(trimmed);
  if (Number.isNaN(ms)) throw new Error(`"${text}" is not a valid date`);
  return ms;
}
