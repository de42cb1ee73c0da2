import { EventVerifier } from '@gridgov/auth';
import { BaselineConfig, parseConfig } from '@gridgov/config';
import { loadBaseline } from '@gridgov/config-data';
import { runWhatIf } from '@gridgov/what-if';
import { pino } from 'pino';
import { kafkajsRead } from './kafka-clients.ts';
import { fillFromSimulator } from './replay-history.ts';
import { benchInfra, repoRoot, report, type SuiteRows } from './support.ts';

/**
 * The what-if replay's speed (`bash scripts/bench what-if`, issue 21): a seeded history on grid.events, replayed from
 * the beginning (signatures checked), every case decided twice (the rules in force, 道路不洁 at 8 working hours) and
 * compared; events/s from the start of the run to its report. Beside a bare kafkajs consumer that JSON-parses the same
 * topic in the same run.
 */
export async function whatIfBench(incidents: number): Promise<SuiteRows> {
  const infra = await benchInfra(4);
  try {
    const { events } = await fillFromSimulator(infra, incidents);
    const bare = (await kafkajsRead(infra, infra.topics.events, events, true)).perSecond;
    // Version 0 of a deployment that sets only its area tree: every other setting at its default.
    const current = await loadBaseline({ ...parseConfig(BaselineConfig, {}), AREAS_FILE: `${repoRoot}/data/areas/xinhui.json` });
    const started = performance.now();
    const result = await runWhatIf({
      kafka: infra.kafka,
      topic: infra.topics.events,
      verifier: new EventVerifier([infra.secrets.events.publicKey]),
      logger: pino({ level: 'silent' }),
      groupPrefix: `${infra.id}.what-if`,
      versions: new Map([[current.version, current]]),
      policy: { handling: { dirty_road: { normal: { unit: 'working_hours', amount: 8 } } } },
      scope: { from: '2026-01-01', to: '2026-12-31' },
    });
    const seconds = (performance.now() - started) / 1000;
    if (result.eventsRead !== events) throw new Error(`what-if read ${result.eventsRead} events of ${events}`);
    const rate = Math.round(events / seconds);
    report(
      'what-if',
      [
        { name: 'what-if replay', value: rate, unit: 'events/s', note: `${events} events, ${result.cases} cases decided twice` },
        { name: 'bare kafkajs consumer + JSON.parse', value: Math.round(bare), unit: 'events/s' },
      ],
      { incidents, events, changed: result.changedTotal },
    );
    return [
      {
        figure: `what-if replay: events/s, ${events.toLocaleString('en-US')} events, each case decided twice`,
        value: rate,
        unit: '/s',
        reference: { name: 'bare kafkajs consumer + JSON.parse', value: Math.round(bare), unit: '/s' },
      },
    ];
  } finally {
    await infra.cleanup();
  }
}
