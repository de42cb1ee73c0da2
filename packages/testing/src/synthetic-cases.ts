import type { GridEvent } from '@gridgov/contracts';
import { DEFAULT_CATEGORIES, DEFAULT_DEPARTMENTS, type AreaTree, type Incident, type IncidentStatus } from '@gridgov/domain';

/**
 * Made-up cases in volume for the read side's filter and search tests and the search benchmark: states as `evolve`
 * makes them (not decided: any mix of status, department, deadlines and escalation), each with the report event its
 * text comes from, and for some a later state (moved to another department, escalated, closed…). Seeded: the same
 * seed gives the same cases.
 */
export interface SyntheticCase {
  readonly incidentId: string;
  readonly reported: Incident;
  readonly report: GridEvent;
  /** A later state of the case, for one case in three. */
  readonly later?: Incident;
  /** The report's description and address, as written. */
  readonly description: string;
  readonly address: string;
}

/** Words the descriptions and addresses are made of: Chinese, a few Latin words and digits. */
export const SYNTHETIC_WORDS = [
  '路边',
  '堆放',
  '生活',
  '垃圾',
  '井盖',
  '缺失',
  '行人',
  '跌落',
  '楼道',
  '杂物',
  '消防',
  '通道',
  '堵塞',
  '违法',
  '搭建',
  '铁皮',
  '电动车',
  '充电',
  '火灾',
  '隐患',
  '邻里',
  '纠纷',
  '噪音',
  '扰民',
  '污水',
  '外溢',
  '占道',
  '经营',
  '广告',
  '破损',
  '路灯',
  '不亮',
  '树木',
  '倒伏',
  'ATM',
  'WiFi',
  '3号',
  '东门',
  '市场',
] as const;
const STREETS = ['同德路', '中山路', '新会大道', '圭峰路', '会城街道', '东门市场', '冈州大道'] as const;
const STATUSES: readonly IncidentStatus[] = ['reported', 'dispatched', 'accepted', 'resolved', 'closed', 'returned', 'rejected'];
const URGENCIES = ['normal', 'urgent', 'very_urgent'] as const;

/** A small seeded generator (mulberry32): a float in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SyntheticOptions {
  readonly count: number;
  readonly seed: number;
  readonly areas: AreaTree;
  /** Report times fall in [start, start + spanMs). */
  readonly start: number;
  readonly spanMs: number;
  /** How many different reporters (staff-000…). */
  readonly reporters?: number;
}

/** `count` synthetic cases over the grids of `areas`. */
export function syntheticCases(options: SyntheticOptions): SyntheticCase[] {
  const random = seededRandom(options.seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const grids = options.areas.ofLevel('grid').map((a) => a.code);
  const reporters = options.reporters ?? 50;
  const hex = () =>
    Math.floor(random() * 0x100000000)
      .toString(16)
      .padStart(8, '0');
  const out: SyntheticCase[] = [];
  for (let i = 0; i < options.count; i++) {
    const incidentId = `${hex()}-${hex().slice(0, 4)}-4${hex().slice(0, 3)}-8${hex().slice(0, 3)}-${hex()}${hex().slice(0, 4)}`;
    const reportedAt = options.start + Math.floor(random() * options.spanMs);
    const category = pick(DEFAULT_CATEGORIES).code;
    const words = Array.from({ length: 2 + Math.floor(random() * 5) }, () => pick(SYNTHETIC_WORDS));
    const description = words.join(random() < 0.5 ? '' : '，');
    const address = `${pick(STREETS)}${1 + Math.floor(random() * 99)}号`;
    const gridCode = pick(grids);
    const reporterId = `staff-${String(Math.floor(random() * reporters)).padStart(3, '0')}`;
    const reported = synthetic(random, pick, { incidentId, reportedAt, category, gridCode, reporterId });
    const report: GridEvent = {
      type: 'IncidentReported',
      data: {
        reportId: `r-${i}`,
        reporterId,
        gridCode,
        category,
        urgency: reported.urgency,
        description,
        location: { lat: 22.5, lng: 113, address },
        occurredAt: new Date(reportedAt).toISOString(),
        reportedAt: new Date(reportedAt).toISOString(),
      },
      metadata: {
        eventId: `${incidentId}:1`,
        incidentId,
        version: 1,
        occurredAt: new Date(reportedAt).toISOString(),
        actor: { id: reporterId, role: 'grid_staff', areas: [gridCode] },
      },
    };
    const later =
      random() < 1 / 3
        ? synthetic(random, pick, {
            incidentId,
            reportedAt,
            category,
            gridCode,
            reporterId,
            urgency: reported.urgency,
            version: reported.version + 1,
          })
        : undefined;
    out.push({ incidentId, reported, report, description, address, ...(later ? { later } : {}) });
  }
  return out;
}

function synthetic(
  random: () => number,
  pick: <T>(xs: readonly T[]) => T,
  c: {
    incidentId: string;
    reportedAt: number;
    category: string;
    gridCode: string;
    reporterId: string;
    urgency?: Incident['urgency'];
    version?: number;
  },
): Incident {
  const status = pick(STATUSES);
  const withDepartment = status !== 'reported' && status !== 'rejected';
  const open = status !== 'closed' && status !== 'rejected';
  return {
    version: c.version ?? 1,
    status,
    reportId: `r-${c.incidentId}`,
    reporterId: c.reporterId,
    gridCode: c.gridCode,
    category: c.category,
    urgency: c.urgency ?? pick(URGENCIES),
    reportedAt: c.reportedAt,
    department: withDepartment ? pick(DEFAULT_DEPARTMENTS).code : null,
    firstDispatchedAt: withDepartment ? c.reportedAt + 60_000 : null,
    clocks: [
      { stage: 'handling', startedAt: c.reportedAt, due: c.reportedAt + 86_400_000, measure: 'working', warned: 0, missed: random() < 0.2 },
    ],
    missedHandlingDeadline: false,
    reworkCount: 0,
    extensionCount: 0,
    pendingExtension: open && withDepartment && random() < 0.1 ? { unit: 'working_days', amount: 2 } : null,
    suspendedAt: open && random() < 0.05 ? c.reportedAt + 120_000 : null,
    suspensions: [],
    escalationLevel: random() < 0.15 ? 1 + Math.floor(random() * 2) : 0,
    nextEscalationAt: null,
  };
}
