/**
 * The errors our Lua scripts answer, as `redis.error_reply('<CODE> <what happened>')`: the code is the reply's first
 * word, for programs; the rest is for people. Every code starts with GRIDGOV_ so that no client library takes it for
 * one of Redis's own: ioredis's cluster client reads a reply starting with MOVED or ASK as a redirection to another
 * node, and `isStoreUnavailable` reads LOADING, BUSY, READONLY… as the store being away (ADR 0013).
 */
export const ScriptErrorCodes = {
  GRIDGOV_EPOCH_FENCED: 'the partition has another owner now: its epoch is not the one the write carries',
  GRIDGOV_OUTBOX_MOVED: 'the outbox no longer starts with what was relayed: another owner relayed or trimmed it',
  GRIDGOV_CHECKPOINT_CONFLICT: 'the checkpoint is not the one the write was prepared from: another writer folds this partition',
  GRIDGOV_GENERATION_MOVED: 'the projection generation pointer no longer names the generation the switch started from',
} as const;

export type ScriptErrorCode = keyof typeof ScriptErrorCodes;

/** A script refused its write with one of the codes above; the subclass says which kind of refusal it was. */
export abstract class ScriptRefused extends Error {
  /** What programs match on (stable, also across the subclasses' history). */
  abstract readonly code: string;

  constructor(
    /** The code the script answered. */
    readonly reply: ScriptErrorCode,
    /** The script's name. */
    readonly script: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** A stale owner's write: another one took the partition (epoch) or relayed its outbox. */
export class Fenced extends ScriptRefused {
  readonly code = 'FENCED';
}

/** The checkpoint moved since the write was prepared: another instance folds the partition. */
export class CheckpointConflict extends ScriptRefused {
  readonly code = 'CHECKPOINT_CONFLICT';
}

/** The projection's generation pointer moved since the switch began (another rebuild switched). */
export class GenerationMoved extends ScriptRefused {
  readonly code = 'GENERATION_MOVED';
}

type Refusal = new (reply: ScriptErrorCode, script: string, message: string) => ScriptRefused;

const REFUSALS: Readonly<Record<ScriptErrorCode, Refusal>> = {
  GRIDGOV_EPOCH_FENCED: Fenced,
  GRIDGOV_OUTBOX_MOVED: Fenced,
  GRIDGOV_CHECKPOINT_CONFLICT: CheckpointConflict,
  GRIDGOV_GENERATION_MOVED: GenerationMoved,
};

const isCode = (word: string): word is ScriptErrorCode => Object.hasOwn(ScriptErrorCodes, word);

/**
 * The typed error of a script's error reply that carries one of our codes; undefined for anything else (a wrong
 * command, a lost connection, a timeout), which the caller throws as it is. `where` names what the script touched.
 */
export function scriptRefusalFrom(err: unknown, script: string, where: string): ScriptRefused | undefined {
  if (!(err instanceof Error) || err.name !== 'ReplyError') return undefined;
  const space = err.message.indexOf(' ');
  const word = space < 0 ? err.message : err.message.slice(0, space);
  if (!isCode(word)) return undefined;
  const detail = space < 0 ? ScriptErrorCodes[word] : err.message.slice(space + 1);
  return new REFUSALS[word](word, script, `${script} on ${where}: ${detail} (${word})`);
}
