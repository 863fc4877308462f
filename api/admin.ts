import { z } from 'zod';
import { Scope } from './auth';

/** Loopback-only administration of the local sandbox (`tbm keys create`). */
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

export const ResetResponse = z.object({
  account_id: z.string(),
  balance: z.number(),
  cancelled_orders: z.number().int(),
});

export const startingBalance = 100_000;
export const accountCurrency = 'USD';
