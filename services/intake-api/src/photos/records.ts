/**
 * What the intake knows of each uploaded photo, in Redis: who uploaded it, its SHA-256 and type (so that a command
 * naming it is checked and its type filled in), and, once a command named it, the case. A record exists only for an
 * object that was stored whole.
 */
import type { PhotoContentType } from '@gridgov/contracts';
import type { Redis } from '@gridgov/redis';

export interface PhotoRecord {
  readonly sha256: string;
  readonly contentType: PhotoContentType;
  readonly bytes: number;
  readonly uploaderId: string;
  readonly uploadedAt: string;
  /** The case whose accepted command named it (set when the intake passed the command on). */
  readonly incidentId?: string;
}

/** KEYS[1] the uploader's places; ARGV now, ttlMs, limit, key. */
const RESERVE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tonumber(ARGV[1]) - tonumber(ARGV[2]))
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`;

export class PhotoRecords {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private recordKey = (key: string) => `${this.prefix}:photo:${key}`;
  private erasingKey = () => `${this.prefix}:photos:erasing`;
  private uploaderKey = (uploaderId: string) => `${this.prefix}:photos:pending-by:${uploaderId}`;

  /**
   * Takes one of the uploader's `limit` places for a photo not yet part of a case (places older than `ttlMs` are
   * free again), or answers false when all are taken. One script: 100 uploads at once take exactly `limit`.
   */
  async reserve(uploaderId: string, key: string, now: number, ttlMs: number, limit: number): Promise<boolean> {
    const taken = await this.redis.eval(RESERVE, 1, this.uploaderKey(uploaderId), now, ttlMs, limit, key);
    return taken === 1;
  }

  async release(uploaderId: string, key: string): Promise<void> {
    await this.redis.zrem(this.uploaderKey(uploaderId), key);
  }

  async save(key: string, record: PhotoRecord, ttlS: number): Promise<void> {
    await this.redis.set(this.recordKey(key), JSON.stringify(record), 'EX', ttlS);
  }

  async get(key: string): Promise<PhotoRecord | undefined> {
    const raw = await this.redis.get(this.recordKey(key));
    return raw === null ? undefined : (JSON.parse(raw) as PhotoRecord);
  }

  /** A command named the photo: it belongs to that case now, kept until the janitor moves it; its place is free. */
  async claim(key: string, record: PhotoRecord, incidentId: string, ttlS: number): Promise<void> {
    await this.redis
      .multi()
      .set(this.recordKey(key), JSON.stringify({ ...record, incidentId }), 'EX', ttlS)
      .zrem(this.uploaderKey(record.uploaderId), key)
      .exec();
  }

  /**
   * An erasure of `incidentId` was asked for (ADR 0016): its photos' keys are kept here, read while the case's key still
   * opened them, for the janitor to delete their objects once the case shows it was erased.
   */
  async markErasing(incidentId: string, keys: readonly string[], now: number): Promise<void> {
    await this.redis.hset(this.erasingKey(), incidentId, JSON.stringify({ keys, at: now }));
  }

  /** The erasures asked for whose photos are not deleted yet: incident id → keys and when. */
  async erasing(): Promise<Map<string, { keys: string[]; at: number }>> {
    const all = await this.redis.hgetall(this.erasingKey());
    return new Map(Object.entries(all).map(([id, raw]) => [id, JSON.parse(raw) as { keys: string[]; at: number }]));
  }

  async doneErasing(incidentId: string): Promise<void> {
    await this.redis.hdel(this.erasingKey(), incidentId);
  }

  async remove(key: string, uploaderId?: string): Promise<void> {
    const m = this.redis.multi().del(this.recordKey(key));
    if (uploaderId) m.zrem(this.uploaderKey(uploaderId), key);
    await m.exec();
  }
}
