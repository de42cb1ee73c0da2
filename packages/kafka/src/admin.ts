import { setTimeout as sleep } from 'node:timers/promises';
import type { Admin, ConfigResourceTypes } from 'kafkajs';
import type { TopicSpec } from '@gridgov/contracts';
import { kafkajsOf, type KafkaClient } from './client.ts';

/** ConfigResourceTypes.TOPIC: kafkajs' CommonJS index hides that export from ESM named imports. */
const TOPIC_RESOURCE = 2 as ConfigResourceTypes;

/** A topic to create: infra/topics.json's shape (@gridgov/contracts). */
export type { TopicSpec };

/** A partition's offsets: `low` is its first record still kept, `high` the offset the next record gets. */
export interface PartitionWatermarks {
  readonly partition: number;
  readonly low: bigint;
  readonly high: bigint;
}

export interface TopicPartitions {
  readonly name: string;
  /** Its partitions, each with the id of its leader broker (-1 while it has none). */
  readonly partitions: readonly { readonly partition: number; readonly leader: number }[];
}

export interface ClusterDescription {
  readonly clusterId: string;
  readonly brokers: number;
}

/**
 * The cluster's administration: topics, their watermarks, consumer groups' offsets. Connect once,
 * ask many times, disconnect; the functions below do all three for one question.
 */
export class KafkaAdmin {
  private readonly admin: Admin;

  constructor(kafka: KafkaClient) {
    this.admin = kafkajsOf(kafka).admin();
  }

  connect(): Promise<void> {
    return this.admin.connect();
  }

  disconnect(): Promise<void> {
    return this.admin.disconnect();
  }

  async describeCluster(): Promise<ClusterDescription> {
    const cluster = await this.admin.describeCluster();
    return { clusterId: cluster.clusterId, brokers: cluster.brokers.length };
  }

  listTopics(): Promise<string[]> {
    return this.admin.listTopics();
  }

  /**
   * Creates these topics (auto-creation is off) and waits until each partition's leader serves it. A topic that
   * exists already is left as it is. Replication factor 1 unless the broker's default is asked for.
   */
  async createTopics(topics: readonly TopicSpec[], options: { timeoutMs?: number; replicationFactor?: number } = {}): Promise<void> {
    if (topics.length === 0) return;
    const timeoutMs = options.timeoutMs ?? 30_000;
    const deadline = Date.now() + timeoutMs;
    // kafkajs' own wait (waitForLeaders) retries only LEADER_NOT_AVAILABLE; a broker whose metadata has not caught up
    // with the new topic answers UNKNOWN_TOPIC_OR_PARTITION ("This server does not host this topic-partition") and
    // kafkajs gives up. So it only creates here, and waitForLeaders below retries both until the deadline.
    await this.admin.createTopics({
      waitForLeaders: false,
      timeout: timeoutMs,
      topics: topics.map((t) => ({
        topic: t.name,
        numPartitions: t.partitions,
        replicationFactor: options.replicationFactor ?? 1,
        configEntries: Object.entries(t.config ?? {}).map(([name, value]) => ({ name, value })),
      })),
    });
    await this.waitForLeaders(
      topics.map((t) => t.name),
      Math.max(deadline - Date.now(), 1000),
    );
    // The metadata names a leader a moment before that broker serves the partition, and it answers "not the leader"
    // meanwhile. A produce request to the new topic then fails for that partition alone, and kafkajs sends the whole
    // request again: the other partitions' records written twice (kafka.int.test.ts saw it, 2026-12-03 and -05). Only
    // a serving leader answers ListOffsets, and the watermarks are asked again until it does (the kafkajs patch), so
    // the topics are returned once every partition takes records.
    for (const t of topics) await this.watermarks(t.name);
  }

  /**
   * Waits until these topics exist and every partition has a leader, asking every 200 ms; their partitions and
   * leaders. Throws, naming the topics still without, when `timeoutMs` passes.
   */
  async waitForLeaders(names: readonly string[], timeoutMs: number): Promise<TopicPartitions[]> {
    const deadline = Date.now() + timeoutMs;
    let pending: readonly string[] = names;
    let lastError = '';
    for (;;) {
      try {
        const topics = await this.topics(names);
        pending = topics.filter((t) => t.partitions.length === 0 || t.partitions.some((p) => !(p.leader >= 0))).map((t) => t.name);
        if (pending.length === 0) return topics;
      } catch (err) {
        lastError = ` (${err instanceof Error ? err.message : String(err)})`;
      }
      if (Date.now() >= deadline) break;
      await sleep(200);
    }
    throw new Error(`timed out waiting for partition leaders of: ${pending.join(', ')}${lastError}`);
  }

  async deleteTopics(names: readonly string[], timeoutMs = 10_000): Promise<void> {
    if (names.length > 0) await this.admin.deleteTopics({ topics: [...names], timeout: timeoutMs });
  }

  /** Partitions and their leaders; throws when a topic does not exist. */
  async topics(names: readonly string[]): Promise<TopicPartitions[]> {
    const { topics } = await this.admin.fetchTopicMetadata({ topics: [...names] });
    return topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({ partition: p.partitionId, leader: p.leader })).sort((a, b) => a.partition - b.partition),
    }));
  }

  /** Some configuration entries of these topics, by topic name. */
  async topicConfigs(names: readonly string[], configNames: readonly string[]): Promise<Map<string, Record<string, string>>> {
    const { resources } = await this.admin.describeConfigs({
      includeSynonyms: false,
      resources: names.map((name) => ({ type: TOPIC_RESOURCE, name, configNames: [...configNames] })),
    });
    return new Map(resources.map((r) => [r.resourceName, Object.fromEntries(r.configEntries.map((e) => [e.configName, e.configValue]))]));
  }

  /**
   * Sets a topic's configuration to exactly these entries (Kafka's AlterConfigs replaces the topic's whole dynamic
   * configuration): what infra/topics.json says of a topic that exists already.
   */
  async setTopicConfig(name: string, config: Readonly<Record<string, string>>): Promise<void> {
    await this.admin.alterConfigs({
      validateOnly: false,
      resources: [{ type: TOPIC_RESOURCE, name, configEntries: Object.entries(config).map(([n, value]) => ({ name: n, value })) }],
    });
  }

  /** Each partition's low and high watermark, by partition number. */
  async watermarks(topic: string): Promise<PartitionWatermarks[]> {
    const offsets = await this.admin.fetchTopicOffsets(topic);
    return offsets
      .map((o) => ({ partition: o.partition, low: BigInt(o.low), high: BigInt(o.high) }))
      .sort((a, b) => a.partition - b.partition);
  }

  /** The offsets a consumer group has committed on a topic, by partition: the next offset it reads, or null where it has none. */
  async committedOffsets(groupId: string, topic: string): Promise<Map<number, bigint | null>> {
    const [committed] = await this.admin.fetchOffsets({ groupId, topics: [topic] });
    return new Map((committed?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset) < 0n ? null : BigInt(p.offset)]));
  }

  async deleteGroups(groupIds: readonly string[]): Promise<void> {
    if (groupIds.length > 0) await this.admin.deleteGroups([...groupIds]);
  }
}

/** Runs `work` with a connected admin, disconnected afterwards. */
export async function withAdmin<T>(kafka: KafkaClient, work: (admin: KafkaAdmin) => Promise<T>): Promise<T> {
  const admin = new KafkaAdmin(kafka);
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.disconnect();
  }
}

/** Creates the topics that are missing (auto-creation is off) and waits until each partition's leader serves it. */
export async function ensureTopics(kafka: KafkaClient, topics: readonly TopicSpec[]): Promise<void> {
  await withAdmin(kafka, async (admin) => {
    const existing = new Set(await admin.listTopics());
    await admin.createTopics(topics.filter((t) => !existing.has(t.name)));
  });
}

/** Number of partitions of a topic; throws when the topic does not exist. */
export async function partitionCount(kafka: KafkaClient, topic: string): Promise<number> {
  return withAdmin(kafka, async (admin) => {
    const found = (await admin.topics([topic])).find((t) => t.name === topic);
    if (!found || found.partitions.length === 0) throw new Error(`topic ${topic} does not exist`);
    return found.partitions.length;
  });
}

export async function deleteTopics(kafka: KafkaClient, names: readonly string[]): Promise<void> {
  await withAdmin(kafka, async (admin) => {
    const existing = new Set(await admin.listTopics());
    await admin.deleteTopics(names.filter((n) => existing.has(n)));
  });
}

/** Each partition's low and high watermark (one connection for one question). */
export function topicWatermarks(kafka: KafkaClient, topic: string): Promise<PartitionWatermarks[]> {
  return withAdmin(kafka, (admin) => admin.watermarks(topic));
}
