import type { Scope, TokenResponse } from '../../../api/auth';
import { scopeAllows } from '../../../api/auth';
import type { KeyLookup } from '../../service/keys';
import { revokedWords } from '../../service/keys';
import type { HandlerContext, HandlerResult } from '../dispatch';
import { ApiError } from '../errors';
import type { TokenAuthority } from '../../service/tokens';
import { secretMatches } from '../../service/tokens';

/** POST /oauth/token: client credentials or a refresh token in, a bearer token out. */
export function issueToken(
  keys: KeyLookup,
  tokens: TokenAuthority,
  context: HandlerContext<'issueToken'>,
): HandlerResult {
  const request = context.body;
  let keyId: string;
  // The widest scope the new token may have: the key's, or a refresh token's own, which may
  // have been narrowed when it was issued and stays so across every refresh.
  let ceiling: Scope | null = null;
  if (request.grant_type === 'client_credentials') {
    const key = keys.get(request.client_id);
    if (!key || !secretMatches(request.client_secret, key.secret_hash)) {
      // Only the holder of its secret learns that a key was revoked, rather than never existed.
      const revoked = keys.revoked(request.client_id);
      if (revoked !== undefined && secretMatches(request.client_secret, revoked.secret_hash))
        throw new ApiError('unauthorized', `${revokedWords(revoked)}; use another key`);
      throw new ApiError('unauthorized', 'client_id or client_secret is wrong');
    }
    keyId = key.key_id;
  } else {
    const claims = tokens.verify(request.refresh_token, 'refresh', tokens.now());
    if (claims === 'malformed')
      throw new ApiError('unauthorized', 'the refresh token is not valid');
    if (claims === 'expired')
      throw new ApiError(
        'unauthorized',
        'the refresh token has expired; ask again with client_credentials',
      );
    if (request.client_id !== undefined && request.client_id !== claims.keyId) {
      throw new ApiError('unauthorized', 'the refresh token was not issued to this client_id');
    }
    keyId = claims.keyId;
    ceiling = claims.scope;
  }
  const key = keys.get(keyId);
  if (!key) {
    const revoked = keys.revoked(keyId);
    throw new ApiError(
      'unauthorized',
      revoked === undefined
        ? 'the key behind this refresh token no longer exists'
        : `${revokedWords(revoked)}; its refresh tokens no longer work: use another key`,
    );
  }
  const allowed = ceiling !== null && scopeAllows(key.scope, ceiling) ? ceiling : key.scope;
  const scope = request.scope ?? allowed;
  if (!scopeAllows(allowed, scope)) {
    const holder = ceiling === null ? 'this key has' : 'this refresh token was issued with';
    throw new ApiError(
      'forbidden',
      `${holder} the "${allowed}" scope and cannot be given "${scope}"`,
      [{ path: 'scope', message: `must be "${allowed}" or narrower` }],
    );
  }
  const issued = tokens.issue({ keyId, accountId: key.account_id, scope }, tokens.now());
  const body: TokenResponse = {
    access_token: issued.accessToken,
    token_type: 'Bearer',
    expires_in: issued.expiresIn,
    refresh_token: issued.refreshToken,
    scope,
  };
  return {
    kind: 'json',
    status: 200,
    body,
    headers: { 'Cache-Control': 'no-store', Pragma: 'no-cache' },
  };
}
