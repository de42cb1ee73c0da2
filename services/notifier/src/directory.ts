import { AreaCode, DepartmentCode, type Notification, PersonRole } from '@gridgov/contracts';
import type { AreaTree } from '@gridgov/domain';
import { z } from 'zod';

export const Channel = z.enum(['inbox', 'sms']);
export type Channel = z.infer<typeof Channel>;

/** A person who may be notified: the token subject `id` is whose inbox it is. */
export const Person = z
  .object({
    id: z.string().min(1).max(64),
    name: z.string().max(100).optional(),
    role: PersonRole,
    areas: z.array(AreaCode).min(1).max(64),
    department: DepartmentCode.optional(),
    /** Mainland mobile number, 11 digits (optionally +86). */
    phone: z
      .string()
      .regex(/^(\+86)?1\d{10}$/, 'a phone is a mainland mobile number, 11 digits, optionally +86')
      .optional(),
    channels: z.array(Channel).min(1).max(2),
  })
  .refine((p) => p.role !== 'handler' || p.department !== undefined, { path: ['department'], message: 'a handler names a department' })
  .refine((p) => !p.channels.includes('sms') || p.phone !== undefined, { path: ['phone'], message: 'the sms channel needs a phone' });
export type Person = z.infer<typeof Person>;

/** A webhook: every notification whose recipient matches role and (when given) area or department is POSTed to url. */
export const Webhook = z.object({
  id: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/),
  url: z.url({ protocol: /^https?$/ }),
  role: PersonRole.optional(),
  area: AreaCode.optional(),
  department: DepartmentCode.optional(),
});
export type Webhook = z.infer<typeof Webhook>;

/** The directory file (DIRECTORY_FILE) and the body of PUT /v1/directory. */
export const DirectoryData = z
  .object({
    people: z.array(Person).max(100_000),
    webhooks: z.array(Webhook).max(1_000).default([]),
  })
  .refine((d) => new Set(d.people.map((p) => p.id)).size === d.people.length, { path: ['people'], message: 'person ids are unique' })
  .refine((d) => new Set(d.webhooks.map((w) => w.id)).size === d.webhooks.length, {
    path: ['webhooks'],
    message: 'webhook ids are unique',
  });
export type DirectoryData = z.infer<typeof DirectoryData>;

/** Whether `area` (the notification's) is one of `areas` or lies within one of them. */
function covers(tree: AreaTree, areas: readonly string[], area: string): boolean {
  return areas.some((a) => a === area || (tree.has(area) && tree.isWithin(area, a)));
}

/**
 * Who a notification is for: one person when it names them, else by role, and by area (the person serves it or an
 * area above) or department.
 */
export class Directory {
  constructor(
    readonly data: DirectoryData,
    private readonly areas: AreaTree,
  ) {
    for (const p of data.people) for (const a of p.areas) if (!areas.has(a)) throw new Error(`people.${p.id}.areas: unknown area ${a}`);
  }

  recipients(n: Pick<Notification, 'recipient'>): Person[] {
    const { role, area, department, person } = n.recipient;
    // A notice for one person (a reporter told their case closed): them alone, whatever their areas are now.
    if (person !== undefined) return this.data.people.filter((p) => p.id === person && p.role === role);
    return this.data.people.filter(
      (p) =>
        p.role === role &&
        (department === undefined || p.department === department) &&
        (area === undefined || covers(this.areas, p.areas, area)),
    );
  }

  webhooks(n: Pick<Notification, 'recipient'>): Webhook[] {
    const { role, area, department } = n.recipient;
    return this.data.webhooks.filter(
      (w) =>
        (w.role === undefined || w.role === role) &&
        (w.department === undefined || w.department === department) &&
        (w.area === undefined || (area !== undefined && (w.area === area || (this.areas.has(area) && this.areas.isWithin(area, w.area))))),
    );
  }
}
