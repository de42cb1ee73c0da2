// eslint-disable-next-line import-x/no-relative-packages -- infra/topics.json is no package's: it is the one definition of the topics
import topicsFile from '../../../infra/topics.json' with { type: 'json' };

/**
 * A topic as infra/topics.json defines it: name, partition count, settings. That file is the one definition of the
 * pipeline's topics: scripts/up and the tests create them from it (infra/kafka/kafka.sh, through packages/kafka's admin),
 * docker-compose.yml spells it out (test/docker-compose.unit.test.ts keeps the two equal), and the names below are
 * read from it.
 */
export interface TopicSpec {
  readonly name: string;
  readonly partitions: number;
  readonly config?: Readonly<Record<string, string>>;
}

/** Every topic of infra/topics.json, as it is there. */
export const TOPIC_SPECS: readonly TopicSpec[] = topicsFile.topics;

/**
 * What the code calls each topic (`grid.<key>` in infra/topics.json):
 * - commands: keyed by incident id;
 * - events: kept forever, the truth;
 * - outcomes: every command's outcome, accepted or rejected, keyed by incident id like the commands (ADR 0009);
 * - bulletins: frozen monthly bulletins (月通报), compacted: key area:month, the first freeze of each (ADR 0009);
 * - notifications, dlq;
 * - keys: the cases' data keys, wrapped, keyed by incident id like the events, compacted; erasure is a tombstone (ADR 0016);
 * - config: configuration changes (areas, catalog, routing, calendar, policy), one partition, compacted, a key per version (ADR 0024).
 */
export const TOPIC_KEYS = ['commands', 'events', 'outcomes', 'bulletins', 'notifications', 'dlq', 'keys', 'config'] as const;
export type TopicKey = (typeof TOPIC_KEYS)[number];
export type Topics = { readonly [K in TopicKey]: string };

function specOf(key: TopicKey): TopicSpec {
  const spec = TOPIC_SPECS.find((t) => t.name === `grid.${key}`);
  if (!spec) throw new Error(`infra/topics.json has no topic grid.${key}`);
  return spec;
}

const keyed = <T>(value: (key: TopicKey) => T) => Object.fromEntries(TOPIC_KEYS.map((k) => [k, value(k)])) as Record<TopicKey, T>;

/** Topic names; a deployment or a test may put a prefix in front of all of them. */
export const TopicNames: Topics = keyed((key) => specOf(key).name);

export function topicsWithPrefix(prefix: string): Topics {
  return keyed((key) => `${prefix}${TopicNames[key]}`);
}

/**
 * The topics of infra/topics.json under a prefix, with their settings, and other partition counts where given: what a
 * test or a benchmark creates for itself. Outcomes and keys keep the commands' count unless given (the worker requires it).
 */
export function topicSpecsWithPrefix(prefix: string, partitions: Partial<Record<TopicKey, number>> = {}): TopicSpec[] {
  const counts: Partial<Record<TopicKey, number>> =
    partitions.commands === undefined ? partitions : { outcomes: partitions.commands, keys: partitions.commands, ...partitions };
  return TOPIC_KEYS.map((key) => {
    const spec = specOf(key);
    return { ...spec, name: `${prefix}${spec.name}`, partitions: counts[key] ?? spec.partitions };
  });
}
