/**
 * The read side's Redis key layout (ADR 0008, 0009), in one producer: what the projection's case-view projector
 * writes and the intake reads. `keyPrefix` is KEY_PREFIX (default `grid`).
 */
export function readModelKeys(keyPrefix: string) {
  return {
    /** String: the case view JSON (`IncidentView`), unredacted. */
    view: (incidentId: string) => `${keyPrefix}:incident:${incidentId}`,
    /** Hash: event version → history line JSON (`HistoryEntry`). */
    history: (incidentId: string) => `${keyPrefix}:history:${incidentId}`,
    /** Sorted set of the cases of `area` (any level, the grid's own included) on one work list, scored by report time. */
    caseQueue: (area: string, queue: string) => `${keyPrefix}:cases:${area}:${queue}`,
    /**
     * Sorted set of the cases of `area` (any level, the grid's own included) on one of `department`'s work lists
     * (DEPARTMENT_QUEUES), scored by report time.
     */
    departmentQueue: (area: string, department: string, queue: string) => `${keyPrefix}:dept-cases:${area}:${department}:${queue}`,
    /** Sorted set of the cases one person reported, scored by report time. */
    reportedBy: (reporterId: string) => `${keyPrefix}:reported-by:${reporterId}`,
    /** String with a TTL: a command's outcome (from grid.outcomes, without its position). */
    outcome: (commandId: string) => `${keyPrefix}:outcome:${commandId}`,
    /**
     * The fold of one grid.events / grid.outcomes partition (hash tag {c<partition>}): the incidents' states it builds
     * the views from, its checkpoints, and the marks that the partition is whole. The API reads the marks: while any
     * partition lacks one, the read side is being restored and is not served.
     */
    partition: (partition: number) => {
      const tag = `${keyPrefix}:{c${partition}}`;
      return {
        /** Hash: incident id → the incident's state (JSON, `StoredIncident`), as evolve folds it. */
        incidents: `${tag}:incidents`,
        /** Offset of the last grid.events record folded. */
        eventsCheckpoint: `${tag}:checkpoint:events`,
        /** Offset of the last grid.outcomes record folded. */
        outcomesCheckpoint: `${tag}:checkpoint:outcomes`,
        /** Set when what the partition's events (resp. outcomes) give is whole: folded up to the log's end, or never lost. */
        eventsRestored: `${tag}:restored:events`,
        outcomesRestored: `${tag}:restored:outcomes`,
      };
    },
  };
}
export type ReadModelKeys = ReturnType<typeof readModelKeys>;
export type ReadModelPartitionKeys = ReturnType<ReadModelKeys['partition']>;
