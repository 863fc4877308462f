import { z } from 'zod';

export const Scope = z.enum(['read', 'trade']);
export type Scope = z.infer<typeof Scope>;

/** Whether a key of scope `held` may call an endpoint needing `needed`. */
export function scopeAllows(held: Scope, needed: Scope): boolean {
  return held === 'trade' || needed === 'read';
}

export const TokenRequest = z
  .discriminatedUnion('grant_type', [
    z
      .object({
        grant_type: z.literal('client_credentials'),
        client_id: z.string().min(1).max(128),
        client_secret: z.string().min(1).max(256),
        scope: Scope.optional(),
      })
      .strict(),
    z
      .object({
        grant_type: z.literal('refresh_token'),
        refresh_token: z.string().min(1).max(2048),
        client_id: z.string().min(1).max(128).optional(),
        scope: Scope.optional(),
      })
      .strict(),
  ])
  .meta({ id: 'TokenRequest' });
export type TokenRequest = z.infer<typeof TokenRequest>;

export const TokenResponse = z
  .object({
    access_token: z.string(),
    token_type: z.literal('Bearer'),
    expires_in: z.number().int().positive(),
    refresh_token: z.string(),
    scope: Scope,
  })
  .meta({ id: 'TokenResponse' });
export type TokenResponse = z.infer<typeof TokenResponse>;

export const accessTokenLifetimeSeconds = 3600;
export const refreshTokenLifetimeSeconds = 30 * 24 * 3600;
