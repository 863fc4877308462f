import { TokenResponse } from '../../../api/auth';
import { ApiError } from './errors';
import type { RequestCore } from './request-core';

/**
 * Keeps a bearer token fresh: client credentials first, then the refresh token shortly before
 * expiry (or when a 401 says the token is no longer good), and client credentials again when
 * the refresh token is refused. Concurrent callers share one exchange.
 */
export class TokenSource {
  private accessToken: string | null = null;
  private refreshToken: string | null = null;
  private expiresAt = 0;
  private pending: Promise<string> | null = null;

  constructor(
    private readonly core: RequestCore,
    private readonly keyId: string,
    private readonly secret: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** A token valid for a while yet; `forceRenew` after the server refused the current one. */
  get(forceRenew = false): Promise<string> {
    if (!forceRenew && this.accessToken !== null && this.now() < this.expiresAt) {
      return Promise.resolve(this.accessToken);
    }
    this.pending ??= this.exchange().finally(() => (this.pending = null));
    return this.pending;
  }

  private async exchange(): Promise<string> {
    let answer: TokenResponse | null = null;
    if (this.refreshToken !== null) {
      try {
        answer = await this.grant({
          grant_type: 'refresh_token',
          refresh_token: this.refreshToken,
        });
      } catch (error) {
        if (!(error instanceof ApiError) || error.status !== 401) throw error;
        // The refresh token expired or was revoked: the key's secret still works.
      }
    }
    answer ??= await this.grant({
      grant_type: 'client_credentials',
      client_id: this.keyId,
      client_secret: this.secret,
    });
    const lifetimeMs = answer.expires_in * 1000;
    this.accessToken = answer.access_token;
    this.refreshToken = answer.refresh_token;
    // Renewed a tenth of its lifetime early (at most a minute), so no request carries a stale one.
    this.expiresAt = this.now() + lifetimeMs - Math.min(60_000, lifetimeMs / 10);
    return answer.access_token;
  }

  private async grant(body: Record<string, string>): Promise<TokenResponse> {
    try {
      return await this.core.send({
        method: 'POST',
        path: '/oauth/token',
        schema: TokenResponse,
        body,
        retry: true,
      });
    } catch (error) {
      if (
        error instanceof ApiError &&
        error.status === 401 &&
        body.grant_type === 'client_credentials'
      ) {
        throw new ApiError(
          401,
          error.code,
          `the API refused the key ${this.keyId}: ${error.message}; check TIMBER_API_KEY_ID and TIMBER_API_SECRET`,
          error.details,
          error.requestId,
        );
      }
      throw error;
    }
  }
}
