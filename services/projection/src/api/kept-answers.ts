import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { ENTRY_OVERHEAD_BYTES, KeptByVersion, type KeptObserver } from '../projector/counter-cache.ts';

/** An answer's JSON as it was sent, and what the counters and the configuration were at when it was made. */
interface KeptAnswer {
  readonly version: string;
  readonly json: string;
}

/**
 * Whole answers of the figures and rankings routes, kept as the JSON sent, by the question (route and resolved query)
 * and answered again while nothing they were made from has moved: every events partition's counters (checkpoint and
 * restored mark, in the current generation) and the configuration (area names, the catalog). A leaders' page asks
 * the same few questions again and again between two batches; a kept answer costs the versions read (shared by the
 * questions of the same moment) and no counters read, sum, ranking, schema check nor serialisation (ADR 0046).
 *
 * The version is read before the answer is made, and the answer is made from counters at least that new: a question
 * whose versions read saw the same is never answered older than itself.
 */
export class KeptAnswers {
  private readonly kept: KeptByVersion<KeptAnswer>;

  constructor(
    maxBytes: number,
    /** What the counters and the configuration are at now; none while some partition is not whole (nothing kept). */
    private readonly versionNow: () => Promise<string | undefined>,
    observe?: KeptObserver,
  ) {
    // Strings are counted at two bytes a character, as V8 holds any that is not Latin-1 (area names are Chinese).
    this.kept = new KeptByVersion(
      maxBytes,
      (key, a) => 2 * (key.length + a.version.length + a.json.length) + ENTRY_OVERHEAD_BYTES,
      observe,
    );
  }

  get enabled(): boolean {
    return this.kept.enabled;
  }

  /** Answers kept and answers made, since the start. */
  get counts(): { readonly hits: number; readonly misses: number } {
    return this.kept.counts;
  }

  /** The JSON of the answer to `question`: kept, if nothing has moved since it was made; else `make`'s, then kept. */
  async json(question: string, make: () => Promise<string>): Promise<string> {
    if (!this.kept.enabled) return make();
    const version = await this.versionNow();
    const kept = this.kept.get(question, version);
    if (kept) return kept.json;
    const json = await make();
    if (version !== undefined) this.kept.set(question, { version, json });
    return json;
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
