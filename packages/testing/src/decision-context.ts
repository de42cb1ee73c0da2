import { readFileSync } from 'node:fs';
import { Catalog, DEFAULT_POLICY, HolidayData, RoutingTable, stageTimeOf, WorkingCalendar, type DecisionContext } from '@gridgov/domain';
import { loadXinhuiAreas } from './areas.ts';

/** The decision context the worker builds by default: 新会区, the seed catalog, the 2025–2026 holiday notices. */
export function defaultDecisionContext(): DecisionContext {
  const file = new URL('../../../data/calendars/cn-public-holidays.json', import.meta.url);
  const holidays = HolidayData.parse(JSON.parse(readFileSync(file, 'utf8')));
  const areas = loadXinhuiAreas();
  const catalog = new Catalog();
  return {
    areas,
    catalog,
    routing: new RoutingTable(areas, catalog),
    policy: DEFAULT_POLICY,
    time: stageTimeOf(new WorkingCalendar({ holidays })),
  };
}
