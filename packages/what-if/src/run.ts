import type { EventVerifier } from '@gridgov/auth';
import type { ConfigSnapshot } from '@gridgov/config-data';
import type { KafkaClient } from '@gridgov/kafka';
import type { Logger } from '@gridgov/runtime';
import { WhatIfReplay, type WhatIfReport, type WhatIfScope } from './engine.ts';
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
  /** The configuration in force (grid.config): the current rules, and what the proposal changes. */
  readonly current: ConfigSnapshot;
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
  const proposed = proposedConfiguration(options.current, options.policy);
  const replay = new WhatIfReplay(options.current, proposed, options.scope, options.maxChanged);
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
