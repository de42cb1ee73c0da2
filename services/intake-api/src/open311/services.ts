import { Urgency } from '@gridgov/contracts';
import type { Catalog, Category } from '@gridgov/domain';
import type { Open311Service, Open311ServiceDefinition } from './answers.ts';

export type { Open311Service } from './answers.ts';

/** The urgency a request may name (attribute[urgency]), with its names. */
const URGENCY_NAMES: Readonly<Record<Urgency, string>> = { normal: '一般 normal', urgent: '紧急 urgent', very_urgent: '特急 very urgent' };

/** The one attribute every service takes, optional (so `metadata` is false): how urgent the citizen says it is. */
export const URGENCY_ATTRIBUTE = 'urgency';

const serviceOf = (catalog: Catalog, category: Category): Open311Service => {
  const department = catalog.department(category.defaultDepartment)?.name ?? category.defaultDepartment;
  return {
    service_code: category.code,
    service_name: category.name,
    // 举报人保护: a lead is taken like any request, and never shown by GET requests (an app should not show it either).
    description: category.confidential
      ? `${category.name}: confidential; taken by the dispatchers, never shown in any list of requests`
      : `${category.name}: handled by ${department} once a dispatcher has accepted it (受理)`,
    // The one attribute (urgency) is optional: a client needs no service definition to report.
    metadata: false,
    // The service_request_id (the case's id) is answered at once.
    type: 'realtime',
    keywords: [category.code, category.name, department].join(', '),
    group: department,
  };
};

/** GET services.{format}: the catalog's categories, in its order. */
export function serviceList(catalog: Catalog): Open311Service[] {
  return catalog.allCategories().map((c) => serviceOf(catalog, c));
}

/** GET services/{code}.{format}: the service's attributes (urgency), or undefined for a code not in the catalog. */
export function serviceDefinition(catalog: Catalog, code: string): Open311ServiceDefinition | undefined {
  if (!catalog.category(code)) return undefined;
  return {
    service_code: code,
    attributes: [
      {
        variable: true,
        code: URGENCY_ATTRIBUTE,
        datatype: 'singlevaluelist',
        required: false,
        datatype_description: 'how urgent the citizen finds it; normal when not given',
        order: 1,
        description: '紧急程度 urgency',
        values: Urgency.options.map((key) => ({ key, name: URGENCY_NAMES[key] })),
      },
    ],
  };
}
