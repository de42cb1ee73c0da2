import type { Redis } from 'ioredis';
import { scriptRefusalFrom } from './script-errors.ts';

/** What a script receives as one KEYS or ARGV entry (Redis sees a string). */
export type ScriptArg = string | number;

export interface ScriptDefinition<K extends string, A extends string, R> {
  /** Its command name on a client (camelCase, unique in the process); errors name it too. */
  readonly name: string;
  /** The names of KEYS, in order: the Lua's first lines bind each, `local <name> = KEYS[i]`. */
  readonly keys: readonly K[];
  /** The names of the leading ARGV, in order, bound next: `local <name> = ARGV[i]` (or `tonumber(ARGV[i])`). */
  readonly argv: readonly A[];
  /** Whether a call passes further keys after the named ones (the key count then goes with each call). */
  readonly moreKeys?: boolean;
  readonly lua: string;
  /** Checks and types the reply (see `okReply`, `integerReply`). */
  readonly reply: (raw: unknown) => R;
}

/** Further keys and arguments of one call, after the named ones (a batch's entries, a list of hashes). */
export interface ScriptExtras {
  readonly keys?: readonly string[];
  readonly argv?: readonly ScriptArg[];
}

/** A named Lua script, registered on a client with `defineCommand` (see `registerScripts`). */
export interface RedisScript<K extends string, A extends string, R> {
  readonly name: string;
  readonly lua: string;
  /**
   * Runs it by EVALSHA (ioredis sends EVAL on a connection's first call and after NOSCRIPT, e.g. once Redis restarted
   * or SCRIPT FLUSH ran). An error reply with one of our codes becomes its typed error (`scriptRefusalFrom`).
   */
  run(redis: Redis, keys: Readonly<Record<K, string>>, argv: Readonly<Record<A, ScriptArg>>, extras?: ScriptExtras): Promise<R>;
}

type ScriptCommand = (this: Redis, args: ScriptArg[]) => Promise<unknown>;

/** Every script defined in this process, by name: what `registerScripts` defines on a client. */
const registry = new Map<string, { readonly lua: string; readonly numberOfKeys?: number }>();
/** The clients and the scripts each has (a WeakMap: a client that is gone is forgotten). */
const registered = new WeakMap<Redis, Set<string>>();
const BINDING = /^local (\w+) = (?:tonumber\()?(KEYS|ARGV)\[(\d+)\]\)?$/;

/**
 * Defines every script defined so far on a client (`defineCommand`); `createRedis` does it before the client's first
 * command. It must come first on an auto-pipelined client: ioredis copies a client's scripts into each pipeline when
 * it creates one, so a script defined while a pipeline waits for the next tick is missing from it, and calling it
 * there breaks the pipeline. Scripts are module constants, defined once their modules are imported.
 */
export function registerScripts(redis: Redis): void {
  let names = registered.get(redis);
  if (!names) {
    names = new Set();
    registered.set(redis, names);
  }
  for (const [name, { lua, numberOfKeys }] of registry) {
    if (names.has(name)) continue;
    if (name in redis) throw new Error(`script ${name}: the client already has a command of that name`);
    redis.defineCommand(name, numberOfKeys === undefined ? { lua } : { lua, numberOfKeys });
    names.add(name);
  }
}

/**
 * Names a script for every client: its KEYS and ARGV by name (checked against the bindings at the top of the Lua, so
 * the two cannot drift) and its reply by type. The one way this repository runs Lua (ADR 0013).
 */
export function defineScript<const K extends string, const A extends string, R>(
  definition: ScriptDefinition<K, A, R>,
): RedisScript<K, A, R> {
  const { name, keys, argv, lua, reply } = definition;
  if (!/^[a-z][A-Za-z0-9]*$/.test(name)) throw new Error(`script name ${JSON.stringify(name)}: camelCase letters and digits`);
  if (registry.has(name) && registry.get(name)?.lua !== lua) throw new Error(`two scripts are named ${name}`);
  checkBindings(definition);
  registry.set(name, definition.moreKeys ? { lua } : { lua, numberOfKeys: keys.length });

  const command = (redis: Redis): ScriptCommand => {
    if (!registered.get(redis)?.has(name)) {
      // Safe on a client without auto-pipelining only (see registerScripts).
      if (redis.options.enableAutoPipelining)
        throw new Error(
          `script ${name} is not registered on this auto-pipelined client: import its module before the client is created (createRedis registers every script defined by then)`,
        );
      registerScripts(redis);
    }
    return (redis as unknown as Record<string, ScriptCommand>)[name]!;
  };

  return {
    name,
    lua,
    async run(redis, keyValues, argValues, extras = {}) {
      const more = extras.keys ?? [];
      if (more.length > 0 && !definition.moreKeys) throw new Error(`script ${name} takes only its named keys`);
      // One array (ioredis flattens it): a batch may hold more arguments than a function call can take.
      const args: ScriptArg[] = definition.moreKeys ? [keys.length + more.length] : [];
      for (const k of keys) args.push(keyValues[k]);
      for (const k of more) args.push(k);
      for (const a of argv) args.push(argValues[a]);
      for (const a of extras.argv ?? []) args.push(a);
      let raw: unknown;
      try {
        raw = await command(redis).call(redis, args);
      } catch (err) {
        throw scriptRefusalFrom(err, name, keys.length > 0 ? keyValues[keys[0]!] : 'no key') ?? err;
      }
      try {
        return reply(raw);
      } catch (err) {
        throw new Error(`script ${name}: ${(err as Error).message}`);
      }
    },
  };
}

/** The Lua's first lines must bind every named key, then every named argument, in order. */
function checkBindings(definition: ScriptDefinition<string, string, unknown>): void {
  const expected = [...definition.keys.map((n, i) => `${n} = KEYS[${i + 1}]`), ...definition.argv.map((n, i) => `${n} = ARGV[${i + 1}]`)];
  const bound: string[] = [];
  for (const line of definition.lua.split('\n').map((l) => l.trim())) {
    if (line === '' || line.startsWith('--')) continue;
    const m = BINDING.exec(line);
    if (!m) break;
    bound.push(`${m[1]} = ${m[2]}[${m[3]}]`);
  }
  if (bound.join('\n') !== expected.join('\n')) {
    throw new Error(
      `script ${definition.name}: its first lines must bind, one a line, ${expected.join(', ') || 'nothing'}; they bind ${bound.join(', ') || 'nothing'}`,
    );
  }
}

/** The reply of a script that answers 'OK' once it wrote. */
export function okReply(raw: unknown): void {
  if (raw !== 'OK') throw new Error(`a script answered ${JSON.stringify(raw)} where OK was expected`);
}

/** The reply of a script that answers an integer. */
export function integerReply(raw: unknown): number {
  if (typeof raw !== 'number') throw new Error(`a script answered ${JSON.stringify(raw)} where an integer was expected`);
  return raw;
}

/** The reply of a script that answers an array of integers. */
export function integersReply(raw: unknown): number[] {
  if (!Array.isArray(raw) || !raw.every((n) => typeof n === 'number'))
    throw new Error(`a script answered ${JSON.stringify(raw)} where integers were expected`);
  return raw;
}
