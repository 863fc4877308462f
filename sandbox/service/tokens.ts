import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Scope } from '../../api/auth';
import { accessTokenLifetimeSeconds, refreshTokenLifetimeSeconds } from '../../api/auth';
import type { KeyLookup } from './keys';
import { revokedWords } from './keys';

export interface TokenClaims {
  kind: 'access' | 'refresh';
  keyId: string;
  accountId: string;
  scope: Scope;
  /** Epoch ms. */
  expiresAt: number;
}

const prefix = { access: 'tbat_', refresh: 'tbrt_' } as const;

/**
 * Stateless signed tokens (HMAC-SHA256 over the kind's prefix and the claims), so tokens outlive
 * a sandbox restart with the same data folder. The MAC covers the prefix: a refresh token whose
 * prefix is swapped for an access token's (or the other way round) no longer verifies, so a
 * token cannot change kind. Verified tokens are cached, so the hot path is one map lookup.
 */
export class TokenAuthority {
  private readonly cache = new Map<string, TokenClaims>();

  /**
   * `accessLifetimeSeconds`: tests shorten it to see what happens when tokens expire. `now`: the
   * clock tokens are issued and expire on, the sandbox's market clock, for its own URL and its
   * replay sessions' alike (a token works on both).
   */
  constructor(
    private readonly signingKey: Buffer,
    private readonly accessLifetimeSeconds = accessTokenLifetimeSeconds,
    readonly now: () => number = Date.now,
  ) {}

  issue(
    claims: Omit<TokenClaims, 'expiresAt' | 'kind'>,
    now: number,
  ): { accessToken: string; refreshToken: string; expiresIn: number } {
    return {
      accessToken: this.sign({
        ...claims,
        kind: 'access',
        expiresAt: now + this.accessLifetimeSeconds * 1000,
      }),
      refreshToken: this.sign({
        ...claims,
        kind: 'refresh',
        expiresAt: now + refreshTokenLifetimeSeconds * 1000,
      }),
      expiresIn: this.accessLifetimeSeconds,
    };
  }

  /** The claims of a well-signed token of that kind, or a reason it is not acceptable. */
  verify(
    token: string,
    kind: TokenClaims['kind'],
    now: number,
  ): TokenClaims | 'malformed' | 'expired' {
    let claims = this.cache.get(token);
    if (!claims) {
      const parsed = this.parse(token, kind);
      if (!parsed) return 'malformed';
      claims = parsed;
      if (this.cache.size >= 10_000) this.cache.clear();
      this.cache.set(token, claims);
    }
    if (claims.kind !== kind) return 'malformed';
    return claims.expiresAt <= now ? 'expired' : claims;
  }

  private sign(claims: TokenClaims): string {
    const payload = Buffer.from(
      JSON.stringify([
        claims.keyId,
        claims.accountId,
        claims.scope,
        claims.expiresAt,
        randomBytes(6).toString('hex'),
      ]),
    ).toString('base64url');
    return `${prefix[claims.kind]}${payload}.${this.mac(claims.kind, payload)}`;
  }

  private parse(token: string, kind: TokenClaims['kind']): TokenClaims | null {
    if (!token.startsWith(prefix[kind]) || token.length > 1024) return null;
    // Exactly payload.mac: anything appended to a well-signed token makes it another token.
    const parts = token.slice(prefix[kind].length).split('.');
    if (parts.length !== 2) return null;
    const [payload, mac] = parts;
    if (!payload || !mac) return null;
    const expected = Buffer.from(this.mac(kind, payload));
    const given = Buffer.from(mac);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
    try {
      const fields = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as unknown;
      if (!Array.isArray(fields)) return null;
      const [keyId, accountId, scope, expiresAt] = fields as unknown[];
      if (
        typeof keyId !== 'string' ||
        typeof accountId !== 'string' ||
        typeof expiresAt !== 'number'
      )
        return null;
      if (scope !== 'read' && scope !== 'trade') return null;
      return { kind, keyId, accountId, scope, expiresAt };
    } catch {
      return null;
    }
  }

  private mac(kind: TokenClaims['kind'], payload: string): string {
    return createHmac('sha256', this.signingKey)
      .update(prefix[kind])
      .update(payload)
      .digest('base64url');
  }
}

/** Who an access token speaks for, or why it is refused (in words a client can act on). */
export type AccessCheck =
  { keyId: string; accountId: string; scope: Scope; expiresAt: number } | { refused: string };

/**
 * The one check of a bearer access token, for REST and the stream alike: well signed, an
 * access token, not expired, and its key not revoked since. Tokens are stateless, so a
 * revocation takes effect here, on the next request, not when the token would have expired.
 */
export function checkAccessToken(
  tokens: TokenAuthority,
  token: string,
  now: number,
  keys: KeyLookup,
): AccessCheck {
  const claims = tokens.verify(token, 'access', now);
  if (claims === 'malformed') return { refused: 'the access token is not valid' };
  if (claims === 'expired') {
    return { refused: 'the access token has expired; renew it with grant_type=refresh_token' };
  }
  if (keys.get(claims.keyId) === undefined) {
    const revoked = keys.revoked(claims.keyId);
    return {
      refused:
        revoked === undefined
          ? 'the key behind this token no longer exists'
          : `${revokedWords(revoked)}; its tokens no longer work: use another key`,
    };
  }
  const { keyId, accountId, scope, expiresAt } = claims;
  return { keyId, accountId, scope, expiresAt };
}

/** Secrets are random and long, so a plain SHA-256 is enough to store them safely. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function secretMatches(secret: string, storedHash: string): boolean {
  const given = Buffer.from(hashSecret(secret), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return given.length === stored.length && timingSafeEqual(given, stored);
}

export function newKeyCredentials(): { keyId: string; secret: string } {
  return {
    keyId: `tbk_${randomBytes(10).toString('hex')}`,
    secret: `tbs_${randomBytes(32).toString('base64url')}`,
  };
}
