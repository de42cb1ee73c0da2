import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

interface TopicSpec {
  readonly name: string;
  readonly partitions: number;
  readonly config: Record<string, string>;
}

/**
 * docker-compose.yml cannot be run here (no Docker engine), and it spells the topics out for kafka-topics.sh: it must
 * create exactly the topics of infra/topics.json, which scripts/up and the tests create, with the same settings.
 */
describe('docker-compose.yml', () => {
  it('creates the topics of infra/topics.json, each with its partitions and settings', () => {
    const wanted = (JSON.parse(readFileSync(resolve(root, 'infra/topics.json'), 'utf8')) as { topics: TopicSpec[] }).topics;
    const compose = readFileSync(resolve(root, 'docker-compose.yml'), 'utf8');
    const created = [
      ...compose.matchAll(/--create --if-not-exists --topic (\S+) --partitions (\d+) --replication-factor \d+((?: --config \S+)*)/g),
    ].map(([, name, partitions, configs]) => ({
      name: name!,
      partitions: Number(partitions),
      config: Object.fromEntries([...configs!.matchAll(/--config ([^=\s]+)=(\S+)/g)].map(([, k, v]) => [k!, v!])),
    }));
    expect(created).toEqual(wanted.map((t) => ({ name: t.name, partitions: t.partitions, config: t.config })));
  });
});
