import { loadXinhuiAreas, testEventVerifier, type TestInfra } from '@gridgov/testing';
import type { ProjectionGenerations } from './generation.ts';
import { Projector, type ProjectorDeps } from './projector.ts';

const areas = loadXinhuiAreas();

/** The live counters' projector of a test's topics and keys, on the 新会区 areas, its clock the test's. */
export function projectorOn(
  infra: TestInfra,
  generations: ProjectionGenerations,
  options: Pick<ProjectorDeps, 'clock'> & { readonly partitionsConcurrently: number } & Partial<
      Pick<ProjectorDeps, 'applyWrites' | 'onApplied'>
    >,
): Projector {
  return new Projector({
    kafka: infra.kafka,
    generations,
    areas,
    topics: infra.topics,
    groupId: `${infra.topicPrefix}projection`,
    logger: infra.logger,
    eventVerifier: testEventVerifier,
    ...options,
  });
}
