import { z } from 'zod';
import { Scope } from './auth';

/** Loopback-only administration of the local sandbox (`tbm keys create|list|revoke`). */
export const CreateKeyRequest = z
  .object({
    scope: Scope,
    /** "default" (the sandbox's paper account), "new" (a fresh account), or an existing account id. */
    account: z.string().min(1).max(64).default('default'),
    label: z.string().max(100).optional(),
  })
  .strict();
export type CreateKeyRequest = z.infer<typeof CreateKeyRequest>;

export const CreatedKey = z.object({
  key_id: z.string(),
  secret: z.string(),
  scope: Scope,
  account_id: z.string(),
});
export type CreatedKey = z.infer<typeof CreatedKey>;

/** A key as the admin API lists it: never its secret (the sandbox keeps only a hash of it). */
export const AdminKey = z.object({
  key_id: z.string(),
  scope: Scope,
  account_id: z.string(),
  label: z.string().nullable(),
  /** On the sandbox's market clock, epoch ms. */
  created_at: z.number().int(),
  /** When it was revoked (epoch ms, market clock), or null while it is usable. */
  revoked_at: z.number().int().nullable(),
});
export type AdminKey = z.infer<typeof AdminKey>;

export const AdminKeyList = z.object({
  /** Every key the data folder ever had, revoked ones included, oldest first. */
  keys: z.array(AdminKey),
});
export type AdminKeyList = z.infer<typeof AdminKeyList>;

export const ResetResponse = z.object({
  account_id: z.string(),
  balance: z.number(),
  cancelled_orders: z.number().int(),
});

export const startingBalance = 100_000;
export const accountCurrency = 'USD';

/** A snapshot the sandbox could not read when it started, kept beside the others as <file>.damaged. */
export const DamagedSnapshot = z.object({
  file: z.string(),
  /** The last journal event it covered. */
  event: z.number().int(),
  reason: z.string(),
});

/**
 * The state of the sandbox's data folder: what the last start found and what has gone wrong
 * since, so that an editor can show it. No entry means nothing was lost: the journal still holds
 * every acknowledged event whenever the sandbox answers at all.
 */
export const StorageHealth = z.object({
  /** The newest journal event, and the one the newest snapshot that read back covers. */
  last_event: z.number().int(),
  snapshot_event: z.number().int(),
  /** Snapshots set aside at the last start, each with why it could not be read. */
  damaged_snapshots: z.array(DamagedSnapshot),
  /** Snapshots an earlier sandbox set aside over a header it had cut short, read and put back. */
  restored_snapshots: z.array(z.number().int()),
  /** Bytes of an interrupted last journal write cut off at the last start (never acknowledged). */
  dropped_tail_bytes: z.number().int(),
  /** Why the last snapshot attempt failed, or null once one succeeds again. */
  last_snapshot_error: z.string().nullable(),
});
export type StorageHealth = z.infer<typeof StorageHealth>;

/**
 * How the local sandbox's market clock runs. `real`: it is the wall clock (started at another
 * instant with `tbm sandbox --now`). `session`: it runs at real speed but skips the periods when
 * forex is closed (`tbm sandbox --clock session`), so it may stand ahead of the wall clock.
 */
export const ClockMode = z.enum(['real', 'session']);
export type ClockMode = z.infer<typeof ClockMode>;

export const SandboxClock = z.object({
  mode: ClockMode,
  /** The market clock (what `now` says), epoch ms. */
  market_now: z.number().int(),
  /** The wall clock it follows, epoch ms: an editor shows both when they differ. */
  wall_now: z.number().int(),
});
export type SandboxClock = z.infer<typeof SandboxClock>;

export const Health = z.object({
  status: z.literal('ok'),
  /** The sandbox's market clock, epoch ms. */
  now: z.number().int(),
  /** Absent on a replay session's own URL, whose clock is the replay's. */
  clock: SandboxClock.optional(),
  /** Absent on a replay session's own URL, which keeps no data folder. */
  storage: StorageHealth.optional(),
});
export type Health = z.infer<typeof Health>;
