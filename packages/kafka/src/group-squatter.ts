import { PartitionAssigners } from 'kafkajs';
import { kafkajsOf, type KafkaClient } from './client.ts';

/** A member holding a consumer group; `leave` takes it out again. */
export interface GroupSquatter {
  leave(): Promise<void>;
}

/**
 * Joins `groupId` (subscribed to `topic`) with an assignment protocol of another name than this package's consumers
 * speak, and stays: a consumer of ours can then never join the group (INCONSISTENT_GROUP_PROTOCOL, which the client
 * does not retry), as when another application took the group by mistake. For tests of what a service does with a
 * consumer that is dead for good.
 */
export async function squatGroup(kafka: KafkaClient, groupId: string, topic: string): Promise<GroupSquatter> {
  const consumer = kafkajsOf(kafka).consumer({
    groupId,
    partitionAssigners: [(config) => ({ ...PartitionAssigners.roundRobin(config), name: 'Squatter' })],
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let joined: () => void = () => undefined;
  let refused: (err: Error) => void = () => undefined;
  const inGroup = new Promise<void>((resolve, reject) => {
    joined = resolve;
    refused = reject;
  });
  consumer.on(consumer.events.GROUP_JOIN, () => joined());
  // A join the broker refuses for good (e.g. GROUP_AUTHORIZATION_FAILED: the principal may not use the group) rejects.
  consumer.on(consumer.events.CRASH, ({ payload }) => refused(payload.error));
  await consumer.run({ eachMessage: () => Promise.resolve() });
  try {
    await inGroup;
  } catch (err) {
    await consumer.disconnect().catch(() => undefined);
    throw err;
  }
  return { leave: () => consumer.disconnect() };
}
