import { defineScript, integerReply, type Redis } from '@gridgov/redis';

/** How long a delivery record is kept: a notification re-read from Kafka after this would be delivered again. */
export const DELIVERY_RECORD_TTL_S = 30 * 24 * 3600;

/** An inbox entry, as GET /v1/notifications answers it (its schema is in @gridgov/contracts). */
export type { InboxItem } from '@gridgov/contracts';
import type { InboxItem } from '@gridgov/contracts';

/** An SMS waiting to be sent (by the poller): now, after quiet hours, or once the number's window has room. */
export interface QueuedSms {
  readonly deliveryId: string;
  readonly phone: string;
  readonly text: string;
  readonly veryUrgent: boolean;
  readonly attempts: number;
}

export class NotifierKeys {
  constructor(private readonly prefix: string) {}
  /** The record that a (notification, recipient, channel) delivery is done: its presence makes a retry a no-op. */
  delivered(deliveryId: string): string {
    return `${this.prefix}:notify:delivered:${deliveryId}`;
  }
  inboxList(person: string): string {
    return `${this.prefix}:inbox:{${person}}:list`;
  }
  inboxItems(person: string): string {
    return `${this.prefix}:inbox:{${person}}:items`;
  }
  inboxUnread(person: string): string {
    return `${this.prefix}:inbox:{${person}}:unread`;
  }
  /** Pub/sub channel of one person's inbox (SSE). */
  inboxChannel(person: string): string {
    return `${this.prefix}:inbox-events:${person}`;
  }
  inboxChannelPattern(): string {
    return `${this.prefix}:inbox-events:*`;
  }
  smsQueue(): string {
    return `${this.prefix}:notify:sms:queue`;
  }
  smsPayloads(): string {
    return `${this.prefix}:notify:sms:payloads`;
  }
  smsCount(phone: string, window: number): string {
    return `${this.prefix}:notify:sms:count:${phone}:${window}`;
  }
}

/** Adds an entry to a person's inbox and records the delivery, at once; 0 when it was delivered before. */
const deliverToInbox = defineScript({
  name: 'notifierDeliverToInbox',
  keys: ['delivered', 'list', 'items', 'unread'],
  argv: ['id', 'score', 'item', 'ttl', 'channel'],
  lua: `
local delivered = KEYS[1]
local list = KEYS[2]
local items = KEYS[3]
local unread = KEYS[4]
local id = ARGV[1]
local score = tonumber(ARGV[2])
local item = ARGV[3]
local ttl = tonumber(ARGV[4])
local channel = ARGV[5]
if redis.call('EXISTS', delivered) == 1 then return 0 end
redis.call('ZADD', list, score, id)
redis.call('HSET', items, id, item)
redis.call('SADD', unread, id)
redis.call('SET', delivered, 'inbox', 'EX', ttl)
redis.call('PUBLISH', channel, cjson.encode({ type = 'notification', item = cjson.decode(item), unread = redis.call('SCARD', unread) }))
return 1
`,
  reply: integerReply,
});

/** Queues an SMS and records the delivery as taken over by the queue, at once; 0 when it was queued before. */
const queueSms = defineScript({
  name: 'notifierQueueSms',
  keys: ['delivered', 'queue', 'payloads'],
  argv: ['id', 'due', 'payload', 'ttl'],
  lua: `
local delivered = KEYS[1]
local queue = KEYS[2]
local payloads = KEYS[3]
local id = ARGV[1]
local due = tonumber(ARGV[2])
local payload = ARGV[3]
local ttl = tonumber(ARGV[4])
if redis.call('EXISTS', delivered) == 1 then return 0 end
redis.call('ZADD', queue, due, id)
redis.call('HSET', payloads, id, payload)
redis.call('SET', delivered, 'sms-queued', 'EX', ttl)
return 1
`,
  reply: integerReply,
});

/** Leases the due SMS: each is pushed `lease` ms ahead, so that a sender killed meanwhile leaves it to be sent again. */
const claimSms = defineScript({
  name: 'notifierClaimSms',
  keys: ['queue', 'payloads'],
  argv: ['now', 'lease', 'max'],
  lua: `
local queue = KEYS[1]
local payloads = KEYS[2]
local now = tonumber(ARGV[1])
local lease = tonumber(ARGV[2])
local max = tonumber(ARGV[3])
local ids = redis.call('ZRANGEBYSCORE', queue, '-inf', now, 'LIMIT', 0, max)
local out = {}
for _, id in ipairs(ids) do
  redis.call('ZADD', queue, 'XX', now + lease, id)
  local p = redis.call('HGET', payloads, id)
  if p then table.insert(out, p) else redis.call('ZREM', queue, id) end
end
return out
`,
  reply: (raw) => {
    if (!Array.isArray(raw)) throw new Error('expected an array');
    return raw.map((p) => JSON.parse(String(p)) as QueuedSms);
  },
});

/** Takes one of a number's sends in its window: 1, or 0 when the window is full (nothing counted then). */
const takeSmsSlot = defineScript({
  name: 'notifierTakeSmsSlot',
  keys: ['count'],
  argv: ['limit', 'ttlMs'],
  lua: `
local count = KEYS[1]
local limit = tonumber(ARGV[1])
local ttlMs = tonumber(ARGV[2])
local n = tonumber(redis.call('GET', count) or '0')
if n >= limit then return 0 end
redis.call('INCR', count)
redis.call('PEXPIRE', count, ttlMs)
return 1
`,
  reply: integerReply,
});

/** Marks a person's entries read (all when ids is empty) and answers the unread count. */
const markRead = defineScript({
  name: 'notifierMarkRead',
  keys: ['unread'],
  argv: ['channel', 'all'],
  moreKeys: false,
  lua: `
local unread = KEYS[1]
local channel = ARGV[1]
local all = ARGV[2]
if all == '1' then
  redis.call('DEL', unread)
else
  for i = 3, #ARGV do redis.call('SREM', unread, ARGV[i]) end
end
local n = redis.call('SCARD', unread)
redis.call('PUBLISH', channel, cjson.encode({ type = 'unread', unread = n }))
return n
`,
  reply: integerReply,
});

export class NotifierStore {
  readonly keys: NotifierKeys;
  constructor(
    readonly redis: Redis,
    keyPrefix: string,
  ) {
    this.keys = new NotifierKeys(keyPrefix);
  }

  async isDelivered(deliveryId: string): Promise<boolean> {
    return (await this.redis.exists(this.keys.delivered(deliveryId))) === 1;
  }

  /** Records a delivery done by a channel that cannot be made atomic with the record (a webhook POST, a dead letter). */
  async recordDelivered(deliveryId: string, how: string): Promise<void> {
    await this.redis.set(this.keys.delivered(deliveryId), how, 'EX', DELIVERY_RECORD_TTL_S);
  }

  async deliverToInbox(person: string, deliveryId: string, item: Omit<InboxItem, 'read'>): Promise<boolean> {
    const k = this.keys;
    const added = await deliverToInbox.run(
      this.redis,
      { delivered: k.delivered(deliveryId), list: k.inboxList(person), items: k.inboxItems(person), unread: k.inboxUnread(person) },
      { id: item.id, score: Date.parse(item.at), item: JSON.stringify(item), ttl: DELIVERY_RECORD_TTL_S, channel: k.inboxChannel(person) },
    );
    return added === 1;
  }

  /** A person's inbox, newest first, from `offset`. */
  async inbox(person: string, offset: number, limit: number): Promise<{ items: InboxItem[]; unread: number; next: string | null }> {
    const k = this.keys;
    const ids = await this.redis.zrevrange(k.inboxList(person), offset, offset + limit);
    const page = ids.slice(0, limit);
    const [raw, unreadIds] = await Promise.all([
      page.length > 0 ? this.redis.hmget(k.inboxItems(person), ...page) : Promise.resolve([]),
      this.redis.smembers(k.inboxUnread(person)),
    ]);
    const unread = new Set(unreadIds);
    const items = raw.flatMap((r, i) => (r ? [{ ...(JSON.parse(r) as Omit<InboxItem, 'read'>), read: !unread.has(page[i]!) }] : []));
    return { items, unread: unread.size, next: ids.length > limit ? String(offset + limit) : null };
  }

  async unreadCount(person: string): Promise<number> {
    return this.redis.scard(this.keys.inboxUnread(person));
  }

  async markRead(person: string, ids: readonly string[] | 'all'): Promise<number> {
    return markRead.run(
      this.redis,
      { unread: this.keys.inboxUnread(person) },
      { channel: this.keys.inboxChannel(person), all: ids === 'all' ? '1' : '0' },
      { argv: ids === 'all' ? [] : ids },
    );
  }

  async queueSms(sms: QueuedSms, dueMs: number): Promise<boolean> {
    const k = this.keys;
    const queued = await queueSms.run(
      this.redis,
      { delivered: k.delivered(sms.deliveryId), queue: k.smsQueue(), payloads: k.smsPayloads() },
      { id: sms.deliveryId, due: dueMs, payload: JSON.stringify(sms), ttl: DELIVERY_RECORD_TTL_S },
    );
    return queued === 1;
  }

  claimDueSms(nowMs: number, leaseMs: number, max: number): Promise<QueuedSms[]> {
    return claimSms.run(
      this.redis,
      { queue: this.keys.smsQueue(), payloads: this.keys.smsPayloads() },
      { now: nowMs, lease: leaseMs, max },
    );
  }

  /** Puts a claimed SMS back for later (quiet hours, a full window, a failed try). */
  async rescheduleSms(sms: QueuedSms, dueMs: number): Promise<void> {
    await this.redis
      .multi()
      .hset(this.keys.smsPayloads(), sms.deliveryId, JSON.stringify(sms))
      .zadd(this.keys.smsQueue(), dueMs, sms.deliveryId)
      .exec();
  }

  async smsDone(deliveryId: string): Promise<void> {
    await this.redis.multi().zrem(this.keys.smsQueue(), deliveryId).hdel(this.keys.smsPayloads(), deliveryId).exec();
  }

  async takeSmsSlot(phone: string, nowMs: number, windowMs: number, limit: number): Promise<boolean> {
    const window = Math.floor(nowMs / windowMs);
    return (await takeSmsSlot.run(this.redis, { count: this.keys.smsCount(phone, window) }, { limit, ttlMs: windowMs * 2 })) === 1;
  }
}
