/**
 * Whether an error from ioredis says that Redis could not be reached or could not take the command now, rather
 * than that the command was wrong: the connection is down or closed, no answer came in time, or Redis answered
 * that it is loading its data, busy, a read-only replica, out of memory, or without its master.
 */
export function isStoreUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (err.name === 'MaxRetriesPerRequestError' || err.name === 'RedisNoAnswerError') return true;
  if (CONNECTION_MESSAGES.has(err.message)) return true;
  return err.name === 'ReplyError' && UNAVAILABLE_REPLIES.test(err.message);
}

// The messages ioredis rejects a command with when it never reached Redis or got no answer.
const CONNECTION_MESSAGES = new Set([
  "Stream isn't writeable and enableOfflineQueue options is false",
  'Command timed out',
  'Connection is closed.',
]);

// Redis's own answers that mean "not now": an AOF or RDB still loading after a restart, a script running too long,
// a replica (after a fail-over) or a master without its replicas refusing writes, memory full under noeviction.
const UNAVAILABLE_REPLIES = /^(LOADING|BUSY|READONLY|MASTERDOWN|NOREPLICAS|OOM|TRYAGAIN|CLUSTERDOWN)\b/;
