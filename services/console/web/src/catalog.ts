import { createContext, useContext } from 'react';
import type { Lang } from './i18n/translate.ts';

/** GET /v1/catalog: the categories a report may name and the departments a case may go to, as this deployment has them. */
export type { CatalogAnswer } from '@gridgov/contracts';
import type { CatalogAnswer } from '@gridgov/contracts';

/** How near in space and time a report must be to an open case of its category to be proposed as its duplicate. */
export interface DuplicateRule {
  readonly radiusMeters: number;
  readonly windowHours: number;
}

const readable = (code: string) => code.replace(/_/g, ' ');

/** Names by code. The catalog names things in Chinese; English shows the code. */
export class Catalog {
  private readonly categoryNames: ReadonlyMap<string, string>;
  private readonly departmentNames: ReadonlyMap<string, string>;

  constructor(readonly answer: CatalogAnswer) {
    this.categoryNames = new Map(answer.categories.map((c) => [c.code, c.name]));
    this.departmentNames = new Map(answer.departments.map((d) => [d.code, d.name]));
  }

  get categories() {
    return this.answer.categories;
  }

  get departments() {
    return this.answer.departments;
  }

  categoryName(code: string, lang: Lang): string {
    return lang === 'zh' ? (this.categoryNames.get(code) ?? code) : readable(code);
  }

  /** The category's duplicate rule (重复上报: radius and window), if reports of it are ever proposed as duplicates. */
  duplicateRule(code: string): DuplicateRule | undefined {
    return this.answer.categories.find((c) => c.code === code)?.duplicates;
  }

  departmentName(code: string | null, lang: Lang): string {
    if (code === null) return '—';
    return lang === 'zh' ? (this.departmentNames.get(code) ?? code) : readable(code);
  }
}

export const CatalogContext = createContext<Catalog>(new Catalog({ categories: [], departments: [] }));

export const useCatalog = (): Catalog => useContext(CatalogContext);
