// Key ages: the 30-day rotation with a warning from day 25, as the Environments view words it,
// and the reminder given once per key and session.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  describeKeyAge,
  keyAge,
  remindersDue,
  rotationReminder,
} from '../../../extension/keys/key-age';
import type { KeyListing } from '../../../extension/keys/key-store';

const day = 86_400_000;
const added = Date.UTC(2026, 0, 1);

test('keys are due for rotation at 30 days, with a warning from day 25', () => {
  assert.deepEqual(keyAge(added, added + 3 * day), { kind: 'fresh', days: 3 });
  assert.deepEqual(keyAge(added, added + 25 * day - 1), { kind: 'fresh', days: 24 });
  assert.deepEqual(keyAge(added, added + 25 * day), { kind: 'rotate-soon', days: 25, daysLeft: 5 });
  assert.deepEqual(keyAge(added, added + 29 * day + 1), {
    kind: 'rotate-soon',
    days: 29,
    daysLeft: 1,
  });
  assert.deepEqual(keyAge(added, added + 30 * day), { kind: 'overdue', days: 30 });
  assert.deepEqual(keyAge(added, added + 400 * day), { kind: 'overdue', days: 400 });
  // A clock behind the key's time (another machine's) is not a negative age.
  assert.deepEqual(keyAge(added, added - day), { kind: 'fresh', days: 0 });
});

test('the view words an age, and says when to rotate', () => {
  const at = (days: number) => describeKeyAge(keyAge(added, added + days * day));
  assert.equal(at(0), '0 days old');
  assert.equal(at(1), '1 day old');
  assert.equal(at(24), '24 days old');
  assert.equal(at(25), '25 days old · rotate within 5 days');
  assert.equal(at(29), '29 days old · rotate within 1 day');
  assert.equal(at(31), '31 days old · due for rotation');
});

const key = (env: KeyListing['env'], keyId: string, ageDays: number): KeyListing => ({
  env,
  key_id: keyId,
  scope: 'trade',
  added_at: added - ageDays * day,
});

test('a reminder names the environment and the key, from day 25 only', () => {
  assert.equal(rotationReminder(key('local', 'tbk_a', 24), added), null);
  assert.equal(
    rotationReminder(key('sandbox', 'tbk_b', 27), added),
    'The hosted sandbox key tbk_b is 27 days old: keys are rotated every 30 days, so rotate it within 3 days.',
  );
  assert.equal(
    rotationReminder(key('live', 'tbk_c', 45), added),
    'The live key tbk_c is 45 days old: keys are rotated every 30 days, and this one is due.',
  );
});

test('each key is reminded of once per session; a rotated key (a new id) in its own time', () => {
  const reminded = new Set<string>();
  const keys = [
    key('local', 'tbk_fresh', 3),
    key('sandbox', 'tbk_old', 26),
    key('live', 'tbk_due', 31),
  ];
  assert.deepEqual(
    remindersDue(keys, added, reminded).map((due) => due.key.key_id),
    ['tbk_old', 'tbk_due'],
  );
  assert.deepEqual(remindersDue(keys, added, reminded), []);
  // Days later, the fresh key has come of age: it alone is new.
  assert.deepEqual(
    remindersDue(keys, added + 23 * day, reminded).map((due) => due.key.key_id),
    ['tbk_fresh'],
  );
  const rotated = [key('sandbox', 'tbk_new', 0), key('live', 'tbk_due', 31)];
  assert.deepEqual(remindersDue(rotated, added, reminded), []);
  assert.deepEqual(
    remindersDue(rotated, added + 26 * day, reminded).map((due) => due.key.key_id),
    ['tbk_new'],
  );
});
