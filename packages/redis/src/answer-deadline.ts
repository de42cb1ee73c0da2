import type { Redis } from 'ioredis';

/**
 * The error every command waiting on a connection fails with once Redis has answered none of them for the deadline
 * (a hung or unreachable server). `isStoreUnavailable` takes it for what it is.
 */
export class RedisNoAnswerError extends Error {
  override readonly name = 'RedisNoAnswerError';
  constructor(readonly deadlineMs: number) {
    super(`Command timed out: Redis answered nothing for ${deadlineMs} ms; every command waiting on the connection failed`);
  }
}

/**
 * A deadline on Redis's answers kept with one timer a connection, not one a command (ADR 0051).
 *
 * Redis answers a connection's commands in the order they were sent, so the connection is stuck exactly when the
 * command at the head of its queue has stayed there for the deadline. Every `deadlineMs / 6` the head is looked at;
 * once the same one has been there for `deadlineMs`, every command waiting on the connection fails with
 * {@link RedisNoAnswerError} and the connection is closed and opened again (ioredis reconnects on its own; late answers
 * are never matched to other commands). A command thus fails between the deadline and a sixth of it later.
 *
 * Answers that reached the socket while the event loop was busy elsewhere are read before the verdict: it is given
 * after the poll phase (`setImmediate`), not in the timer's, so a long synchronous task does not fail commands
 * that Redis did answer in time. The watch ends with the connection (`disconnect()`, `quit()`).
 *
 * ioredis's own `commandTimeout` sets and clears a timer for each command (about 7 % of a replay's CPU an event, its
 * `_clearTimers`) and its `socketTimeout` leaves the failed commands to be sent again after the reconnection, so
 * neither is used on the services' connections.
 */
export function failWhenUnanswered(redis: Redis, deadlineMs: number): void {
  let head: unknown;
  let since = 0;
  let judging = false;
  const look = (): boolean => {
    const first = redis.commandQueue.peekFront();
    if (first !== head || first === undefined) {
      head = first;
      since = performance.now();
      return false;
    }
    return performance.now() - since >= deadlineMs;
  };
  const timer = setInterval(
    () => {
      if (judging || !look()) return;
      judging = true;
      setImmediate(() => {
        judging = false;
        if (!look()) return;
        head = undefined;
        const err = new RedisNoAnswerError(deadlineMs);
        // Fails every waiting command with `err`, says so on 'error', and closes the connection to open it again.
        redis.recoverFromFatalError(err, err, { offlineQueue: true, commandQueue: true });
      });
    },
    Math.max(1, Math.floor(deadlineMs / 6)),
  );
  timer.unref();
  redis.once('end', () => clearInterval(timer));
}
