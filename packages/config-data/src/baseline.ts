import { DEFAULT_CATEGORIES, DEFAULT_DEPARTMENTS, type Duration } from '@gridgov/domain';
import { readJsonFile } from '@gridgov/runtime';
import type { ConfigDocuments } from './documents.ts';
import { ConfigSnapshot } from './snapshot.ts';
import { formatIssue, parseDocument } from './validate.ts';

const DEFAULT_HOLIDAYS = new URL('../../../data/calendars/cn-public-holidays.json', import.meta.url);

/** The settings that make version 0 (BaselineConfig of @gridgov/config, plus AREAS_FILE), as parsed. */
export interface BaselineSettings {
  readonly AREAS_FILE: string;
  readonly ROUTING_RULES_FILE?: string | undefined;
  readonly HOLIDAYS_FILE?: string | undefined;
  readonly OFFICE_HOURS: readonly { start: string; end: string }[];
  readonly DEADLINE_DISPATCH: Duration;
  readonly DEADLINE_SIGN_FOR: Duration;
  readonly DEADLINE_VERIFICATION: Duration;
  readonly ESCALATION_EVERY: Duration;
  readonly WARNING_FRACTIONS: readonly number[];
  readonly RETENTION_DAYS?: number | undefined;
}

/** One kind's document read from a file: parsed, or an error naming the setting, the row and the field. */
function documentFrom<K extends keyof ConfigDocuments>(kind: K, json: unknown, setting: string): ConfigDocuments[K] {
  const parsed = parseDocument(kind, json);
  if (!parsed.ok) throw new Error(`${setting}: ${parsed.issues.map(formatIssue).join('; ')}`);
  return parsed.document;
}

/**
 * Configuration version 0: the deployment's files and settings (AREAS_FILE, ROUTING_RULES_FILE, HOLIDAYS_FILE,
 * OFFICE_HOURS, DEADLINE_*, ESCALATION_EVERY, WARNING_FRACTIONS, RETENTION_DAYS) and the built-in catalog. Nothing is
 * written for it: every instance given the same files holds the same version 0 (ADR 0024).
 */
export async function loadBaseline(settings: BaselineSettings): Promise<ConfigSnapshot> {
  const documents: ConfigDocuments = {
    areas: documentFrom('areas', await readJsonFile(settings.AREAS_FILE, 'AREAS_FILE'), 'AREAS_FILE'),
    catalog: documentFrom('catalog', { categories: DEFAULT_CATEGORIES, departments: DEFAULT_DEPARTMENTS }, 'the built-in catalog'),
    routing: settings.ROUTING_RULES_FILE
      ? documentFrom('routing', await readJsonFile(settings.ROUTING_RULES_FILE, 'ROUTING_RULES_FILE'), 'ROUTING_RULES_FILE')
      : { rules: [] },
    calendar: documentFrom(
      'calendar',
      { officeHours: settings.OFFICE_HOURS, holidays: await readJsonFile(settings.HOLIDAYS_FILE ?? DEFAULT_HOLIDAYS, 'HOLIDAYS_FILE') },
      'HOLIDAYS_FILE / OFFICE_HOURS',
    ),
    policy: documentFrom(
      'policy',
      {
        dispatch: settings.DEADLINE_DISPATCH,
        signFor: settings.DEADLINE_SIGN_FOR,
        verification: settings.DEADLINE_VERIFICATION,
        escalationEvery: settings.ESCALATION_EVERY,
        warningFractions: settings.WARNING_FRACTIONS,
        ...(settings.RETENTION_DAYS === undefined ? {} : { retentionMs: settings.RETENTION_DAYS * 86_400_000 }),
      },
      'DEADLINE_* / ESCALATION_EVERY / WARNING_FRACTIONS',
    ),
  };
  return ConfigSnapshot.of(0, documents);
}
