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

/** Told of every value answered from a cache (true) or not (false), and of the bytes it holds: its metrics. */
export interface KeptObserver {
  found?(hit: boolean): void;
  bytes(held: number): void;
}

/** What a kept value costs beyond its own bytes: the key string, the entry, the Map's slot (an estimate). */
export const ENTRY_OVERHEAD_BYTES = 160;

/**
 * Values kept by key within `maxBytes`, the least recently used dropped first, each answered only at the version it
 * was made at. What the versions are is the caller's: here a version is a string compared for equality, nothing more.
 */
export class KeptByVersion<V extends { readonly version: string }> {
  private readonly values = new Map<string, V & { readonly bytes: number }>();
  private held = 0;
  private hitCount = 0;
  private missCount = 0;

  constructor(
    readonly maxBytes: number,
    /** What a value costs under its key, in bytes, by the estimate `maxBytes` bounds. */
    private readonly bytesOf: (key: string, value: V) => number,
    private readonly observe?: KeptObserver,
  ) {
    if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) throw new RangeError(`maxBytes must be a non-negative integer, got ${maxBytes}`);
  }

  /** Whether anything is kept at all (0 bytes: nothing). */
  get enabled(): boolean {
    return this.maxBytes > 0;
  }

  /** Bytes held, by the estimate `maxBytes` bounds. */
  get bytes(): number {
    return this.held;
  }

  get size(): number {
    return this.values.size;
  }

  /** Values answered from here, and values asked for and not here, since the start. */
  get counts(): { readonly hits: number; readonly misses: number } {
    return { hits: this.hitCount, misses: this.missCount };
  }

  /** The value kept for `key`, only if it was made at `version` (none: never kept); counts the hit or the miss. */
  get(key: string, version: string | undefined): V | undefined {
    const value = version === undefined ? undefined : this.values.get(key);
    if (value === undefined || value.version !== version) {
      this.missCount++;
      this.observe?.found?.(false);
      return undefined;
    }
    this.hitCount++;
    this.observe?.found?.(true);
    // Most recently used last: a Map iterates in insertion order, so the first key is the one to drop.
    this.values.delete(key);
    this.values.set(key, value);
    return value;
  }

  set(key: string, value: V): void {
    if (!this.enabled) return;
    this.drop(key);
    const bytes = this.bytesOf(key, value);
    if (bytes > this.maxBytes) return;
    this.values.set(key, { ...value, bytes });
    this.held += bytes;
    for (const [oldest] of this.values) {
      if (this.held <= this.maxBytes) break;
      this.drop(oldest);
    }
    this.observe?.bytes(this.held);
  }

  private drop(key: string): void {
    const value = this.values.get(key);
    if (value === undefined) return;
    this.values.delete(key);
    this.held -= value.bytes;
  }
}

/**
 * The partitions' parts of recent counter reads, kept by the question (the hashes and fields read) and the partition,
 * within `maxBytes`, the least recently used dropped first. A part is only answered again while its partition is at
 * the version it was read at: the counters of a partition change only by a batch applied with a new checkpoint, and a
 * partition folded again after Redis lost it is marked restored anew. Nothing is ever answered from here that Redis
 * does not hold at the moment of the question; what the cache saves is reading and summing it (ADR 0045).
 */
export class CounterReadCache extends KeptByVersion<PartitionPart> {
  constructor(maxBytes: number, observe?: KeptObserver) {
    super(
      maxBytes,
      (key, part) => part.totals.byteLength + part.present.byteLength + 2 * (key.length + part.version.length) + ENTRY_OVERHEAD_BYTES,
      observe,
    );
  }
}
