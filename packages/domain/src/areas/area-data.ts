import { AreaBoundary, AreaCode } from '@gridgov/contracts';
import { z } from 'zod';
import { AreaLevels, AreaTree } from './area-tree.ts';

/** One area as an areas file lists it. */
export const AreaRecord = z.object({
  code: AreaCode,
  name: z.string().min(1),
  level: z.enum(AreaLevels),
  /** The area it sits in; null for the root, a city. */
  parent: AreaCode.nullable(),
  /** Optional: where the area lies (checked as a polygon by @gridgov/geo where boundaries are used). */
  boundary: AreaBoundary.optional(),
});
export type AreaRecord = z.infer<typeof AreaRecord>;

/**
 * An areas file (`AREAS_FILE`; the deployment's, e.g. `data/areas/xinhui.json`): every area of the tree, parents
 * before or after their children. The tree's own rules (one root city, each level under the one above) are
 * checked when it is built.
 */
export const AreaData = z.object({ areas: z.array(AreaRecord).min(1, 'an areas file lists at least its root city') });
export type AreaData = z.infer<typeof AreaData>;

/** The area tree of an areas file's parsed JSON: validated, then built. Throws naming what is wrong. */
export function parseAreaTree(json: unknown): AreaTree {
  const parsed = AreaData.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`not an areas file: ${issues}`);
  }
  return new AreaTree(parsed.data.areas);
}
