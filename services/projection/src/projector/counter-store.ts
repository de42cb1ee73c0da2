import {
  CountedFigures,
  FIGURE_CODES,
  spelledCounterField,
  storedPartsOf,
  type CountedIncident,
  type CounterChanges,
} from '@gridgov/domain';
import { defineScript, okReply, setWhileEquals, type Redis } from '@gridgov/redis';
import type { CounterReadCache, PartitionPart } from './counter-cache.ts';
import { decodeCounted, encodeCounted } from './counted-codec.ts';

/** The generation a deployment starts in: what an absent `<prefix>:projection:generation` means. */
export const FIRST_GENERATION = 1;

/**
 * Redis keys of the projection (ADR 0005). Counters, incidents and checkpoints live in a
 * generation, `<prefix>:g<N>:{pj<partition>}:...`: a rebuild fills generation N+1 beside the live
 * N, then switches the pointer `<prefix>:projection:generation`. Everything one events partition
 * writes in one generation shares the hash tag {pj<partition>}, so a batch is one atomic script on a
 * Redis Cluster too; a query sums the partial counters of every partition.
 *
 * Bulletins, notice channels and the pointer itself are outside generations: the same in every
 * generation (a bulletin is a frozen answer, not a counter; a rebuild does not redo it).
 */
export class ProjectionKeys {
  constructor(
    readonly prefix: string,
    readonly generation: number,
  ) {
    if (!Number.isSafeInteger(generation) || generation < FIRST_GENERATION)
      throw new RangeError(`generation must be a positive integer, got ${generation}`);
  }
  /** The same deployment's keys in another generation. */
  at(generation: number): ProjectionKeys {
    return generation === this.generation ? this : new ProjectionKeys(this.prefix, generation);
  }
  private tag(partition: number): string {
    return `${this.prefix}:g${this.generation}:{pj${partition}}`;
  }
  checkpoint(partition: number): string {
    return `${this.tag(partition)}:checkpoint`;
  }
  incidents(partition: number): string {
    return `${this.tag(partition)}:incidents`;
  }
  /** Set once the partition's counters hold everything up to its checkpoint; gone with the rest when Redis loses it. */
  restored(partition: number): string {
    return `${this.tag(partition)}:restored`;
  }
  counters(partition: number, area: string, window: string): string {
    return `${this.tag(partition)}:c:${area}:${window}`;
  }
  /**
   * How the partition's counter fields are named (ADR 0047): `coded` (counterField's form) or `spelled` (a partition
   * folded before, its figures spelled out). Set by the partition's first apply; absent beside a checkpoint: spelled.
   */
  layout(partition: number): string {
    return `${this.tag(partition)}:layout`;
  }
  /** A coded partition's catalog ids (categories and departments) and the numbers its counter fields name them by. */
  catalogIds(partition: number): string {
    return `${this.tag(partition)}:ids`;
  }
  /** A SCAN pattern matching every key of this generation and nothing else (KEY_PREFIX holds no glob characters). */
  generationPattern(): string {
    return `${this.prefix}:g${this.generation}:{pj*`;
  }
  /** A frozen monthly bulletin (月通报) of an area: one key, written once. Outside generations. */
  bulletin(area: string, month: string): string {
    return `${this.prefix}:bulletin:${area}:${month}`;
  }
  /** Set once the bulletins on grid.bulletins are all in Redis; gone with them when Redis loses its data. */
  bulletinsRestored(): string {
    return `${this.prefix}:bulletins:restored`;
  }
  /** Pub/sub channel told after every applied batch, so live streams on every instance re-read. */
  figuresChanged(): string {
    return `${this.prefix}:figures-changed`;
  }
  /** The generation queries read and the live projector writes; absent means FIRST_GENERATION. */
  currentGeneration(): string {
    return `${this.prefix}:projection:generation`;
  }
  /** Pub/sub channel told when the current generation changed: `{"generation":N,"previous":M}`. */
  generationChanged(): string {
    return `${this.prefix}:projection:generation-changed`;
  }
  /** Held (with a TTL, renewed) by the one rebuild that may run. */
  rebuildLock(): string {
    return `${this.prefix}:projection:rebuild-lock`;
  }
}

/** One counter hash: an area in a window (summed over partitions when read). */
export interface CounterHash {
  readonly area: string;
  readonly window: string;
}

/**
 * Lua shared by the apply and read scripts (ADR 0047). A field as the fold and the queries name it (`counterField`:
 * `c|exposed_rubbish|sanitation`) is stored in one of two ways, by the partition's layout:
 * - `coded`: each catalog id numbered in the partition's own `ids` hash (`c|4|9`). `numbered(field, number)` makes
 *   that name, `number(id)` giving the id's number (nil where it has none: a read of an id never counted there);
 * - `spelled` (a partition folded before the codes): `spelled(field)` is {@link spelledCounterField}.
 * A field whose first part is no figure's code (none the fold makes) is stored as it is either way.
 */
const FIELD_LAYOUT_LUA = `
local FIGURE_NAMES = { ${CountedFigures.map((figure) => `${FIGURE_CODES[figure]} = '${figure}'`).join(', ')} }
local function fieldParts(field)
  local code, rest = string.match(field, '^([^|]*)(.*)$')
  if rest == '' then return code, '', '' end
  local category, department = string.match(rest, '^|([^|]*)|(.*)$')
  if not category then return code, string.sub(rest, 2), '' end
  return code, category, department
end
local function spelled(field)
  local code, category, department = fieldParts(field)
  local figure = FIGURE_NAMES[code]
  if not figure then return field end
  if category == '' and department == '' then return figure end
  if department == '' then return figure .. '|c|' .. category end
  if category == '' then return figure .. '|d|' .. department end
  return figure .. '|cd|' .. category .. '|' .. department
end
local function numbered(field, number)
  local code, category, department = fieldParts(field)
  if not FIGURE_NAMES[code] or (category == '' and department == '') then return field end
  local c, d = '', ''
  if category ~= '' then
    c = number(category)
    if not c then return nil end
  end
  if department == '' then return code .. '|' .. c end
  d = number(department)
  if not d then return nil end
  return code .. '|' .. c .. '|' .. d
end
`;

/** The most fields one HMGET or HSET of the apply script names: Lua's unpack is bounded by its C stack (8,000 values). */
export const FIELDS_PER_CALL = 1_000;

/**
 * Applies a batch's folded deltas, the incidents it touched and the new checkpoint, or nothing (the checkpoint moved:
 * GRIDGOV_CHECKPOINT_CONFLICT). The counter hashes come after the three named keys; after the named arguments come the
 * incidents' id/JSON pairs, then the counter fields as one JSON argument, `[lists, uses]`: `lists` the distinct
 * `[field, by, ...]` lists of the batch, `uses` the (1-based) list of each counter hash in KEYS' order. A case changes
 * the same fields by the same amounts in every hash of its areas and windows, so a batch of a few cases names some
 * 80 hashes and a dozen lists: each list is sent, and its fields' stored names made, once.
 *
 * Each hash's fields are read with one HMGET and written back summed with one HSET (per FIELDS_PER_CALL fields), not
 * one HINCRBY each: a replay's part holds some 300 hashes of 25 fields, and HINCRBY from Lua cost Redis 1.6 µs a field
 * (docs/performance.md). The script is atomic, so the sum is the HINCRBYs' (integers below 2^53). A field that comes
 * back to 0 (a case no longer overdue) is deleted: an absent field reads as 0, and Redis keeps only what counts.
 */
const applyCounters = defineScript({
  name: 'projectionApplyCounters',
  keys: ['checkpointKey', 'incidentsKey', 'layoutKey', 'idsKey'],
  argv: ['fromCheckpoint', 'toCheckpoint', 'incidentCount'],
  moreKeys: true,
  lua: `
local checkpointKey = KEYS[1]
local incidentsKey = KEYS[2]
local layoutKey = KEYS[3]
local idsKey = KEYS[4]
local fromCheckpoint = ARGV[1]
local toCheckpoint = ARGV[2]
local incidentCount = tonumber(ARGV[3])
${FIELD_LAYOUT_LUA}
local cp = redis.call('GET', checkpointKey) or ''
if cp ~= fromCheckpoint then return redis.error_reply('GRIDGOV_CHECKPOINT_CONFLICT checkpoint moved') end
local layout = redis.call('GET', layoutKey)
if not layout then
  layout = cp ~= '' and 'spelled' or 'coded'
  redis.call('SET', layoutKey, layout)
end
local spelledFields = layout == 'spelled'
-- The partition's catalog ids and their numbers, read when first needed; a new id takes the next number.
local ids = nil
local idCount = 0
local function number(id)
  if not ids then
    ids = {}
    local all = redis.call('HGETALL', idsKey)
    for j = 1, #all, 2 do
      ids[all[j]] = all[j + 1]
      idCount = idCount + 1
    end
  end
  local n = ids[id]
  if not n then
    idCount = idCount + 1
    n = tostring(idCount)
    ids[id] = n
    redis.call('HSET', idsKey, id, n)
  end
  return n
end
-- A part names a few dozen distinct fields thousands of times: each is translated once.
local storedNames = {}
local function stored(field)
  local name = storedNames[field]
  if not name then
    if spelledFields then name = spelled(field) else name = numbered(field, number) end
    storedNames[field] = name
  end
  return name
end
local i = 4
for _ = 1, incidentCount do
  redis.call('HSET', incidentsKey, ARGV[i], ARGV[i + 1])
  i = i + 2
end
local counters = cjson.decode(ARGV[i])
local lists, uses = counters[1], counters[2]
local perCall = ${FIELDS_PER_CALL}
-- Each list's stored field names, made the first time a hash uses it.
local namesOf = {}
for k = 5, #KEYS do
  local key = KEYS[k]
  local list = uses[k - 4]
  local fields = lists[list]
  local names = namesOf[list]
  if not names then
    names = {}
    for j = 1, #fields, 2 do names[#names + 1] = stored(fields[j]) end
    namesOf[list] = names
  end
  for first = 1, #names, perCall do
    local last = math.min(#names, first + perCall - 1)
    local before = redis.call('HMGET', key, unpack(names, first, last))
    local sums = {}
    local zeros = {}
    for n = 1, last - first + 1 do
      local m = first + n - 1
      local held = 0
      if before[n] then
        held = tonumber(before[n])
        if not held then return redis.error_reply('GRIDGOV_NOT_A_COUNTER ' .. key .. ' ' .. names[m]) end
      end
      local sum = held + fields[2 * m]
      if sum == 0 then
        zeros[#zeros + 1] = names[m]
      else
        sums[#sums + 1] = names[m]
        sums[#sums + 1] = string.format('%d', sum)
      end
    end
    if #sums > 0 then redis.call('HSET', key, unpack(sums)) end
    if #zeros > 0 then redis.call('HDEL', key, unpack(zeros)) end
  end
end
redis.call('SET', checkpointKey, toCheckpoint)
return 'OK'
`,
  reply: okReply,
});

/**
 * Reads the same fields (ARGV, coded) of several counter hashes of one partition (KEYS after the three named): one
 * HMGET each, inside Redis, the fields spelled out where the partition keeps them so (ADR 0047). Answers the partition's checkpoint and restored mark ('' where absent) as they were when the values
 * were read (one script: nothing is applied between), then the values as one string, hash after hash, each hash's
 * fields in ARGV's order, ',' between, '' where a field is absent (0): one string to parse instead of an array per
 * hash. Counters are integers, so no value holds a ','.
 */
const readCounters = defineScript({
  name: 'projectionReadCounters',
  keys: ['checkpointKey', 'restoredKey', 'layoutKey', 'idsKey'],
  argv: [],
  moreKeys: true,
  lua: `
local checkpointKey = KEYS[1]
local restoredKey = KEYS[2]
local layoutKey = KEYS[3]
local idsKey = KEYS[4]
${FIELD_LAYOUT_LUA}
local checkpoint = redis.call('GET', checkpointKey) or ''
-- Spelled: the layout key says so, or there is none beside a checkpoint (folded before layouts; its first apply sets it).
local layout = redis.call('GET', layoutKey)
local spelledFields = layout == 'spelled' or (not layout and checkpoint ~= '')
local fields = {}
if spelledFields then
  for f = 1, #ARGV do fields[f] = spelled(ARGV[f]) end
else
  local numbers = {}
  local function number(id)
    local n = numbers[id]
    if n == nil then
      n = redis.call('HGET', idsKey, id)
      numbers[id] = n
    end
    return n or nil
  end
  -- An id never counted in the partition has no number, and its field no value: '?' names no field.
  for f = 1, #ARGV do fields[f] = numbered(ARGV[f], number) or '?' end
end
local out = {}
local n = 0
for k = 5, #KEYS do
  local values = redis.call('HMGET', KEYS[k], unpack(fields))
  for f = 1, #fields do
    n = n + 1
    out[n] = values[f] or ''
  end
end
return { checkpoint, redis.call('GET', restoredKey) or '', table.concat(out, ',') }
`,
  reply: (raw) => {
    if (!Array.isArray(raw) || raw.length !== 3 || !raw.every((x) => typeof x === 'string'))
      throw new Error(`expected [checkpoint, restored, values], got ${JSON.stringify(raw)}`);
    const [checkpoint, restored, values] = raw as [string, string, string];
    return { version: versionOf(checkpoint, restored), values: values.split(',') };
  },
});

/** A coded partition's stored field with its catalog ids back in place of their numbers (`c|4|9` → `c|dispute|justice`). */
function unnumbered(stored: string, idOf: ReadonlyMap<string, string>): string {
  const [code, ...ids] = stored.split('|');
  if (idOf.size === 0 || ids.length === 0 || ids.length > 2) return stored;
  return [code, ...ids.map((n) => (n === '' ? '' : (idOf.get(n) ?? n)))].join('|');
}

/**
 * What a partition's counters are at: its checkpoint and its restored mark. Undefined while it is not marked restored
 * (being folded again): such a read is answered, never kept (ADR 0045).
 */
function versionOf(checkpoint: string, restored: string | null): string | undefined {
  return restored ? `${checkpoint} ${restored}` : undefined;
}

/**
 * A batch's counter deltas summed per hash and field in memory: one write per distinct field
 * goes to Redis. An event's changes come as their product (areas × windows × fields): no object nor key string is
 * made per delta (a replay folds millions).
 */
export class FoldedDeltas {
  private readonly byArea = new Map<string, Map<string, Map<string, number>>>();
  private fields = 0;

  /** Distinct fields held: the fields an apply writes. */
  get size(): number {
    return this.fields;
  }

  add(changes: CounterChanges): void {
    const { fields, by } = changes;
    for (const area of changes.areas) {
      let windows = this.byArea.get(area);
      if (!windows) {
        windows = new Map();
        this.byArea.set(area, windows);
      }
      for (const window of changes.windows) {
        let held = windows.get(window);
        if (!held) {
          held = new Map();
          windows.set(window, held);
        }
        for (let k = 0; k < fields.length; k++) {
          const field = fields[k]!;
          const before = held.get(field);
          if (before === undefined) this.fields++;
          held.set(field, (before ?? 0) + by[k]!);
        }
      }
    }
  }

  /**
   * What the apply script takes (above): each hash with a field that does not net to 0, its key (`keyOf`) and the
   * (1-based) list of its fields in `lists`, `[field, by, ...]`; hashes holding the same changes in the same order share
   * one list. Hashes are told apart by a number made of their fields and amounts, then compared field by field: a
   * batch of a replay holds some 300 hashes of 25 fields, and a string naming each hash's changes, made to find the
   * lists they share, was a fifth of what a replay allocated (docs/performance.md).
   */
  lists(keyOf: (area: string, window: string) => string): { keys: string[]; lists: (string | number)[][]; uses: number[] } {
    const keys: string[] = [];
    const lists: (string | number)[][] = [];
    const uses: number[] = [];
    const fieldNumbers = new Map<string, number>();
    /** Lists (0-based) by their number; a list's fields in `lists`, to compare with. */
    const listsByNumber = new Map<number, number[]>();
    const numberOf = (field: string) => {
      let n = fieldNumbers.get(field);
      if (n === undefined) {
        n = fieldNumbers.size;
        fieldNumbers.set(field, n);
      }
      return n;
    };
    for (const [area, windows] of this.byArea) {
      for (const [window, held] of windows) {
        // FNV-1a over each field's number and amount (the amount as Math.imul reads it, its low 32 bits).
        let hash = 0x811c9dc5;
        let count = 0;
        held.forEach((by, field) => {
          if (by === 0) return;
          hash = Math.imul(hash ^ numberOf(field), 0x01000193);
          hash = Math.imul(hash ^ by, 0x01000193);
          count++;
        });
        if (count === 0) continue;
        const alike = listsByNumber.get(hash);
        let list = alike?.find((l) => sameChanges(lists[l]!, held, count));
        if (list === undefined) {
          const pairs: (string | number)[] = [];
          held.forEach((by, field) => {
            if (by !== 0) pairs.push(field, by);
          });
          list = lists.push(pairs) - 1;
          if (alike) alike.push(list);
          else listsByNumber.set(hash, [list]);
        }
        keys.push(keyOf(area, window));
        uses.push(list + 1);
      }
    }
    return { keys, lists, uses };
  }
}

/** Whether `pairs` (`[field, by, ...]`) holds exactly the `count` fields of `held` that do not net to 0, in its order. */
function sameChanges(pairs: readonly (string | number)[], held: ReadonlyMap<string, number>, count: number): boolean {
  if (pairs.length !== 2 * count) return false;
  let i = 0;
  let same = true;
  held.forEach((by, field) => {
    if (by === 0 || !same) return;
    same = pairs[i] === field && pairs[i + 1] === by;
    i += 2;
  });
  return same;
}

/** What queries need of the counters (a generation's CounterStore, or the current generation's). */
export interface CounterReader {
  readMany(partitions: number, hashes: readonly CounterHash[], fields: readonly string[]): Promise<Map<string, number>[]>;
}

/** The counters, incidents and checkpoints of one generation. */
export class CounterStore implements CounterReader {
  constructor(
    private readonly redis: Redis,
    readonly keys: ProjectionKeys,
    /** Parts of reads kept while their partition has not moved (ADR 0045); none: every read goes to the counters. */
    private readonly cache?: CounterReadCache,
  ) {}

  /** The versions read waiting to be sent, which questions asked meanwhile share. */
  private versionsWaiting: { readonly partitions: number; readonly read: Promise<(string | undefined)[]> } | undefined;

  async checkpoint(partition: number): Promise<string> {
    return (await this.redis.get(this.keys.checkpoint(partition))) ?? '';
  }

  /** Whether every one of `partitions` partitions is marked whole: one EXISTS each, pipelined (no cross-slot call). */
  async allRestored(partitions: number): Promise<boolean> {
    const pipeline = this.redis.pipeline();
    for (let p = 0; p < partitions; p++) pipeline.exists(this.keys.restored(p));
    const results = (await pipeline.exec()) ?? [];
    // Redis not answering is not a restore: its error goes up (503 STORE_UNAVAILABLE), never a STATE_RESTORING.
    const failed = results.find(([err]) => err);
    if (failed?.[0]) throw failed[0];
    return results.length === partitions && results.every(([, n]) => n === 1);
  }

  async isRestored(partition: number): Promise<boolean> {
    return (await this.redis.exists(this.keys.restored(partition))) === 1;
  }

  /**
   * Marks the partition whole, only while its checkpoint is still the one its caller saw at the log's end (`checkpoint`,
   * '' for none): Redis that lost the state meanwhile is not marked whole over nothing. Answers whether it was marked.
   */
  async markRestored(partition: number, checkpoint: string, at: Date): Promise<boolean> {
    const keys = { guard: this.keys.checkpoint(partition), key: this.keys.restored(partition) };
    return (await setWhileEquals.run(this.redis, keys, { expected: checkpoint, value: at.toISOString() })) === 1;
  }

  /** Checkpoints of several partitions in one pipeline ('' where none): one GET each, no cross-slot MGET. */
  async checkpoints(partitions: readonly number[]): Promise<string[]> {
    if (partitions.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const p of partitions) pipeline.get(this.keys.checkpoint(p));
    const results = (await pipeline.exec()) ?? [];
    return partitions.map((_, i) => {
      const [err, value] = results[i] ?? [new Error('pipeline answered too few replies'), null];
      if (err) throw err;
      return (value as string | null) ?? '';
    });
  }

  /**
   * How each partition's counter fields are named (ADR 0047): `coded`, `spelled` (folded before the codes, including one
   * with a checkpoint and no layout yet), or `empty` (nothing folded). One pipeline, no cross-slot call.
   */
  async layouts(partitions: number): Promise<('coded' | 'spelled' | 'empty')[]> {
    const pipeline = this.redis.pipeline();
    for (let p = 0; p < partitions; p++) pipeline.get(this.keys.layout(p)).exists(this.keys.checkpoint(p));
    const results = (await pipeline.exec()) ?? [];
    const failed = results.find(([err]) => err);
    if (failed?.[0]) throw failed[0];
    return Array.from({ length: partitions }, (_, p) => {
      const layout = results[2 * p]?.[1] as string | null;
      if (layout === 'coded' || layout === 'spelled') return layout;
      if (layout !== null) throw new Error(`${this.keys.layout(p)} holds ${JSON.stringify(layout)}, not coded nor spelled`);
      return results[2 * p + 1]?.[1] === 1 ? 'spelled' : 'empty';
    });
  }

  /** Incidents known in this generation, summed over partitions. */
  async incidentCount(partitions: number): Promise<number> {
    const pipeline = this.redis.pipeline();
    for (let p = 0; p < partitions; p++) pipeline.hlen(this.keys.incidents(p));
    const results = (await pipeline.exec()) ?? [];
    let count = 0;
    for (const [err, n] of results) {
      if (err) throw err;
      count += Number(n);
    }
    return count;
  }

  async loadIncidents(partition: number, ids: readonly string[]): Promise<Map<string, CountedIncident>> {
    const found = new Map<string, CountedIncident>();
    if (ids.length === 0) return found;
    const values = await this.redis.hmget(this.keys.incidents(partition), ...ids);
    ids.forEach((id, i) => {
      const raw = values[i];
      if (raw) found.set(id, decodeCounted(id, raw));
    });
    return found;
  }

  async apply(
    partition: number,
    fromCheckpoint: string,
    toCheckpoint: string,
    incidents: ReadonlyMap<string, CountedIncident>,
    deltas: FoldedDeltas,
  ): Promise<void> {
    const args: string[] = [];
    incidents.forEach((incident, id) => args.push(id, encodeCounted(incident)));
    // The counter fields as one JSON argument, [lists, uses] (the script above): a replay's batch holds 100,000s of
    // them, far cheaper to send and parse as one string, and a live batch's hashes share a few lists. A field whose
    // changes net to 0 changes nothing: not sent.
    const { keys: hashes, lists, uses } = deltas.lists((area, window) => this.keys.counters(partition, area, window));
    args.push(JSON.stringify([lists, uses]));
    // A refusal is a CheckpointConflict naming the partition's checkpoint key.
    await applyCounters.run(
      this.redis,
      {
        checkpointKey: this.keys.checkpoint(partition),
        incidentsKey: this.keys.incidents(partition),
        layoutKey: this.keys.layout(partition),
        idsKey: this.keys.catalogIds(partition),
      },
      { fromCheckpoint, toCheckpoint, incidentCount: incidents.size },
      { keys: hashes, argv: args },
    );
  }

  /**
   * Sums one counter hash (or the days or months a week, quarter or year is made of) across every partition, each field
   * named as {@link spelledCounterField} names it whatever the partition's layout: for tests and an operator's look.
   */
  async read(partitions: number, area: string, window: string): Promise<Map<string, number>> {
    const pipeline = this.redis.pipeline();
    const stored = storedPartsOf(window);
    for (let p = 0; p < partitions; p++) {
      pipeline.hgetall(this.keys.catalogIds(p));
      for (const part of stored) pipeline.hgetall(this.keys.counters(p, area, part));
    }
    const results = (await pipeline.exec()) ?? [];
    const sum = new Map<string, number>();
    let idOf = new Map<string, string>();
    for (const [index, [err, value]] of results.entries()) {
      if (err) throw err;
      const hash = value as Record<string, string>;
      if (index % (stored.length + 1) === 0) {
        // The partition's catalog ids, by number (none in a spelled partition).
        idOf = new Map(Object.entries(hash).map(([id, n]) => [n, id]));
        continue;
      }
      for (const [name, n] of Object.entries(hash)) {
        const field = spelledCounterField(unnumbered(name, idOf));
        sum.set(field, (sum.get(field) ?? 0) + Number(n));
      }
    }
    return sum;
  }

  /**
   * Sums several counter hashes across every partition: one read script a partition (its hashes share the partition's
   * hash tag, so this holds on a Redis Cluster too), all sent in one round trip. Only the named fields are read: a
   * hash holds every category's and department's fields, a query wants one scope's. A ranking reads its children's
   * hashes in every partition (11 towns × 12 partitions): as one HMGET each, the projection's own CPU for 132 commands
   * and their replies was what 1,000 rankings a second ran out of (ADR 0044).
   *
   * With a cache, the partitions' versions are read first (one MGET a partition, pipelined, shared by the questions of
   * the same moment) and a partition still at the version of a kept part is not read again: only the partitions that
   * moved are (ADR 0045).
   */
  async readMany(partitions: number, hashes: readonly CounterHash[], fields: readonly string[]): Promise<Map<string, number>[]> {
    if (hashes.length === 0 || fields.length === 0) return hashes.map(() => new Map<string, number>());
    // A week, quarter or year is the sum of the days or months kept for it.
    const parts = hashes.map(({ area, window }) => storedPartsOf(window).map((stored) => ({ area, window: stored })));
    const flat = parts.flat();
    if (flat.length === 0) return hashes.map(() => new Map<string, number>());
    const width = fields.length;
    /** Where each stored part's values add to: its query hash's row. */
    const rowOf = parts.flatMap((stored, h) => stored.map(() => h * width));
    const cache = this.cache?.enabled ? this.cache : undefined;
    // The question as asked, its hashes and not the stored parts they expand to: a part is summed into the asked hashes'
    // rows, so a range of seven days (one row) and the seven days asked one by one (seven rows) are two questions.
    const question = cache ? `${fields.join(',')}|${hashes.map(({ area, window }) => `${area}:${window}`).join(',')}` : '';
    const cacheKey = (p: number) => `${this.keys.prefix}:g${this.keys.generation}:${p}|${question}`;

    const found: (Omit<PartitionPart, 'version'> | undefined)[] = new Array<PartitionPart | undefined>(partitions);
    if (cache) {
      const versions = await this.sharedVersions(partitions);
      for (let p = 0; p < partitions; p++) found[p] = cache.get(cacheKey(p), versions[p]);
    }
    const missing: number[] = [];
    for (let p = 0; p < partitions; p++) if (found[p] === undefined) missing.push(p);
    const replies = await Promise.all(
      missing.map((p) =>
        readCounters.run(
          this.redis,
          {
            checkpointKey: this.keys.checkpoint(p),
            restoredKey: this.keys.restored(p),
            layoutKey: this.keys.layout(p),
            idsKey: this.keys.catalogIds(p),
          },
          {},
          { keys: flat.map(({ area, window }) => this.keys.counters(p, area, window)), argv: fields },
        ),
      ),
    );
    missing.forEach((p, i) => {
      const { version, values } = replies[i]!;
      const part = partOf(values, flat.length, rowOf, hashes.length, fields);
      found[p] = part;
      if (cache && version !== undefined) cache.set(cacheKey(p), { version, ...part });
    });

    // Summed in flat arrays, hash × field, and made Maps once: a ranking adds 1,320 values.
    const totals = new Float64Array(hashes.length * width);
    const present = new Uint8Array(hashes.length * width);
    for (const part of found) {
      if (!part) continue;
      for (let i = 0; i < totals.length; i++) {
        if (!part.present[i]) continue;
        totals[i]! += part.totals[i]!;
        present[i] = 1;
      }
    }
    return hashes.map((_, h) => {
      const sum = new Map<string, number>();
      for (let f = 0; f < width; f++) if (present[h * width + f]) sum.set(fields[f]!, totals[h * width + f]!);
      return sum;
    });
  }

  /**
   * What this generation's counters are at now, for whole answers kept on it (ADR 0046): the generation and every
   * partition's version, read as a counters read's versions are (one read shared by the questions of the same moment);
   * none while some partition is not marked whole, when nothing is kept.
   */
  async versionNow(partitions: number): Promise<string | undefined> {
    const versions = await this.sharedVersions(partitions);
    return versions.includes(undefined) ? undefined : JSON.stringify([this.keys.generation, ...versions]);
  }

  /**
   * The partitions' versions for a question asked now: one read shared by every question that comes while it waits to
   * be sent (until the event loop's next check phase: the requests parsed in the same turn). It is sent after each of
   * them arrived, so what it answers is never older than any of them; a question after it was sent waits for the next.
   * At 1,000 queries a second the versions' reads were an eighth of the projection's time (ADR 0045).
   */
  private sharedVersions(partitions: number): Promise<(string | undefined)[]> {
    const waiting = this.versionsWaiting;
    if (waiting?.partitions === partitions) return waiting.read;
    const batch = {
      partitions,
      read: new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        // Sent now: a question from here on waits for a read of its own.
        if (this.versionsWaiting === batch) this.versionsWaiting = undefined;
        return this.versions(partitions);
      }),
    };
    this.versionsWaiting = batch;
    return batch.read;
  }

  /**
   * Each partition's version ({@link versionOf}): its checkpoint and restored mark. One MGET of them all on a single
   * Redis: twelve MGETs in a pipeline cost the client 90–100 µs of CPU a read where one costs 40 (docs/performance.md),
   * and a question whose answer is kept does little else. On a Redis Cluster one a partition, sent together: a
   * partition's two keys share its slot, and a cross-slot MGET is refused there, as is a pipeline across nodes.
   */
  private async versions(partitions: number): Promise<(string | undefined)[]> {
    const keys = Array.from({ length: partitions }, (_, p) => [this.keys.checkpoint(p), this.keys.restored(p)]);
    const values = this.redis.isCluster
      ? (await Promise.all(keys.map((pair) => this.redis.mget(...pair)))).flat()
      : await this.redis.mget(...keys.flat());
    if (values.length !== 2 * partitions) throw new Error(`versions: ${values.length} values for ${partitions} partitions`);
    return keys.map((_, p) => versionOf(values[2 * p] ?? '', values[2 * p + 1] ?? null));
  }
}

/** One partition's read script values summed into its query hashes' rows (a week's days into the week's row). */
function partOf(
  values: readonly string[],
  storedHashes: number,
  rowOf: readonly number[],
  queryHashes: number,
  fields: readonly string[],
): Omit<PartitionPart, 'version'> {
  const width = fields.length;
  if (values.length !== storedHashes * width)
    throw new Error(`${readCounters.name}: ${values.length} values for ${storedHashes} hashes of ${width} fields`);
  const totals = new Float64Array(queryHashes * width);
  const present = new Uint8Array(queryHashes * width);
  for (let stored = 0, i = 0; stored < storedHashes; stored++) {
    const row = rowOf[stored]!;
    for (let f = 0; f < width; f++, i++) {
      const value = values[i]!;
      if (value === '') continue;
      const n = Number(value);
      if (!Number.isFinite(n)) throw new Error(`${readCounters.name}: counter ${fields[f]} holds ${JSON.stringify(value)}`);
      totals[row + f]! += n;
      present[row + f] = 1;
    }
  }
  return { totals, present };
}
