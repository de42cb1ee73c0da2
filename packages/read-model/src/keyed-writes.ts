import type { Redis } from '@gridgov/redis';

/** The commands whose arguments after the key can be gathered: each names members (with a score, a place or a value). */
const REMOVALS = ['zrem', 'srem', 'hdel'] as const;
const ADDITIONS = ['zadd', 'geoadd', 'sadd', 'hset'] as const;
export type GatheredCommand = (typeof REMOVALS)[number] | (typeof ADDITIONS)[number];
/** The order commands are written out in: every removal before any addition. */
const WRITE_ORDER: readonly GatheredCommand[] = [...REMOVALS, ...ADDITIONS];

/**
 * A batch's writes of shared keys gathered by command and key, each key's sent as one command (`ZADD key s1 m1 s2 m2
 * …`, `SADD key m1 m2 …`): the cases of a batch share the work lists of the areas above their grids, the filter
 * indexes' facets and bigrams and the open-near index of a category, and a command's fixed cost (in the client and in
 * Redis) is paid once a key instead of once a case. Written out removals first, then additions.
 *
 * The same result as one command a case, in order, provided no case removes and adds one member under one key in one
 * change (none does): the cases of one gathering are distinct, for `startCase` writes out what is gathered when a case
 * comes again, so that each key sees a case's changes in order.
 */
export class KeyedWrites {
  private gathered = new Map<GatheredCommand, Map<string, (string | number)[]>>();
  private cases = new Set<string>();

  /** `pipeline`: where the gathered writes go; what must come before them (a case's view, its text) goes on it directly. */
  constructor(readonly pipeline: ReturnType<Redis['pipeline']>) {}

  /** Before a case's writes: a case already in this gathering first has what was gathered written out. */
  startCase(incidentId: string): void {
    if (this.cases.has(incidentId)) this.writeOut();
    this.cases.add(incidentId);
  }

  add(command: GatheredCommand, key: string, ...args: (string | number)[]): void {
    let keys = this.gathered.get(command);
    if (!keys) {
      keys = new Map();
      this.gathered.set(command, keys);
    }
    const held = keys.get(key);
    if (held) for (const arg of args) held.push(arg);
    else keys.set(key, args);
  }

  /** Queues what was gathered on the pipeline, and starts again empty. */
  writeOut(): void {
    for (const command of WRITE_ORDER) {
      for (const [key, args] of this.gathered.get(command) ?? []) this.pipeline.call(command, key, ...args);
    }
    this.gathered = new Map();
    this.cases = new Set();
  }
}
