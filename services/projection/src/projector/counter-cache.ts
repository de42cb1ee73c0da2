/**
 * One partition's part of a counters read: the sums of its hashes' fields (hash × field, row by row) as they stood at
 * `version`, the partition's checkpoint and its restored mark read in the same script as the values (ADR 0045).
 */
export interface PartitionPart {
  readonly version: string;
  readonly totals: Float64Array;
  /** 1 where some hash of the row held the field (an absent field is no figure, not 0). */
  readonly present: Uint8Array;
}

/** What a part costs the cache beyond its arrays: the key string, the entry, the Map's slot (an estimate). */
const ENTRY_OVERHEAD_BYTES = 160;

/**
 * The partitions' parts of recent counter reads, kept by the question (the hashes and fields read) and the partition,
 * within `maxBytes`, the least recently used dropped first. A part is only answered again while its partition is at
 * the version it was read at: the counters of a partition change only by a batch applied with a new checkpoint, and a
 * partition folded again after Redis lost it is marked restored anew. Nothing is ever answered from here that Redis
 * does not hold at the moment of the question; what the cache saves is reading and summing it (ADR 0045).
 */
export class CounterReadCache {
  private readonly parts = new Map<string, PartitionPart & { readonly bytes: number }>();
  private held = 0;
  private hitCount = 0;
  private missCount = 0;

  constructor(
    readonly maxBytes: number,
    /** Told of every part answered from here (true) or to be read from Redis (false), and of the bytes held. */
    private readonly observe?: { part(hit: boolean): void; bytes(held: number): void },
  ) {
    if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) throw new RangeError(`maxBytes must be a non-negative integer, got ${maxBytes}`);
  }

  /** Whether anything is kept at all (0 bytes: every read goes to Redis's counters). */
  get enabled(): boolean {
    return this.maxBytes > 0;
  }

  /** Bytes held, by the estimate `maxBytes` bounds. */
  get bytes(): number {
    return this.held;
  }

  get size(): number {
    return this.parts.size;
  }

  /** Parts answered from here, and parts read from Redis, since the start. */
  get counts(): { readonly hits: number; readonly misses: number } {
    return { hits: this.hitCount, misses: this.missCount };
  }

  /** The part kept for `key`, only if it was read at `version` (none: a partition not whole, never kept); counts the hit or the miss. */
  get(key: string, version: string | undefined): PartitionPart | undefined {
    const part = version === undefined ? undefined : this.parts.get(key);
    if (part === undefined || part.version !== version) {
      this.missCount++;
      this.observe?.part(false);
      return undefined;
    }
    this.hitCount++;
    this.observe?.part(true);
    // Most recently used last: a Map iterates in insertion order, so the first key is the one to drop.
    this.parts.delete(key);
    this.parts.set(key, part);
    return part;
  }

  set(key: string, part: PartitionPart): void {
    if (!this.enabled) return;
    this.drop(key);
    const bytes = part.totals.byteLength + part.present.byteLength + 2 * (key.length + part.version.length) + ENTRY_OVERHEAD_BYTES;
    if (bytes > this.maxBytes) return;
    this.parts.set(key, { ...part, bytes });
    this.held += bytes;
    for (const [oldest] of this.parts) {
      if (this.held <= this.maxBytes) break;
      this.drop(oldest);
    }
    this.observe?.bytes(this.held);
  }

  private drop(key: string): void {
    const part = this.parts.get(key);
    if (part === undefined) return;
    this.parts.delete(key);
    this.held -= part.bytes;
  }
}
