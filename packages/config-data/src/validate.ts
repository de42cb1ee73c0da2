import { AreaLevels } from '@gridgov/domain';
import type { z } from 'zod';
import { DOCUMENT_SCHEMAS, type ConfigDocuments, type ConfigKind } from './documents.ts';

/** What is wrong with a document: where (`path`, e.g. `categories.3.code`: row 3's column `code`) and why. */
export interface ConfigIssue {
  readonly kind: ConfigKind;
  readonly path: string;
  readonly message: string;
}

/** Thrown when a document, or a version made with it, is not valid; `issues` name each row and field. */
export class InvalidConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(readonly issues: readonly ConfigIssue[]) {
    super(`invalid configuration: ${issues.map(formatIssue).join('; ')}`);
  }
}

export const formatIssue = (i: ConfigIssue): string => `${i.kind}: ${i.path || '(document)'}: ${i.message}`;

/** Parses a document of `kind` from untrusted JSON: the parsed document, or the issues naming row and field. */
export function parseDocument<K extends ConfigKind>(
  kind: K,
  json: unknown,
): { ok: true; document: ConfigDocuments[K] } | { ok: false; issues: ConfigIssue[] } {
  const schema = DOCUMENT_SCHEMAS[kind] as unknown as z.ZodType<ConfigDocuments[K]>;
  const parsed = schema.safeParse(json);
  if (parsed.success) return { ok: true, document: parsed.data };
  return { ok: false, issues: parsed.error.issues.slice(0, 50).map((i) => ({ kind, path: i.path.join('.'), message: i.message })) };
}

/**
 * The rules that hold across rows and across kinds, each broken one named by row and field: codes unique, parents
 * present, levels consistent, defaults and routing rules naming what exists.
 */
export function crossCheck(docs: ConfigDocuments): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const areaCodes = new Map<string, number>();
  docs.areas.areas.forEach((a, i) => {
    if (areaCodes.has(a.code))
      issues.push({ kind: 'areas', path: `areas.${i}.code`, message: `duplicate area code ${a.code} (as row ${areaCodes.get(a.code)})` });
    else areaCodes.set(a.code, i);
  });
  const roots = docs.areas.areas.filter((a) => a.parent === null);
  if (roots.length !== 1)
    issues.push({ kind: 'areas', path: 'areas', message: `an area tree has one root city; this has ${roots.length}` });
  docs.areas.areas.forEach((a, i) => {
    if (a.parent === null) {
      if (a.level !== 'city')
        issues.push({ kind: 'areas', path: `areas.${i}.level`, message: `${a.code} has no parent; only a city may be a root` });
      return;
    }
    const p = areaCodes.get(a.parent);
    const parent = p === undefined ? undefined : docs.areas.areas[p];
    if (!parent) issues.push({ kind: 'areas', path: `areas.${i}.parent`, message: `${a.code} names a missing parent ${a.parent}` });
    else if (AreaLevels.indexOf(parent.level) + 1 !== AreaLevels.indexOf(a.level)) {
      issues.push({
        kind: 'areas',
        path: `areas.${i}.level`,
        message: `${a.code} (${a.level}) cannot sit under ${parent.code} (${parent.level})`,
      });
    }
  });

  const departments = new Set<string>();
  docs.catalog.departments.forEach((d, i) => {
    if (departments.has(d.code))
      issues.push({ kind: 'catalog', path: `departments.${i}.code`, message: `duplicate department code ${d.code}` });
    departments.add(d.code);
  });
  const categories = new Set<string>();
  docs.catalog.categories.forEach((c, i) => {
    if (categories.has(c.code))
      issues.push({ kind: 'catalog', path: `categories.${i}.code`, message: `duplicate category code ${c.code}` });
    categories.add(c.code);
    if (!departments.has(c.defaultDepartment)) {
      issues.push({ kind: 'catalog', path: `categories.${i}.defaultDepartment`, message: `unknown department ${c.defaultDepartment}` });
    }
  });

  const ruleKeys = new Set<string>();
  docs.routing.rules.forEach((r, i) => {
    if (!areaCodes.has(r.area)) issues.push({ kind: 'routing', path: `rules.${i}.area`, message: `unknown area ${r.area}` });
    if (r.category !== '*' && !categories.has(r.category))
      issues.push({ kind: 'routing', path: `rules.${i}.category`, message: `unknown category ${r.category}` });
    if (!departments.has(r.department))
      issues.push({ kind: 'routing', path: `rules.${i}.department`, message: `unknown department ${r.department}` });
    const key = `${r.area}|${r.category}`;
    if (ruleKeys.has(key)) issues.push({ kind: 'routing', path: `rules.${i}`, message: `a second rule for ${r.category} in ${r.area}` });
    ruleKeys.add(key);
  });
  return issues.slice(0, 50);
}
