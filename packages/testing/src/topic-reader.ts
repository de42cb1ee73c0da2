// A topic read from the beginning to its current end: the Kafka package's plain reader, at hand for tests.
export { readTopic, type ReadRecord } from '@gridgov/kafka';
