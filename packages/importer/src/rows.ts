import type { IncidentImported, Urgency } from '@gridgov/contracts';
import type { AreaTree, Catalog } from '@gridgov/domain';
import { dateReader, type DateReader } from './dates.ts';
import type { MappedField, Mapping } from './mapping.ts';

/** Why one row of the legacy file is refused: its line, the legacy column (as the file names it) and what is wrong. */
export interface RowProblem {
  readonly line: number;
  readonly column: string;
  readonly reason: string;
}

export type MappedRow =
  { readonly ok: true; readonly event: IncidentImported } | { readonly ok: false; readonly problems: readonly RowProblem[] };

/** What the mapper checks against: the areas (a grid must be one) and the catalog (categories, departments). */
export interface RowWorld {
  readonly areas: AreaTree;
  readonly catalog: Catalog;
  /** The case's id from the source and the legacy id (UUIDv5, `caseIdOf`). */
  readonly idOf: (source: string, legacyId: string) => string;
}

const TIMES = ['reportedAt', 'dispatchedAt', 'resolvedAt', 'closedAt'] as const;
const TIME_NAMES: Record<(typeof TIMES)[number], string> = {
  reportedAt: 'reported',
  dispatchedAt: 'dispatched',
  resolvedAt: 'resolved',
  closedAt: 'closed',
};

/**
 * Maps legacy rows (one record of column → text per line) into IncidentImported events, or the problems of a row,
 * every one of them (a row is refused whole: a half-read case would count wrong). Pure; the same row maps the same.
 */
export class RowMapper {
  private readonly readDate: DateReader;
  private readonly grids: ReadonlySet<string>;
  private readonly yes: ReadonlySet<string>;
  private readonly no: ReadonlySet<string>;

  constructor(
    private readonly mapping: Mapping,
    private readonly world: RowWorld,
  ) {
    this.readDate = dateReader(mapping.dates.formats, mapping.dates.utcOffset);
    this.grids = new Set(world.areas.ofLevel('grid').map((g) => g.code));
    this.yes = new Set(mapping.values.yes);
    this.no = new Set(mapping.values.no);
  }

  /** The legacy columns the file must have: the required fields' and every optional column the mapping names. */
  requiredColumns(): string[] {
    return Object.values(this.mapping.columns).filter((c): c is string => c !== undefined);
  }

  map(line: number, record: Readonly<Record<string, string | undefined>>): MappedRow {
    const { columns, values } = this.mapping;
    const problems: RowProblem[] = [];
    const refuse = (field: MappedField, reason: string) => problems.push({ line, column: columns[field] ?? field, reason });
    const cell = (field: MappedField): string => {
      const column = columns[field];
      return column === undefined ? '' : (record[column] ?? '').trim();
    };
    const required = (field: MappedField): string => {
      const text = cell(field);
      if (text === '') refuse(field, 'missing: the column is required');
      return text;
    };

    const legacyId = required('caseId');
    if (legacyId.length > 200) refuse('caseId', 'too long: a case id has at most 200 characters');
    const grid = required('grid');
    if (grid !== '' && !this.grids.has(grid)) refuse('grid', `unknown grid ${JSON.stringify(grid)}: not a grid of the areas file`);
    const categoryText = required('category');
    const category = values.category[categoryText] ?? categoryText;
    if (categoryText !== '' && !this.world.catalog.category(category)) {
      refuse('category', `unknown category ${JSON.stringify(categoryText)}: neither mapped in values.category nor a catalog code`);
    }
    const urgencyText = cell('urgency');
    const urgency: Urgency | undefined =
      urgencyText === ''
        ? this.mapping.defaultUrgency
        : (values.urgency[urgencyText] ??
          (['normal', 'urgent', 'very_urgent'].includes(urgencyText) ? (urgencyText as Urgency) : undefined));
    if (!urgency) refuse('urgency', `unknown urgency ${JSON.stringify(urgencyText)}: not mapped in values.urgency`);

    const times: Partial<Record<(typeof TIMES)[number], number>> = {};
    for (const field of TIMES) {
      const text = field === 'reportedAt' ? required(field) : cell(field);
      if (text === '') continue;
      const at = this.readDate(text);
      if (at === undefined) refuse(field, `malformed date ${JSON.stringify(text)}: expected ${this.mapping.dates.formats.join(' or ')}`);
      else times[field] = at;
    }
    // Each stage after the one before it, whichever of them the row has.
    let previous: (typeof TIMES)[number] | undefined;
    for (const field of TIMES) {
      const at = times[field];
      if (at === undefined) continue;
      if (previous !== undefined && at < times[previous]!) {
        refuse(field, `dates out of order: ${TIME_NAMES[field]} before ${TIME_NAMES[previous]} (${columns[previous]})`);
      }
      previous = field;
    }

    const departmentText = cell('department');
    const department = departmentText === '' ? undefined : (values.department[departmentText] ?? departmentText);
    if (department !== undefined && !this.world.catalog.department(department)) {
      refuse(
        'department',
        `unknown department ${JSON.stringify(departmentText)}: neither mapped in values.department nor a department code`,
      );
    }
    const reworkText = cell('rework');
    let reworkCount = 0;
    if (reworkText !== '') {
      if (this.yes.has(reworkText)) reworkCount = 1;
      else if (this.no.has(reworkText)) reworkCount = 0;
      else if (/^\d{1,3}$/.test(reworkText)) reworkCount = Number(reworkText);
      else refuse('rework', `not a yes/no word nor a count: ${JSON.stringify(reworkText)}`);
    }
    const onTimeText = cell('onTime');
    let onTime: boolean | undefined;
    if (onTimeText !== '') {
      if (this.yes.has(onTimeText)) onTime = true;
      else if (this.no.has(onTimeText)) onTime = false;
      else refuse('onTime', `not a yes/no word: ${JSON.stringify(onTimeText)}`);
    }
    if (problems.length > 0 || urgency === undefined || times.reportedAt === undefined) return { ok: false, problems };

    const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
    const end = times.resolvedAt ?? times.closedAt;
    const incidentId = this.world.idOf(this.mapping.source, legacyId);
    const data: IncidentImported['data'] = {
      imported: { source: this.mapping.source, legacyId, line },
      gridCode: grid,
      category,
      urgency,
      reportedAt: iso(times.reportedAt)!,
      ...(times.dispatchedAt !== undefined ? { dispatchedAt: iso(times.dispatchedAt)! } : {}),
      ...(times.dispatchedAt !== undefined && department !== undefined ? { department } : {}),
      ...(times.resolvedAt !== undefined ? { resolvedAt: iso(times.resolvedAt)! } : {}),
      ...(times.closedAt !== undefined ? { closedAt: iso(times.closedAt)! } : {}),
      reworkCount,
      ...(onTime !== undefined ? { onTime } : {}),
      handlingMs: times.dispatchedAt !== undefined && end !== undefined ? end - times.dispatchedAt : 0,
    };
    // The event's time is the last the legacy system recorded: the same row gives the same bytes, import after import.
    const last = times.closedAt ?? times.resolvedAt ?? times.dispatchedAt ?? times.reportedAt;
    return {
      ok: true,
      event: {
        type: 'IncidentImported',
        data,
        metadata: {
          eventId: `${incidentId}:1`,
          incidentId,
          version: 1,
          occurredAt: iso(last)!,
          actor: { id: `import:${this.mapping.source}`, role: 'system' },
        },
      },
    };
  }
}
