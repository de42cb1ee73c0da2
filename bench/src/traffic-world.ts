import { readFileSync } from 'node:fs';
import { mintToken, readDevSecrets } from '@gridgov/auth';
import { PersonRole, type Actor } from '@gridgov/contracts';
import {
  Catalog,
  DEFAULT_POLICY,
  HolidayData,
  parseAreaTree,
  RoutingRules,
  RoutingTable,
  stageTimeOf,
  WorkingCalendar,
  type DecisionContext,
} from '@gridgov/domain';
import { repoRoot } from './support.ts';

/** The areas file the stack loads by default (AREAS_FILE). */
export const DEFAULT_AREAS_FILE = `${repoRoot}/data/areas/xinhui.json`;

/**
 * The world the simulator plans in, as the dispatch worker builds its own: the area tree of
 * AREAS_FILE, the seed catalog, the routing rules of ROUTING_RULES_FILE, the published holidays.
 * (The worker's DEADLINE_* settings need not match: the plan only needs its cases to be plausible.)
 */
export function simulationContext(areasFile = DEFAULT_AREAS_FILE, routingRulesFile?: string): DecisionContext {
  const holidays = HolidayData.parse(JSON.parse(readFileSync(`${repoRoot}/data/calendars/cn-public-holidays.json`, 'utf8')));
  const areas = parseAreaTree(JSON.parse(readFileSync(areasFile, 'utf8')));
  const catalog = new Catalog();
  const rules = routingRulesFile ? RoutingRules.parse(JSON.parse(readFileSync(routingRulesFile, 'utf8'))).rules : [];
  return {
    areas,
    catalog,
    routing: new RoutingTable(areas, catalog, rules),
    policy: DEFAULT_POLICY,
    time: stageTimeOf(new WorkingCalendar({ holidays })),
  };
}

/** The token secret of the stack driven: JWT_SECRET, or the local stack's (.local/secrets.env, written by scripts/up). */
export function jwtSecret(): string {
  const secret = process.env['JWT_SECRET'] ?? readDevSecrets()['JWT_SECRET'];
  if (!secret)
    throw new Error('no JWT_SECRET: set it, or start the local stack once with `bash scripts/up` (it writes .local/secrets.env)');
  return secret;
}

/** Mints each simulated actor's own bearer token (HS256 with the stack's secret), as `pnpm mint-token` would, once. */
export function tokenMinter(secret: string, ttlSeconds = 12 * 3600): (actor: Actor) => string {
  const minted = new Map<string, string>();
  return (actor) => {
    const key = JSON.stringify([actor.id, actor.role, actor.areas, actor.department]);
    let token = minted.get(key);
    if (token === undefined) {
      const claims = {
        sub: actor.id,
        role: PersonRole.parse(actor.role),
        areas: actor.areas ?? [],
        department: actor.department,
        ttlSeconds,
      };
      minted.set(key, (token = mintToken(claims, secret)));
    }
    return token;
  };
}
