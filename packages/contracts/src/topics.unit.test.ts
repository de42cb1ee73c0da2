import { describe, expect, it } from 'vitest';
import { TOPIC_KEYS, TOPIC_SPECS, TopicNames, topicSpecsWithPrefix, topicsWithPrefix } from './topics.ts';

describe('topics, from infra/topics.json', () => {
  it('names every topic of the file, and only those', () => {
    expect(Object.values(TopicNames).sort()).toEqual(TOPIC_SPECS.map((t) => t.name).sort());
    expect(TopicNames.commands).toBe('grid.commands');
    expect(topicsWithPrefix('t1.').events).toBe('t1.grid.events');
  });

  it('gives a test its own copies: prefixed, with the settings of the file, the partition counts asked for', () => {
    const specs = topicSpecsWithPrefix('t1.', { commands: 3, events: 2 });
    expect(specs.map((s) => s.name)).toEqual(TOPIC_KEYS.map((k) => `t1.grid.${k}`));
    const byKey = Object.fromEntries(TOPIC_KEYS.map((k, i) => [k, specs[i]!]));
    expect(byKey['commands']!.partitions).toBe(3);
    expect(byKey['outcomes']!.partitions).toBe(3);
    expect(byKey['events']!.partitions).toBe(2);
    expect(byKey['bulletins']).toEqual({ ...TOPIC_SPECS.find((t) => t.name === 'grid.bulletins'), name: 't1.grid.bulletins' });
    expect(topicSpecsWithPrefix('', {})).toEqual(TOPIC_KEYS.map((k) => TOPIC_SPECS.find((t) => t.name === `grid.${k}`)));
  });
});
