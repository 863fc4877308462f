import type { KeyEnvironment, KeyListing } from './key-store';

// How old a stored key is, and when to say it is time to rotate it. Pure: the Environments view,
// the reminder notification and the tests share these.

const dayMs = 86_400_000;

/** Keys are to be rotated every 30 days (issue 10); the studio warns from day 25. */
export const rotation = { everyDays: 30, warnFromDays: 25 } as const;

export type KeyAge =
  | { kind: 'fresh'; days: number }
  | { kind: 'rotate-soon'; days: number; daysLeft: number }
  | { kind: 'overdue'; days: number };

/** Whole days since the key was stored; a clock behind that time counts as day 0. */
export function keyAge(addedAt: number, now: number): KeyAge {
  const days = Math.max(0, Math.floor((now - addedAt) / dayMs));
  if (days >= rotation.everyDays) return { kind: 'overdue', days };
  if (days >= rotation.warnFromDays)
    return { kind: 'rotate-soon', days, daysLeft: rotation.everyDays - days };
  return { kind: 'fresh', days };
}

/** The age as the Environments view shows it beside the scope, e.g. "26 days old · rotate within 4 days". */
export function describeKeyAge(age: KeyAge): string {
  const old = age.days === 1 ? '1 day old' : `${age.days} days old`;
  switch (age.kind) {
    case 'fresh':
      return old;
    case 'rotate-soon':
      return `${old} · rotate within ${age.daysLeft === 1 ? '1 day' : `${age.daysLeft} days`}`;
    case 'overdue':
      return `${old} · due for rotation`;
    default:
      return age satisfies never;
  }
}

const environmentNames: Record<KeyEnvironment, string> = {
  local: 'local sandbox',
  sandbox: 'hosted sandbox',
  live: 'live',
};

/** What the reminder says of one key, or null when it is not yet time. */
export function rotationReminder(key: KeyListing, now: number): string | null {
  const age = keyAge(key.added_at, now);
  const which = `The ${environmentNames[key.env]} key ${key.key_id} is ${age.days} days old`;
  switch (age.kind) {
    case 'fresh':
      return null;
    case 'rotate-soon':
      return `${which}: keys are rotated every ${rotation.everyDays} days, so rotate it within ${age.daysLeft === 1 ? '1 day' : `${age.daysLeft} days`}.`;
    case 'overdue':
      return `${which}: keys are rotated every ${rotation.everyDays} days, and this one is due.`;
    default:
      return age satisfies never;
  }
}

/**
 * The keys to remind the user of now: those from day 25 on that were not reminded of in this
 * session (`reminded` holds `env:key_id`, and is updated). A rotated key is a new key id, so it
 * is reminded of afresh when its own time comes.
 */
export function remindersDue(
  keys: readonly KeyListing[],
  now: number,
  reminded: Set<string>,
): { key: KeyListing; message: string }[] {
  const due: { key: KeyListing; message: string }[] = [];
  for (const key of keys) {
    const message = rotationReminder(key, now);
    const slot = `${key.env}:${key.key_id}`;
    if (message === null || reminded.has(slot)) continue;
    reminded.add(slot);
    due.push({ key, message });
  }
  return due;
}
