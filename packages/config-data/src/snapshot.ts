import { AreaTree, Catalog, RoutingTable, stageTimeOf, WorkingCalendar, type DeadlinePolicy, type DecisionContext } from '@gridgov/domain';
import type { ConfigDocuments, ConfigKind } from './documents.ts';
import { crossCheck, InvalidConfigError } from './validate.ts';

/**
 * One version of the whole configuration: every kind's document and what the services use built from them. Immutable:
 * a change is a new snapshot (`with`), swapped in whole, so a decision sees one version throughout.
 */
export class ConfigSnapshot {
  readonly areas: AreaTree;
  readonly catalog: Catalog;
  readonly routing: RoutingTable;
  readonly calendar: WorkingCalendar;
  readonly policy: DeadlinePolicy;
  /** What the dispatch worker decides with; `configVersion` goes on the events it writes. */
  readonly context: DecisionContext;

  private constructor(
    /** 0: the deployment's files (the baseline); n: after the n-th change on grid.config. */
    readonly version: number,
    readonly documents: ConfigDocuments,
  ) {
    this.areas = new AreaTree(documents.areas.areas);
    this.catalog = new Catalog(documents.catalog.categories, documents.catalog.departments);
    this.routing = new RoutingTable(this.areas, this.catalog, documents.routing.rules);
    this.calendar = new WorkingCalendar({ officeHours: documents.calendar.officeHours, holidays: documents.calendar.holidays });
    const { retentionMs, ...policy } = documents.policy;
    this.policy = retentionMs === undefined ? policy : { ...policy, retentionMs };
    this.context = {
      areas: this.areas,
      catalog: this.catalog,
      routing: this.routing,
      policy: this.policy,
      time: stageTimeOf(this.calendar),
      configVersion: version,
    };
  }

  /** A snapshot of valid documents; throws InvalidConfigError naming every row and field that is not. */
  static of(version: number, documents: ConfigDocuments): ConfigSnapshot {
    const issues = crossCheck(documents);
    if (issues.length > 0) throw new InvalidConfigError(issues);
    return new ConfigSnapshot(version, documents);
  }

  /** The next version: this one with `kind`'s document replaced (throws InvalidConfigError when the result is not valid). */
  with<K extends ConfigKind>(kind: K, document: ConfigDocuments[K], version = this.version + 1): ConfigSnapshot {
    return ConfigSnapshot.of(version, { ...this.documents, [kind]: document });
  }
}
