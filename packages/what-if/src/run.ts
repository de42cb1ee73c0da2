import type { EventVerifier } from '@gridgov/auth';
import type { ConfigSnapshot } from '@gridgov/config-data';
import type { KafkaClient } from '@gridgov/kafka';
import type { Logger } from '@gridgov/runtime';
import { WhatIfReplay, type Rules, type WhatIfReport, type WhatIfScope } from './engine.ts';
import { proposedConfiguration, type WhatIfPolicy } from './proposal.ts';
import { readGridEvents } from './read-events.ts';

/** How far a run is: reading grid.events (records of the log's total), then deciding the cases (of those in scope). */
export interface WhatIfProgress {
  readonly phase: 'reading' | 'deciding' | 'done';
  readonly done: number;
  readonly total: number;
}

export interface WhatIfRunOptions {
  readonly kafka: KafkaClient;
  /** grid.events, with the deployment's prefix. */
  readonly topic: string;
  readonly verifier: EventVerifier;
  readonly logger: Logger;
  readonly groupPrefix: string;
  /**
   * Every version of the configuration (`readConfigurationVersions`): each case is decided again under the version it
   * was decided under; the latest is the configuration in force, for the rest.
   */
  readonly versions: ReadonlyMap<number, ConfigSnapshot>;
  readonly policy: WhatIfPolicy;
  readonly scope: WhatIfScope;
  readonly onProgress?: (progress: WhatIfProgress) => void;
  readonly maxChanged?: number;
}

/**
 * A what-if run from the log: reads grid.events from the beginning (signatures checked), decides the scope's cases
 * under the rules in force and under the proposal, and compares them. Writes nothing anywhere: the result is the
 * caller's to print or keep (ADR 0033).
 */
export async function runWhatIf(options: WhatIfRunOptions): Promise<WhatIfReport & { readonly setAside: number }> {
  const versions = options.versions;
  const current = versions.get(Math.max(...versions.keys()));
  if (!current) throw new Error('runWhatIf: no configuration version given');
  const proposed = proposedConfiguration(current, options.policy);
  const rules = new Map<number, Rules | undefined>();
  const rulesOf = (version: number): Rules | undefined => {
    if (!rules.has(version)) {
      const snapshot = versions.get(version);
      let proposal: Rules | undefined;
      try {
        proposal = snapshot && { current: snapshot, proposed: proposedConfiguration(snapshot, options.policy) };
      } catch {
        // The proposal does not fit that version (a category added since): its cases are decided under today's rules.
        proposal = undefined;
      }
      rules.set(version, proposal);
    }
    return rules.get(version);
  };
  const replay = new WhatIfReplay(current, proposed, options.scope, options.maxChanged, rulesOf);
  const read = await readGridEvents(
    {
      kafka: options.kafka,
      topic: options.topic,
      verifier: options.verifier,
      logger: options.logger,
      groupPrefix: options.groupPrefix,
      onProgress: (done, total) => options.onProgress?.({ phase: 'reading', done, total }),
    },
    (event) => replay.add(event),
  );
  const total = replay.casesInScope;
  options.onProgress?.({ phase: 'deciding', done: 0, total });
  const report = await replay.finish(undefined, (done) => options.onProgress?.({ phase: 'deciding', done, total }));
  options.onProgress?.({ phase: 'done', done: total, total });
  options.logger.info(
    { events: report.eventsRead, cases: report.cases, changed: report.changedTotal, scope: options.scope, setAside: read.setAside },
    'what-if run finished',
  );
  return { ...report, setAside: read.setAside };
}
