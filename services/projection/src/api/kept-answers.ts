import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { ENTRY_OVERHEAD_BYTES, KeptByVersion } from '../projector/counter-cache.ts';

/** An answer's JSON as it was sent, and what the counters and the configuration were at when it was made. */
interface KeptAnswer {
  readonly version: string;
  readonly json: string;
}

/**
 * How a figures or rankings question was answered: sent as kept (`hit`), with the answer another question of the same
 * version was making (`joined`), or made afresh (`miss`).
 */
export type AnswerResult = 'hit' | 'joined' | 'miss';

/** Told of every answer and how it came, and of the bytes kept: the kept answers' metrics. */
export interface AnswersObserver {
  answered(result: AnswerResult): void;
  bytes(held: number): void;
}

/** An answer being made, and the version it is made at: what a question seeing the same version waits for. */
interface AnswerMaking {
  readonly version: string;
  readonly json: Promise<string>;
}

/**
 * Whole answers of the figures and rankings routes, kept as the JSON sent, by the question (route and resolved query)
 * and answered again while nothing they were made from has moved: every events partition's counters (checkpoint and
 * restored mark, in the current generation) and the configuration (area names, the catalog). A leaders' page asks
 * the same few questions again and again between two batches; a kept answer costs the versions read (shared by the
 * questions of the same moment) and no counters read, sum, ranking, schema check nor serialisation (ADR 0046).
 *
 * The version is read before the answer is made, and the answer is made from counters at least that new: a question
 * whose versions read saw the same is never answered older than itself. That holds too for a question that comes
 * while the answer is still being made at the version it saw: it waits for that answer instead of making its own. When
 * a batch moves a partition, the next moment's questions (a leaders' page, many leaders at once) would otherwise each
 * read, sum and serialise the same answer, every one a miss, before the first of them was kept.
 */
export class KeptAnswers {
  private readonly kept: KeptByVersion<KeptAnswer>;
  /** Answers being made, by question: at most one a question, the one of the newest version asked. */
  private readonly making = new Map<string, AnswerMaking>();
  private readonly answered: Record<AnswerResult, number> = { hit: 0, joined: 0, miss: 0 };

  constructor(
    maxBytes: number,
    /** What the counters and the configuration are at now; none while some partition is not whole (nothing kept). */
    private readonly versionNow: () => Promise<string | undefined>,
    private readonly observe?: AnswersObserver,
  ) {
    // Strings are counted at two bytes a character, as V8 holds any that is not Latin-1 (area names are Chinese).
    this.kept = new KeptByVersion(
      maxBytes,
      (key, a) => 2 * (key.length + a.version.length + a.json.length) + ENTRY_OVERHEAD_BYTES,
      observe && { bytes: (held) => observe.bytes(held) },
    );
  }

  get enabled(): boolean {
    return this.kept.enabled;
  }

  /** Answers sent as kept, answers waited for while another question made them, and answers made, since the start. */
  get counts(): { readonly hits: number; readonly joined: number; readonly misses: number } {
    const { hit, joined, miss } = this.answered;
    return { hits: hit, joined, misses: miss };
  }

  /**
   * The JSON of the answer to `question`: kept, if nothing has moved since it was made; else the one being made at the
   * same version, if any; else `make`'s, then kept.
   */
  async json(question: string, make: () => Promise<string>): Promise<string> {
    if (!this.kept.enabled) return make();
    const version = await this.versionNow();
    const kept = this.kept.get(question, version);
    if (kept) {
      this.count('hit');
      return kept.json;
    }
    const making = this.making.get(question);
    if (version !== undefined && making?.version === version) {
      this.count('joined');
      return making.json;
    }
    this.count('miss');
    if (version === undefined) return make();
    // A later question's making (at a version read later, so at least as new) replaces this one's: then this answer,
    // whenever it is done, is its waiters' only, not kept over the newer one. A failure is every waiter's, and the
    // next question makes its own.
    const made = make();
    const entry: AnswerMaking = {
      version,
      json: made.then(
        (json) => {
          if (this.making.get(question) === entry) {
            this.making.delete(question);
            this.kept.set(question, { version, json });
          }
          return json;
        },
        (err: unknown) => {
          if (this.making.get(question) === entry) this.making.delete(question);
          throw err;
        },
      ),
    };
    this.making.set(question, entry);
    return entry.json;
  }

  private count(result: AnswerResult): void {
    this.answered[result]++;
    this.observe?.answered(result);
  }
}

/**
 * The answer to `question`, through `answers` when the app keeps answers: then sent as its route's serializer would
 * have sent it (the response schema's encoding, as JSON: what the schema does not name is not sent), once, and kept.
 */
export async function answerKept<S extends z.ZodType>(
  reply: FastifyReply,
  answers: KeptAnswers | undefined,
  question: () => string,
  schema: S,
  make: () => Promise<z.output<S>>,
): Promise<z.output<S> | undefined> {
  if (!answers?.enabled) return make();
  const json = await answers.json(question(), async () => JSON.stringify(z.encode(schema, await make())));
  // A string with a JSON content type is sent as it is: the route's serializer does not run again. Awaited until sent,
  // so the handler's own answer (none) says the reply is taken care of.
  await reply.type('application/json; charset=utf-8').send(json);
  return undefined;
}
