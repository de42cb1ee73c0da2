import { Instant } from '@gridgov/contracts';
import { z } from 'zod';
import { ConfigKind } from './documents.ts';

/** Who made a change: the admin's subject and role, as their token said. */
export const ConfigAuthor = z.strictObject({ id: z.string().min(1).max(200), role: z.string().min(1).max(40) });
export type ConfigAuthor = z.infer<typeof ConfigAuthor>;

/**
 * One change on grid.config: the whole new document of one kind (`after`; the one before is the previous version's,
 * so before/after of every change can be shown from the log alone), the version it makes, who and when. Keyed
 * `<version>:<id>`, so compaction never drops one: the audit history is the topic (ADR 0024).
 */
export const ConfigChange = z.strictObject({
  /** Unique per write: tells a writer whether its record is the one that made the version. */
  id: z.uuid(),
  /** The configuration version this change makes: the previous one + 1. A record claiming any other is refused. */
  version: z.number().int().positive(),
  kind: ConfigKind,
  at: Instant,
  by: ConfigAuthor,
  /** What was done, for people: "category added: noise", "area tree imported: 3 added, 1 renamed". */
  summary: z.string().max(500),
  /** The kind's document after the change; validated against its schema and the rest of the version when read. */
  after: z.unknown(),
});
export type ConfigChange = z.infer<typeof ConfigChange>;

/** The record key of a change: its version, zero-padded so that keys sort as versions, and its id. */
export const changeKey = (c: Pick<ConfigChange, 'version' | 'id'>): string => `${String(c.version).padStart(10, '0')}:${c.id}`;
