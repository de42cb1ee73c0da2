import type { ConfigDocuments, ConfigKind } from './documents.ts';
import { ConfigChange } from './record.ts';
import type { ConfigSnapshot } from './snapshot.ts';
import { formatIssue, InvalidConfigError, parseDocument } from './validate.ts';

/** A change as the audit shows it: who, when, what, and the kind's document before and after. */
export interface AuditEntry {
  readonly version: number;
  readonly kind: ConfigKind;
  readonly at: string;
  readonly by: { readonly id: string; readonly role: string };
  readonly summary: string;
  readonly id: string;
  readonly before: ConfigDocuments[ConfigKind];
  readonly after: ConfigDocuments[ConfigKind];
}

export type Applied = { readonly ok: true; readonly entry: AuditEntry } | { readonly ok: false; readonly reason: string };

/**
 * The fold of grid.config: the deployment's baseline (version 0), then each valid change in log order. Deterministic,
 * so every instance that reads the same log and has the same baseline holds the same versions. A record that is not a
 * change, claims a version other than the next, or makes an invalid configuration is refused (the reason is returned
 * to be logged) and changes nothing: the first record of a version wins, which is how two admins' writes race.
 */
export class ConfigHistory {
  private snapshot: ConfigSnapshot;
  private readonly entries: AuditEntry[] = [];
  private readonly ids = new Set<string>();

  constructor(readonly baseline: ConfigSnapshot) {
    this.snapshot = baseline;
  }

  get current(): ConfigSnapshot {
    return this.snapshot;
  }

  /** Every change applied, oldest first. */
  get changes(): readonly AuditEntry[] {
    return this.entries;
  }

  /** Whether the change with this id made a version (false: refused, or not read yet). */
  made(id: string): boolean {
    return this.ids.has(id);
  }

  /** Applies one record as it stands on grid.config: its text, or null for a tombstone (refused, as is text that is no JSON). */
  applyRecord(value: string | Buffer | null): Applied {
    if (value === null) return this.apply(null);
    let json: unknown;
    try {
      json = JSON.parse(typeof value === 'string' ? value : value.toString('utf8'));
    } catch (err) {
      return { ok: false, reason: `not JSON: ${err instanceof Error ? err.message : String(err)}` };
    }
    return this.apply(json);
  }

  /** Applies one record's JSON value (a tombstone or garbage is refused). */
  apply(value: unknown): Applied {
    const parsed = ConfigChange.safeParse(value);
    if (!parsed.success) {
      return {
        ok: false,
        reason: `not a configuration change: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      };
    }
    const change = parsed.data;
    const expected = this.snapshot.version + 1;
    if (change.version !== expected) {
      return {
        ok: false,
        reason: `change ${change.id} claims version ${change.version}, but the next is ${expected}: another change made it first`,
      };
    }
    const doc = parseDocument(change.kind, change.after);
    if (!doc.ok) return { ok: false, reason: `change ${change.id} (${change.kind}): ${doc.issues.map(formatIssue).join('; ')}` };
    let next: ConfigSnapshot;
    try {
      next = this.snapshot.with(change.kind, doc.document, change.version);
    } catch (err) {
      if (err instanceof InvalidConfigError) return { ok: false, reason: `change ${change.id} (${change.kind}): ${err.message}` };
      throw err;
    }
    const entry: AuditEntry = {
      version: change.version,
      kind: change.kind,
      at: change.at,
      by: change.by,
      summary: change.summary,
      id: change.id,
      before: this.snapshot.documents[change.kind],
      after: doc.document,
    };
    this.snapshot = next;
    this.entries.push(entry);
    this.ids.add(change.id);
    return { ok: true, entry };
  }
}
