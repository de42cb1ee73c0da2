/** A wait that ran out: what was awaited gave no answer within `ms`. */
export class NoAnswerInTime extends Error {
  readonly code = 'NO_ANSWER_IN_TIME';

  constructor(
    readonly ms: number,
    what?: string,
  ) {
    super(`${what ? `${what}: ` : ''}no answer within ${ms} ms`);
    this.name = 'NoAnswerInTime';
  }
}

/**
 * Awaits `work` for at most `ms`: its answer or its error, or else NoAnswerInTime (`what` names the wait in its
 * message). A dependency that hangs then gets a fast, clear answer instead of holding its caller. The work itself goes
 * on (a promise cannot be called off); its late answer or error is dropped.
 */
export async function withinTime<T>(work: Promise<T>, ms: number, what?: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new NoAnswerInTime(ms, what)), ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
