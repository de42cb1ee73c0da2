import type { FastifyRequest } from 'fastify';
import { requestTokenValidUntil } from './edge.ts';

/** The last event of a stream whose token is no longer good: the house error, so a client can say why and reconnect. */
export const TOKEN_EXPIRED_EVENT = 'token-expired';

/** The longest delay a timer takes (about 24.8 days); a later token end is waited for in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Ends a server-sent-events stream when its token would be refused elsewhere (ADR 0020): at the token's end `end` is
 * called with the last event's text (`token-expired` with the UNAUTHENTICATED error), and the stream must then close.
 * Returns the cancel for when the stream ends first.
 */
export function endWhenTokenExpires(request: FastifyRequest, end: (lastEvent: string) => void): () => void {
  const validUntil = requestTokenValidUntil(request);
  let timer: NodeJS.Timeout | undefined;
  const expireAt = (when: number) => {
    timer = setTimeout(
      () => {
        if (Date.now() < when) return expireAt(when);
        request.log.info({ expiredAt: new Date(when).toISOString() }, 'live stream ended: its token expired');
        const error = {
          code: 'UNAUTHENTICATED',
          message: `the token expired at ${new Date(when).toISOString()}; reconnect with a fresh one`,
          requestId: request.id,
        };
        end(`event: ${TOKEN_EXPIRED_EVENT}\ndata: ${JSON.stringify({ error })}\n\n`);
      },
      Math.min(MAX_TIMER_MS, Math.max(0, when - Date.now())),
    );
    timer.unref();
  };
  if (validUntil !== undefined) expireAt(validUntil);
  return () => clearTimeout(timer);
}
