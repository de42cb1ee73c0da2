import { AreaCode } from '@gridgov/contracts';
import { z } from 'zod';
import type { AreaTree } from '../areas/area-tree.ts';
import type { Catalog } from './categories.ts';

/** A routing file: overrides of the catalog's default departments, per area (and below). */
export const RoutingRules = z.object({
  rules: z.array(
    z.object({
      area: AreaCode,
      category: z.string().min(1),
      department: z.string().min(1),
      /** Why the rule is there, for the people who keep the table. */
      note: z.string().optional(),
    }),
  ),
});
export type RoutingRules = z.infer<typeof RoutingRules>;

/** An override: cases of `category` (or of every category, '*') in `area` and below go to `department`. */
export interface RoutingRule {
  readonly area: string;
  readonly category: string; // a category code, or '*' for every category
  readonly department: string;
}

/**
 * Routing: category × area → department. The most specific rule wins: the rule on the nearest
 * area up the grid's lineage, a rule naming the category before a '*' rule on the same area;
 * without a rule, the category's default department.
 */
export class RoutingTable {
  private readonly rules = new Map<string, string>();

  constructor(
    private readonly areas: AreaTree,
    private readonly catalog: Catalog,
    rules: readonly RoutingRule[] = [],
  ) {
    for (const rule of rules) {
      if (!areas.has(rule.area)) throw new Error(`routing rule names an unknown area ${rule.area}`);
      if (!catalog.department(rule.department)) throw new Error(`routing rule names an unknown department ${rule.department}`);
      if (rule.category !== '*' && !catalog.category(rule.category)) {
        throw new Error(`routing rule names an unknown category ${rule.category}`);
      }
      const key = `${rule.area}|${rule.category}`;
      if (this.rules.has(key)) throw new Error(`two routing rules for ${rule.category} in ${rule.area}`);
      this.rules.set(key, rule.department);
    }
  }

  route(category: string, gridCode: string): string | undefined {
    for (const area of this.areas.lineage(gridCode)) {
      const specific = this.rules.get(`${area}|${category}`) ?? this.rules.get(`${area}|*`);
      if (specific) return specific;
    }
    return this.catalog.defaultDepartment(category);
  }
}
