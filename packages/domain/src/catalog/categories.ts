import type { Urgency } from '@gridgov/contracts';

/** A span of time on the clock that it is measured by. */
export type Duration =
  | { readonly unit: 'working_hours'; readonly amount: number }
  | { readonly unit: 'working_days'; readonly amount: number }
  | { readonly unit: 'natural_hours'; readonly amount: number }
  | { readonly unit: 'natural_minutes'; readonly amount: number };

export interface Category {
  readonly code: string;
  readonly name: string;
  readonly defaultDepartment: string;
  /** Handling deadline (from dispatch to resolved) per urgency. */
  readonly handling: Readonly<Record<Urgency, Duration>>;
  /** Confidential categories never show the reporter to handlers or read models (举报人保护). */
  readonly confidential: boolean;
  /**
   * When a new report is proposed as a possible duplicate (重复上报) of an open case of the category: within this many
   * metres of it and this many hours after its report. Absent: never proposed (a dispute or a lead is never "the same").
   */
  readonly duplicates?: DuplicateRule | undefined;
}

/** How near in space and time two reports of a category must be for the second to be proposed as a duplicate. */
export interface DuplicateRule {
  readonly radiusMeters: number;
  readonly windowHours: number;
}

export interface Department {
  readonly code: string;
  readonly name: string;
}

const wh = (amount: number): Duration => ({ unit: 'working_hours', amount });
const wd = (amount: number): Duration => ({ unit: 'working_days', amount });
const nh = (amount: number): Duration => ({ unit: 'natural_hours', amount });

/** The handling time of a case whose category is not in the catalog (see `Catalog.handling`). */
export const UNKNOWN_CATEGORY_HANDLING: Duration = wd(1);

export const DEFAULT_DEPARTMENTS: readonly Department[] = [
  { code: 'urban_mgmt', name: '城市管理局' },
  { code: 'sanitation', name: '环境卫生所' },
  { code: 'public_security', name: '公安分局' },
  { code: 'emergency_mgmt', name: '应急管理局' },
  { code: 'fire_rescue', name: '消防救援大队' },
  { code: 'market_supervision', name: '市场监督管理局' },
  { code: 'ecology_env', name: '生态环境分局' },
  { code: 'justice', name: '司法局（人民调解）' },
  { code: 'housing', name: '住房和城乡建设局' },
  { code: 'water_affairs', name: '水务局' },
];

/** The seed catalog: docs/domain.md's examples from published local rules, and the social-governance categories. */
export const DEFAULT_CATEGORIES: readonly Category[] = [
  {
    code: 'exposed_rubbish',
    name: '暴露垃圾',
    defaultDepartment: 'sanitation',
    confidential: false,
    handling: { normal: wd(1), urgent: wh(4), very_urgent: wh(2) },
    duplicates: { radiusMeters: 50, windowHours: 72 },
  },
  {
    code: 'dirty_road',
    name: '道路不洁',
    defaultDepartment: 'sanitation',
    confidential: false,
    handling: { normal: wh(5), urgent: wh(2), very_urgent: wh(1) },
    duplicates: { radiusMeters: 50, windowHours: 72 },
  },
  {
    code: 'illegal_construction',
    name: '违法搭建',
    defaultDepartment: 'urban_mgmt',
    confidential: false,
    handling: { normal: wd(15), urgent: wd(5), very_urgent: wd(1) },
  },
  {
    code: 'manhole_cover',
    name: '井盖缺失',
    defaultDepartment: 'water_affairs',
    confidential: false,
    handling: { normal: nh(6), urgent: nh(6), very_urgent: nh(2) },
    duplicates: { radiusMeters: 30, windowHours: 72 },
  },
  {
    code: 'dispute',
    name: '矛盾纠纷',
    defaultDepartment: 'justice',
    confidential: false,
    handling: { normal: wd(5), urgent: wd(2), very_urgent: wh(4) },
  },
  {
    code: 'security_hazard',
    name: '治安隐患',
    defaultDepartment: 'public_security',
    confidential: false,
    handling: { normal: wd(3), urgent: wd(1), very_urgent: nh(4) },
  },
  {
    code: 'work_safety',
    name: '安全生产',
    defaultDepartment: 'emergency_mgmt',
    confidential: false,
    handling: { normal: wd(5), urgent: wd(1), very_urgent: nh(4) },
  },
  {
    code: 'fire_safety',
    name: '消防安全',
    defaultDepartment: 'fire_rescue',
    confidential: false,
    handling: { normal: wd(3), urgent: wd(1), very_urgent: nh(2) },
  },
  {
    code: 'telecom_fraud',
    name: '电信诈骗',
    defaultDepartment: 'public_security',
    confidential: false,
    handling: { normal: wd(3), urgent: wd(1), very_urgent: nh(4) },
  },
  {
    code: 'food_drug_env',
    name: '食药环',
    defaultDepartment: 'market_supervision',
    confidential: false,
    handling: { normal: wd(5), urgent: wd(2), very_urgent: wd(1) },
  },
  {
    code: 'gang_crime_lead',
    name: '涉黑涉恶线索',
    defaultDepartment: 'public_security',
    confidential: true,
    handling: { normal: wd(10), urgent: wd(3), very_urgent: wd(1) },
  },
];

export class Catalog {
  private readonly categories: ReadonlyMap<string, Category>;
  private readonly departments: ReadonlyMap<string, Department>;

  constructor(categories: readonly Category[] = DEFAULT_CATEGORIES, departments: readonly Department[] = DEFAULT_DEPARTMENTS) {
    this.departments = new Map(departments.map((d) => [d.code, d]));
    this.categories = new Map(categories.map((c) => [c.code, c]));
    for (const c of categories) {
      if (!this.departments.has(c.defaultDepartment)) {
        throw new Error(`category ${c.code} names an unknown department ${c.defaultDepartment}`);
      }
    }
  }

  category(code: string): Category | undefined {
    return this.categories.get(code);
  }

  /*
   * A category not in the catalog: a report names only catalog categories (the intake and the decider refuse any
   * other), but a case decided under an older catalog may name one this catalog dropped. What such a case gets is
   * said here, once: the fallbacks below.
   */

  /** The handling time of a category at an urgency; one working day for a category not in the catalog. */
  handling(code: string, urgency: Urgency): Duration {
    return this.categories.get(code)?.handling[urgency] ?? UNKNOWN_CATEGORY_HANDLING;
  }

  /** The category's name; its code for a category not in the catalog. */
  categoryName(code: string): string {
    return this.categories.get(code)?.name ?? code;
  }

  /** Whether reports of the category are confidential (举报人保护); not for a category not in the catalog. */
  isConfidential(code: string): boolean {
    return this.categories.get(code)?.confidential ?? false;
  }

  /** The category's duplicate rule (radius and window); none for a category without one or not in the catalog. */
  duplicateRule(code: string): DuplicateRule | undefined {
    return this.categories.get(code)?.duplicates;
  }

  /** The department a category goes to when no routing rule applies; none for a category not in the catalog. */
  defaultDepartment(code: string): string | undefined {
    return this.categories.get(code)?.defaultDepartment;
  }

  department(code: string): Department | undefined {
    return this.departments.get(code);
  }

  allCategories(): readonly Category[] {
    return [...this.categories.values()];
  }

  allDepartments(): readonly Department[] {
    return [...this.departments.values()];
  }
}
