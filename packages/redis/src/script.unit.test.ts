import { describe, expect, it } from 'vitest';
import { CheckpointConflict, Fenced, GenerationMoved, ScriptErrorCodes, scriptRefusalFrom } from './script-errors.ts';
import { defineScript, integerReply, okReply } from './script.ts';

describe('defineScript', () => {
  it('takes a script whose first lines bind its named keys, then its named arguments, in order', () => {
    const script = defineScript({
      name: 'unitBindsAll',
      keys: ['epochKey', 'outboxKey'],
      argv: ['epoch', 'count'],
      lua: `
-- a comment may come first
local epochKey = KEYS[1]
local outboxKey = KEYS[2]
local epoch = ARGV[1]
local count = tonumber(ARGV[2])
return redis.call('LLEN', outboxKey)
`,
      reply: integerReply,
    });
    expect(script.name).toBe('unitBindsAll');
  });

  it('refuses a script whose bindings differ from its names: missing, misnamed, out of order', () => {
    const define = (lua: string) => () => defineScript({ name: 'unitRefused', keys: ['a', 'b'], argv: ['x'], lua, reply: okReply });
    expect(define('local a = KEYS[1]\nlocal x = ARGV[1]\nreturn 1')).toThrow(
      'script unitRefused: its first lines must bind, one a line, a = KEYS[1], b = KEYS[2], x = ARGV[1]; they bind a = KEYS[1], x = ARGV[1]',
    );
    expect(define('local a = KEYS[1]\nlocal c = KEYS[2]\nlocal x = ARGV[1]')).toThrow(/they bind a = KEYS\[1\], c = KEYS\[2\]/);
    expect(define('local b = KEYS[2]\nlocal a = KEYS[1]\nlocal x = ARGV[1]')).toThrow(/must bind/);
    expect(define('local a, b = KEYS[1], KEYS[2]\nlocal x = ARGV[1]')).toThrow(/they bind nothing/);
  });

  it('refuses a name that is no camelCase word, and a second script under a name taken', () => {
    const lua = 'return 1';
    expect(() => defineScript({ name: 'MOVED', keys: [], argv: [], lua, reply: integerReply })).toThrow(/camelCase/);
    defineScript({ name: 'unitTaken', keys: [], argv: [], lua, reply: integerReply });
    expect(() => defineScript({ name: 'unitTaken', keys: [], argv: [], lua: 'return 2', reply: integerReply })).toThrow(
      'two scripts are named unitTaken',
    );
  });
});

describe('the errors of scripts', () => {
  // What ioredis rejects with when Redis answers an error.
  const reply = (message: string) => Object.assign(new Error(message), { name: 'ReplyError' });

  it('maps each GRIDGOV_ code to its typed error, naming the script and the key', () => {
    const fenced = scriptRefusalFrom(reply('GRIDGOV_EPOCH_FENCED epoch moved'), 'workerApplyBatch', 'grid:{w3}:epoch');
    expect(fenced).toBeInstanceOf(Fenced);
    expect(fenced).toMatchObject({ code: 'FENCED', reply: 'GRIDGOV_EPOCH_FENCED', script: 'workerApplyBatch' });
    expect(fenced?.message).toBe('workerApplyBatch on grid:{w3}:epoch: epoch moved (GRIDGOV_EPOCH_FENCED)');
    expect(scriptRefusalFrom(reply('GRIDGOV_OUTBOX_MOVED'), 's', 'k')).toBeInstanceOf(Fenced);
    expect(scriptRefusalFrom(reply('GRIDGOV_CHECKPOINT_CONFLICT x'), 's', 'k')).toBeInstanceOf(CheckpointConflict);
    expect(scriptRefusalFrom(reply('GRIDGOV_GENERATION_MOVED x'), 's', 'k')).toBeInstanceOf(GenerationMoved);
    // A code alone says what it means.
    expect(scriptRefusalFrom(reply('GRIDGOV_OUTBOX_MOVED'), 's', 'k')?.message).toBe(
      `s on k: ${ScriptErrorCodes.GRIDGOV_OUTBOX_MOVED} (GRIDGOV_OUTBOX_MOVED)`,
    );
  });

  it("leaves every other error alone: Redis's own replies, unknown codes, errors that are no reply", () => {
    for (const message of ['MOVED 3999 127.0.0.1:6381', 'ERR unknown command', 'GRIDGOV_UNKNOWN x', 'NOSCRIPT No matching script'])
      expect(scriptRefusalFrom(reply(message), 's', 'k')).toBeUndefined();
    expect(scriptRefusalFrom(new Error('GRIDGOV_EPOCH_FENCED'), 's', 'k')).toBeUndefined();
  });

  it('codes never begin like a reply a client library acts on', () => {
    for (const code of Object.keys(ScriptErrorCodes)) expect(code).toMatch(/^GRIDGOV_[A-Z_]+$/);
  });
});
