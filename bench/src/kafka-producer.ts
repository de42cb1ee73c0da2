/**
 * What writing to Kafka costs the services a record: packages/kafka's DurableProducer (kafkajs as patched, acks=all, the
 * murmur2 partitioner), as the intake, the worker's relay and the CLIs write, beside @platformatic/kafka's
 * idempotent producer writing the same records in the same sends, in the same run. Sends of 1, 10 and 500 records:
 * what a service sends at 100 reports a second, at 1,000, and in a relay, an import or a restore. Both clients run in
 * the bench's own process, one at a time, taking turns; the CPU is the process's over each one's sends.
 */
import { simulateHistory } from '@gridgov/simulator';
import { kafkajsWrite, platformaticWrite, producerTopic, type WriteRate } from './kafka-clients.ts';
import { benchInfra, report, signedEvents, type Figure, type SuiteRows, type SummaryRow } from './support.ts';
import { simulationContext } from './traffic-world.ts';

/** Sends of each size, and how many records each client writes in them a round. */
const SENDS = [
  { batch: 1, records: 1_000 },
  { batch: 10, records: 10_000 },
  { batch: 500, records: 50_000 },
] as const;
const ROUNDS = 2;

export async function kafkaProducerBench(scale: number): Promise<SuiteRows> {
  const infra = await benchInfra(12);
  const topic = await producerTopic(infra, 12);
  try {
    // grid.events records as the worker writes them: the simulator's events, each with its chunk signature header.
    const from = Date.parse('2026-01-01T00:00:00+08:00');
    const wanted = Math.max(...SENDS.map((s) => s.records)) * scale;
    const plain: { key: string; value: string }[] = [];
    for (const incident of simulateHistory({
      seed: 7,
      incidents: Math.ceil(wanted / 5),
      ctx: simulationContext(),
      from,
      to: from + 30 * 86_400_000,
    })) {
      for (const e of incident.events) plain.push({ key: incident.incidentId, value: JSON.stringify(e) });
      if (plain.length >= wanted) break;
    }
    const records = signedEvents(infra, plain);
    const bytes = records.reduce((n, r) => n + r.key.length + r.value.length + JSON.stringify(r.headers ?? {}).length, 0) / records.length;

    const figures: Figure[] = [];
    const rows: SummaryRow[] = [];
    for (const { batch, records: count } of SENDS) {
      const sample = records.slice(0, count * scale);
      const runs = { kafkajs: [] as WriteRate[], platformatic: [] as WriteRate[] };
      for (let round = 0; round < ROUNDS; round++) {
        runs.kafkajs.push(await kafkajsWrite(infra, topic.name, sample, batch));
        runs.platformatic.push(await platformaticWrite(infra, topic.name, sample, batch, true));
      }
      // The least CPU and the most records/s of the rounds: the ones least disturbed by whatever else ran.
      const best = (rates: readonly WriteRate[]) => ({
        cpu: Math.min(...rates.map((r) => r.cpuMicrosPerRecord)),
        perSecond: Math.max(...rates.map((r) => r.perSecond)),
      });
      const ours = best(runs.kafkajs);
      const theirs = best(runs.platformatic);
      const sends = `sends of ${batch}`;
      figures.push(
        {
          name: `kafkajs (DurableProducer), ${sends}: CPU a record`,
          value: round1(ours.cpu),
          unit: 'µs',
          note: `${Math.round(ours.perSecond).toLocaleString('en-US')} records/s`,
        },
        {
          name: `@platformatic/kafka idempotent, ${sends}: CPU a record`,
          value: round1(theirs.cpu),
          unit: 'µs',
          note: `${Math.round(theirs.perSecond).toLocaleString('en-US')} records/s`,
        },
      );
      rows.push({
        figure: `kafka producer: CPU a record, ${sends} (DurableProducer, acks=all)`,
        value: round1(ours.cpu),
        unit: 'µs',
        reference: { name: '@platformatic/kafka producer (idempotent), the same sends', value: round1(theirs.cpu), unit: 'µs' },
      });
    }
    report('kafka-producer', figures, {
      recordBytes: Math.round(bytes),
      rounds: ROUNDS,
      sends: SENDS.map((s) => ({ ...s, records: s.records * scale })),
    });
    return rows;
  } finally {
    await topic.remove().catch(() => undefined);
    await infra.cleanup();
  }
}

const round1 = (value: number) => Math.round(value * 10) / 10;
