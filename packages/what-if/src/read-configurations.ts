import { ConfigHistory, type ConfigSnapshot } from '@gridgov/config-data';
import { type KafkaClient, readTopic } from '@gridgov/kafka';
import type { Logger } from '@gridgov/runtime';

/**
 * Every version of the configuration grid.config has held (the baseline, version 0, then each valid change), as the
 * running services fold it (ADR 0024): a case is decided again under the version it was decided under. The last is the
 * configuration in force.
 */
export async function readConfigurationVersions(options: {
  readonly kafka: KafkaClient;
  readonly topic: string;
  readonly baseline: ConfigSnapshot;
  readonly logger: Logger;
}): Promise<Map<number, ConfigSnapshot>> {
  const history = new ConfigHistory(options.baseline);
  const versions = new Map<number, ConfigSnapshot>([[history.current.version, history.current]]);
  for (const record of await readTopic(options.kafka, options.topic)) {
    const applied = history.applyRecord(record.value);
    if (applied.ok) versions.set(history.current.version, history.current);
    else
      options.logger.warn(
        { offset: record.offset, reason: applied.reason },
        'what-if: a grid.config record refused, as the services refuse it',
      );
  }
  return versions;
}
