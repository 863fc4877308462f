import type { Scope } from '../../api/auth';
import { TokenResponse } from '../../api/auth';
import { ApiErrorBody } from '../../api/errors';

export type KeyCheck = { ok: true; scope: Scope } | { ok: false; problem: string };

/**
 * Exchanges a key for a token, as a script would, before the key is stored: a wrong key is
 * refused with the API's own words and nothing is kept.
 */
export async function checkKey(baseUrl: string, keyId: string, secret: string): Promise<KeyCheck> {
  let response: Response;
  try {
    response = await fetch(`${baseUrl.replace(/\/+$/, '')}/oauth/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        grant_type: 'client_credentials',
        client_id: keyId,
        client_secret: secret,
      }),
      signal: AbortSignal.timeout(15_000),
    });
  } catch (error) {
    return { ok: false, problem: `cannot reach ${baseUrl}: ${(error as Error).message}` };
  }
  const body: unknown = await response.json().catch(() => null);
  if (!response.ok) {
    const parsed = ApiErrorBody.safeParse(body);
    const why = parsed.success ? parsed.data.error.message : `HTTP ${response.status}`;
    return { ok: false, problem: `${baseUrl} refused the key ${keyId}: ${why}` };
  }
  const token = TokenResponse.safeParse(body);
  if (!token.success)
    return {
      ok: false,
      problem: `${baseUrl} answered the token request with something unexpected`,
    };
  return { ok: true, scope: token.data.scope };
}
