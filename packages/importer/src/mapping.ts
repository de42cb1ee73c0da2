import { z } from 'zod';
import { CategoryCode, DepartmentCode, Urgency } from '@gridgov/contracts';

/** The fields of a legacy case the importer knows (ADR 0030); `columns` names the legacy column of each. */
export const MappedFields = [
  'caseId',
  'grid',
  'category',
  'urgency',
  'reportedAt',
  'dispatchedAt',
  'resolvedAt',
  'closedAt',
  'department',
  'rework',
  'onTime',
] as const;
export type MappedField = (typeof MappedFields)[number];

const Column = z.string().trim().min(1).max(200);

/** `YYYY`, `MM`, `DD`, `HH`, `mm`, `ss` and literal characters between them, e.g. `YYYY/MM/DD HH:mm`. */
const DateFormat = z
  .string()
  .min(4)
  .max(60)
  .refine((f) => f.includes('YYYY') && f.includes('MM') && f.includes('DD'), {
    message: 'a date format names at least YYYY, MM and DD (and optionally HH, mm, ss)',
  });

/**
 * A mapping file (JSON): which legacy column is which, and how its values read. Documented in docs/operations.md
 * ("Importing a legacy system's cases"); data/import/szcg-legacy.mapping.json is an example.
 */
export const Mapping = z.strictObject({
  /**
   * The legacy system's name, e.g. `szcg-2019`: with the legacy case id it makes each case's id (UUIDv5), so the same
   * source imported again, under any file name, gives the same ids. Never change it between imports of one system.
   */
  source: z.string().regex(/^[A-Za-z0-9._-]{1,100}$/, 'a source name is 1–100 letters, digits, ".", "_", "-"'),
  columns: z.strictObject({
    caseId: Column,
    grid: Column,
    category: Column,
    reportedAt: Column,
    urgency: Column.optional(),
    dispatchedAt: Column.optional(),
    resolvedAt: Column.optional(),
    closedAt: Column.optional(),
    department: Column.optional(),
    /** A yes/no word (是/否) or a count of reworks (0, 1, 2, …). */
    rework: Column.optional(),
    onTime: Column.optional(),
  }),
  values: z
    .strictObject({
      /** Legacy category name → catalog code; a value already a catalog code needs no entry. */
      category: z.record(z.string(), CategoryCode).default({}),
      /** Legacy department name → department code; a value already a department code needs no entry. */
      department: z.record(z.string(), DepartmentCode).default({}),
      /** Legacy urgency word → urgency; `normal`, `urgent`, `very_urgent` need no entry. */
      urgency: z.record(z.string(), Urgency).default({}),
      /** Words that mean yes and no in the rework and on-time columns. */
      yes: z.array(z.string().min(1)).min(1).default(['是', 'Y', 'y', 'yes', 'true', '1']),
      no: z.array(z.string().min(1)).min(1).default(['否', 'N', 'n', 'no', 'false', '0']),
    })
    .prefault({}),
  dates: z.strictObject({
    /** Formats tried in turn; a value may leave out the time (00:00:00) when its format does. */
    formats: z.array(DateFormat).min(1),
    /** The fixed UTC offset the legacy times are in, e.g. `+08:00` (China keeps no daylight saving). */
    utcOffset: z.string().regex(/^[+-](0\d|1[0-4]):[0-5]\d$/, 'a UTC offset like +08:00'),
  }),
  /** The urgency of a row whose urgency cell is empty (or when there is no urgency column). */
  defaultUrgency: Urgency.default('normal'),
  /** CSV: the field delimiter (`,` unless given). */
  delimiter: z.string().length(1).default(','),
  /** XLSX: the worksheet's name (the first sheet unless given). */
  sheet: z.string().min(1).optional(),
});
export type Mapping = z.infer<typeof Mapping>;
