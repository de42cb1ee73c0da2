import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseAreaTree, type AreaTree } from '@gridgov/domain';

/** The 新会区 areas file the services load by default (AREAS_FILE): tests that start services name it outright. */
export const XINHUI_AREAS_FILE = fileURLToPath(new URL('../../../data/areas/xinhui.json', import.meta.url));

/** The 新会区 tree as the services load it:江门市 → 新会区 → 会城街道 and ten towns → communities → 662 grids. */
export function loadXinhuiAreas(): AreaTree {
  return parseAreaTree(JSON.parse(readFileSync(XINHUI_AREAS_FILE, 'utf8')));
}

/** The 六安-like second district (六安市 → 金安区 → 22 streets and towns → 1,100 grids), data/areas/luan.json. */
export const LUAN_AREAS_FILE = fileURLToPath(new URL('../../../data/areas/luan.json', import.meta.url));

/** An areas file's tree, as the services load it. */
export function loadAreas(file: string): AreaTree {
  return parseAreaTree(JSON.parse(readFileSync(file, 'utf8')));
}
