import type { DispatchOutcome, DispatchRequest, Dispatcher } from '../http/dispatch';
import { refusalResult } from '../http/dispatch';
import { SandboxError } from '../errors';
import type { RateLimiter } from '../http/rate-limit';
import type { SessionRegistry } from './registry';

const sessionPath = /^\/sessions\/([^/]+)(\/.*)?$/;

/**
 * The sandbox's entry point for HTTP: `/sessions/{id}/...` goes to that replay session's own
 * dispatcher with the prefix removed (so the session serves the whole API under its base URL),
 * everything else to the sandbox's.
 */
export function sessionAwareDispatcher(
  main: Dispatcher,
  sessions: SessionRegistry,
  /** Counts the requests that name no session, per address, for their rate-limit headers. */
  limiter: RateLimiter,
): Pick<Dispatcher, 'dispatch'> {
  return {
    dispatch(request: DispatchRequest): Promise<DispatchOutcome> {
      const match = sessionPath.exec(request.path);
      if (match === null) return main.dispatch(request);
      const session = sessions.byId(match[1]);
      if (session === undefined || !session.admits(request.authorization)) {
        return Promise.resolve({
          result: refusalResult(
            new SandboxError(
              'not_found',
              `no replay session ${match[1]} (it ended, was deleted, or the sandbox restarted); create one with POST /sandbox/sessions`,
            ),
            request.requestId,
          ),
          rate: limiter.take(request.remoteAddress, Date.now()),
        });
      }
      return session.dispatcher.dispatch({ ...request, path: match[2] ?? '/' });
    },
  };
}
