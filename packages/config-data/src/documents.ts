import { CategoryCode, DepartmentCode } from '@gridgov/contracts';
import { AreaData, HolidayData, OfficeHours, RoutingRules } from '@gridgov/domain';
import { z } from 'zod';

/** The kinds of configuration a deployment keeps as versioned data on grid.config (ADR 0024). */
export const ConfigKinds = ['areas', 'catalog', 'routing', 'calendar', 'policy'] as const;
export const ConfigKind = z.enum(ConfigKinds);
export type ConfigKind = z.infer<typeof ConfigKind>;

/** A span of time in the measure it runs in (as `Duration` of the domain). */
export const DurationData = z.strictObject({
  unit: z.enum(['working_hours', 'working_days', 'natural_hours', 'natural_minutes']),
  amount: z.number().positive('a duration is more than 0').max(10_000),
});

export const CategoryData = z.strictObject({
  code: CategoryCode,
  name: z.string().trim().min(1).max(100),
  defaultDepartment: DepartmentCode,
  /** Handling deadline (dispatch to resolved) per urgency. */
  handling: z.strictObject({ normal: DurationData, urgent: DurationData, very_urgent: DurationData }),
  confidential: z.boolean().default(false),
  /** When a report is proposed as a duplicate of an open case of the category (重复上报); absent: never. */
  duplicates: z
    .strictObject({
      radiusMeters: z.number().int().min(1).max(5_000),
      windowHours: z
        .number()
        .positive()
        .max(24 * 90),
    })
    .optional(),
});
export type CategoryData = z.infer<typeof CategoryData>;

export const DepartmentData = z.strictObject({ code: DepartmentCode, name: z.string().trim().min(1).max(100) });
export type DepartmentData = z.infer<typeof DepartmentData>;

/** The catalog: categories and the departments they go to. */
export const CatalogDocument = z.strictObject({
  categories: z.array(CategoryData).min(1, 'a catalog has at least one category').max(2_000),
  departments: z.array(DepartmentData).min(1, 'a catalog has at least one department').max(2_000),
});
export type CatalogDocument = z.infer<typeof CatalogDocument>;

/** The area tree, as an areas file holds it (AREAS_FILE). */
export const AreasDocument = AreaData;
export type AreasDocument = z.infer<typeof AreasDocument>;

/** Routing overrides, category × area → department (as ROUTING_RULES_FILE). */
export const RoutingDocument = RoutingRules.extend({ rules: RoutingRules.shape.rules.max(100_000) });
export type RoutingDocument = z.infer<typeof RoutingDocument>;

/** The working calendar: office hours of a working day and the holiday notices (as OFFICE_HOURS and HOLIDAYS_FILE). */
export const CalendarDocument = z.strictObject({ officeHours: OfficeHours, holidays: HolidayData });
export type CalendarDocument = z.infer<typeof CalendarDocument>;

const fraction = z.number().gt(0).lt(1);

/** The deadlines that are not per category (as DEADLINE_*, ESCALATION_EVERY, WARNING_FRACTIONS, RETENTION_DAYS). */
export const PolicyDocument = z.strictObject({
  dispatch: DurationData,
  signFor: DurationData,
  verification: DurationData,
  escalationEvery: DurationData,
  warningFractions: z
    .array(fraction)
    .max(10)
    .refine((a) => a.every((x, i) => i === 0 || x > a[i - 1]!), 'warning fractions ascend'),
  retentionMs: z.number().int().positive().optional(),
});
export type PolicyDocument = z.infer<typeof PolicyDocument>;

/** Each kind's document schema. */
export const DOCUMENT_SCHEMAS = {
  areas: AreasDocument,
  catalog: CatalogDocument,
  routing: RoutingDocument,
  calendar: CalendarDocument,
  policy: PolicyDocument,
} as const;

/** One document of every kind: what a configuration version is made of. */
export interface ConfigDocuments {
  readonly areas: AreasDocument;
  readonly catalog: CatalogDocument;
  readonly routing: RoutingDocument;
  readonly calendar: CalendarDocument;
  readonly policy: PolicyDocument;
}
export type DocumentOf<K extends ConfigKind> = ConfigDocuments[K];
