import { createHmac, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { envelopeSignatureProblem, signEnvelope } from './envelope-signature.ts';
import { publicJwtKey, signJwt } from './jwt.ts';
import { mintToken, parseTtl, REMEMBERED_TOKENS, TokenVerifier } from './tokens.ts';

const SECRET = 'unit-test-secret-that-is-long-enough-0123';
const NOW = Date.parse('2026-11-24T01:00:00Z');
const iat = NOW / 1000;
const claims = { sub: 'dispatcher-01', role: 'dispatcher', areas: ['440705'], iat, exp: iat + 3600 };
const hs256 = new TokenVerifier({ key: { alg: 'HS256', secret: SECRET }, now: () => NOW });
const problem = async (verifier: TokenVerifier, header: string | undefined) => {
  const result = await verifier.authenticate(header);
  return result.ok ? undefined : result.problem;
};

describe('bearer tokens', () => {
  it('verifies an HS256 token into the actor it speaks for', async () => {
    const token = mintToken(
      { sub: 'h-1', role: 'handler', areas: ['440705', '440705'], department: 'sanitation', ttlSeconds: 60 },
      SECRET,
      NOW,
    );
    expect(await hs256.authenticate(`Bearer ${token}`)).toEqual({
      ok: true,
      actor: { id: 'h-1', role: 'handler', department: 'sanitation', areas: ['440705'] },
      // Refused from exp + the 30 s tolerance on: what a live stream opened with it must end by.
      validUntilMs: NOW + 60_000 + 30_000,
    });
  });

  it('verifies RS256 and ES256 tokens with a public key, and refuses keys of other kinds', async () => {
    for (const [alg, pair] of [
      ['RS256', generateKeyPairSync('rsa', { modulusLength: 2048 })],
      ['ES256', generateKeyPairSync('ec', { namedCurve: 'prime256v1' })],
    ] as const) {
      const pem = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
      const verifier = new TokenVerifier({ key: publicJwtKey(pem), now: () => NOW });
      expect(verifier.algorithm).toBe(alg);
      const token = signJwt(claims, { alg, privateKey: pair.privateKey });
      expect(await verifier.authenticate(`Bearer ${token}`)).toMatchObject({ ok: true, actor: { id: 'dispatcher-01' } });
      // The same key's PEM used as an HMAC secret (algorithm confusion) is refused.
      expect(await problem(verifier, `Bearer ${signJwt(claims, { alg: 'HS256', secret: pem })}`)).toMatch(
        /signed with "HS256"; this service accepts/,
      );
      const tampered = token.replace(
        /\.[^.]+\./,
        `.${Buffer.from(JSON.stringify({ ...claims, areas: ['440700'] })).toString('base64url')}.`,
      );
      expect(await problem(verifier, `Bearer ${tampered}`)).toMatch(/signature does not verify/);
    }
    const ed = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(() => publicJwtKey(ed)).toThrow(/RS256 \(RSA\) or ES256/);
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(() => publicJwtKey(small)).toThrow(/2048/);
  });

  it.each([
    [undefined, /a bearer token is required/],
    ['', /a bearer token is required/],
    ['Basic dXNlcjpwYXNz', /expected "Bearer <token>"/],
    ['Bearer', /expected "Bearer <token>"/],
    ['Bearer not-a-jwt', /not a JWT/],
    ['Bearer a.b', /not a JWT/],
    ['Bearer ..', /not a JWT/],
    ['Bearer %%%.%%%.%%%', /not a JWT/],
    [`Bearer ${Buffer.from('nope').toString('base64url')}.e30.`, /header is not JSON/],
    [`Bearer ${'x'.repeat(9000)}`, /longer than 8192/],
  ])('refuses %j naming the problem', async (header, message) => {
    expect(await problem(hs256, header)).toMatch(message);
    expect(await problem(hs256, header)).toMatch(/^headers\.authorization: /);
  });

  it('refuses an unsigned token (alg none), a wrong signature, and a token signed with another secret', async () => {
    const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.`;
    expect(await problem(hs256, `Bearer ${none}`)).toMatch(/signed with "none"; this service accepts HS256 only/);
    const other = signJwt(claims, { alg: 'HS256', secret: 'another-secret-that-is-long-enough-0123' });
    expect(await problem(hs256, `Bearer ${other}`)).toMatch(/signature does not verify/);
    expect(await problem(hs256, `Bearer ${other.slice(0, -3)}abc`)).toMatch(/signature does not verify/);
  });

  it('refuses expired and not-yet-valid tokens, within the clock tolerance', async () => {
    const at = (offsetS: number, ttl = 60) =>
      `Bearer ${mintToken({ sub: 'x', role: 'leader', areas: ['440705'], ttlSeconds: ttl }, SECRET, NOW + offsetS * 1000)}`;
    expect(await problem(hs256, at(-120))).toMatch(/the token expired at 2026-11-24T00:59:00.000Z/);
    expect(await problem(hs256, at(-70))).toBeUndefined(); // 10 s past exp: within the 30 s tolerance
    expect(await problem(hs256, at(120))).toMatch(/not valid before 2026-11-24T01:02:00.000Z/);
    expect(await problem(hs256, at(20))).toBeUndefined();
  });

  describe('remembered tokens (a verified token is not verified again; its times, issuer and audience are)', () => {
    it('refuses a remembered token once it expires, and one whose signature is changed, though its claims are the same', async () => {
      let now = NOW;
      const verifier = new TokenVerifier({ key: { alg: 'HS256', secret: SECRET }, now: () => now });
      const token = mintToken({ sub: 'x', role: 'leader', areas: ['440705'], ttlSeconds: 60 }, SECRET, NOW);
      expect(await problem(verifier, `Bearer ${token}`)).toBeUndefined();
      expect(await problem(verifier, `Bearer ${token}`)).toBeUndefined();
      // Another signature over the same header and claims is another token: checked, and refused.
      const [h, p] = token.split('.') as [string, string];
      const forged = `${h}.${p}.${createHmac('sha256', 'another-secret-that-is-long-enough-0123').update(`${h}.${p}`).digest('base64url')}`;
      expect(await problem(verifier, `Bearer ${forged}`)).toMatch(/signature does not verify/);
      now = NOW + 91_000; // exp + the 30 s tolerance has passed
      expect(await problem(verifier, `Bearer ${token}`)).toMatch(/the token expired/);
    });

    it('checks issuer and audience on every use, and keeps at most REMEMBERED_TOKENS tokens', async () => {
      const verifier = new TokenVerifier({ key: { alg: 'HS256', secret: SECRET }, issuer: 'gridgov', now: () => NOW });
      const stranger = mintToken({ sub: 'x', role: 'leader', areas: ['440705'], ttlSeconds: 60, issuer: 'elsewhere' }, SECRET, NOW);
      expect(await problem(verifier, `Bearer ${stranger}`)).toMatch(/issued by "elsewhere"/);
      expect(await problem(verifier, `Bearer ${stranger}`)).toMatch(/issued by "elsewhere"/);
      const first = mintToken({ sub: 's-0', role: 'leader', areas: ['440705'], ttlSeconds: 60, issuer: 'gridgov' }, SECRET, NOW);
      expect(await problem(verifier, `Bearer ${first}`)).toBeUndefined();
      for (let i = 1; i <= REMEMBERED_TOKENS; i++) {
        const token = mintToken({ sub: `s-${i}`, role: 'leader', areas: ['440705'], ttlSeconds: 60, issuer: 'gridgov' }, SECRET, NOW);
        expect(await verifier.authenticate(`Bearer ${token}`)).toMatchObject({ ok: true });
      }
      expect(verifier.rememberedTokens).toBe(REMEMBERED_TOKENS);
      // Forgotten (the oldest), it is verified again: still good.
      expect(await verifier.authenticate(`Bearer ${first}`)).toMatchObject({ ok: true, actor: { id: 's-0' } });
    });
  });

  it.each([
    [{ ...claims, role: 'system' }, /token claim role/],
    [{ ...claims, role: 'handler' }, /token claim department: a handler token names its department/],
    [{ ...claims, areas: [] }, /token claim areas: a token names at least one area/],
    [{ ...claims, areas: ['4407'] }, /token claim areas\.0: an area code has 6, 9, 12 or 15 digits/],
    [{ ...claims, sub: '' }, /token claim sub/],
    [{ ...claims, exp: undefined }, /token claim exp/],
    [{ ...claims, exp: iat - 1 }, /token claim exp: exp is after iat/],
    [{ ...claims, iat: 'yesterday' }, /token claim iat/],
  ])('refuses claims that fail their schema: %j', async (payload, message) => {
    expect(await problem(hs256, `Bearer ${signJwt(payload, { alg: 'HS256', secret: SECRET })}`)).toMatch(message);
  });

  describe('strict tokens (issue 20, finding 9)', () => {
    const enc = (text: string) => Buffer.from(text).toString('base64url');
    const HEADER = '{"alg":"HS256","typ":"JWT"}';
    /** A token of exactly these header and payload texts, correctly signed with the secret. */
    const raw = (header: string, payload: string, secret = SECRET) => {
      const input = `${enc(header)}.${enc(payload)}`;
      return `Bearer ${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
    };
    const asText = (value: object) => JSON.stringify(value);

    it('accepts the same token written plainly (the refusals below are of what they change, not of the form)', async () => {
      expect(await problem(hs256, raw(HEADER, asText(claims)))).toBeUndefined();
    });

    it.each([
      [
        'a role given twice (last wins in JSON.parse)',
        HEADER,
        `{"sub":"x-1","role":"grid_staff","areas":["440705"],"iat":${iat},"exp":${iat + 60},"role":"admin"}`,
        /payload has the key "role" twice/,
      ],
      [
        'a key given twice, once escaped',
        HEADER,
        `{"sub":"x-1","role":"leader","\u0072ole":"admin","areas":["440705"],"iat":${iat},"exp":${iat + 60}}`,
        /payload has the key "role" twice/,
      ],
      [
        'areas given twice inside a nested object',
        HEADER,
        `{"sub":"x-1","role":"leader","areas":["440705"],"iat":${iat},"exp":${iat + 60},"x":{"a":1,"a":2}}`,
        /payload has the key "a" twice/,
      ],
      ['alg given twice in the header', '{"alg":"none","alg":"HS256","typ":"JWT"}', asText(claims), /header has the key "alg" twice/],
    ])('refuses duplicate JSON keys: %s', async (_what, header, payload, message) => {
      expect(await problem(hs256, raw(header, payload))).toMatch(message);
    });

    it('does not take equal keys in different objects, or key-like strings in values and arrays, for duplicates', async () => {
      const payload = asText({ ...claims, iss: 'sub', x: { sub: 'a', y: [{ sub: 1 }, { sub: 2 }] }, z: ['exp', 'exp'] });
      expect(await problem(hs256, raw(HEADER, payload))).toBeUndefined();
    });

    it('refuses a part that is not canonical base64url: padded, or with its unused low bits set', async () => {
      const [h, p, sig] = raw(HEADER, asText(claims)).slice('Bearer '.length).split('.') as [string, string, string];
      // The last character of a 32-byte signature (43 characters) carries 2 unused bits: another letter, the same bytes.
      const last = sig.at(-1)!;
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      const sibling = alphabet[alphabet.indexOf(last) ^ 1]!;
      const variant = `${sig.slice(0, -1)}${sibling}`;
      expect(Buffer.from(variant, 'base64url')).toEqual(Buffer.from(sig, 'base64url'));
      expect(await problem(hs256, `Bearer ${h}.${p}.${variant}`)).toMatch(/signature is not canonical base64url/);
      expect(await problem(hs256, `Bearer ${h}.${p}.${sig}=`)).toMatch(/not a JWT/);
    });

    it('refuses a token with crit, which names extensions this service does not understand', async () => {
      expect(await problem(hs256, raw('{"alg":"HS256","typ":"JWT","crit":["exp"]}', asText(claims)))).toMatch(
        /critical header extensions \(crit\)/,
      );
      expect(await problem(hs256, raw('{"alg":"HS256","typ":"JWT","crit":[]}', asText(claims)))).toMatch(/crit/);
    });

    it('refuses a lifetime longer than the maximum (iat 0 with a 100-year exp, or 25 h by default), and a token without iat', async () => {
      const century = { ...claims, iat: 0, exp: iat + 100 * 365 * 86_400 };
      expect(await problem(hs256, raw(HEADER, asText(century)))).toMatch(/longer than the 86400 s allowed/);
      expect(await problem(hs256, raw(HEADER, asText({ ...claims, exp: iat + 25 * 3600 })))).toMatch(/lives 90000 s/);
      expect(await problem(hs256, raw(HEADER, asText({ ...claims, exp: iat + 24 * 3600 })))).toBeUndefined();
      const strict = new TokenVerifier({ key: { alg: 'HS256', secret: SECRET }, maxLifetimeS: 3600, now: () => NOW });
      expect(await problem(strict, raw(HEADER, asText({ ...claims, exp: iat + 3601 })))).toMatch(/longer than the 3600 s allowed/);
      const { iat: _iat, ...noIat } = claims;
      expect(await problem(hs256, raw(HEADER, asText(noIat)))).toMatch(/token claim iat/);
    });

    it.each(['staff\n001', 'staff\u202e100', 'staff 001', 'staff\u0000', 'ѕtaff-001', '-staff', 'x'.repeat(65)])(
      'refuses a sub outside the safe alphabet: %j',
      async (sub) => {
        const payload = asText({ ...claims, sub });
        expect(await problem(hs256, raw(HEADER, payload))).toMatch(/token claim sub: a user id is 1 to 64 ASCII letters/);
      },
    );
  });

  it('requires the configured audience when there is one, and mints tokens that name it', async () => {
    const verifier = new TokenVerifier({ key: { alg: 'HS256', secret: SECRET }, audience: 'gridgov-api', now: () => NOW });
    const request = { sub: 'l-1', role: 'leader', areas: ['440705'], ttlSeconds: 60 } as const;
    expect(await problem(verifier, `Bearer ${mintToken(request, SECRET, NOW)}`)).toMatch(
      /meant for null, not "gridgov-api" \(JWT_AUDIENCE\)/,
    );
    expect(await problem(verifier, `Bearer ${mintToken({ ...request, audience: 'gridgov-api' }, SECRET, NOW)}`)).toBeUndefined();
  });

  it('requires the configured issuer when there is one', async () => {
    const verifier = new TokenVerifier({ key: { alg: 'HS256', secret: SECRET }, issuer: 'gridgov', now: () => NOW });
    expect(await problem(verifier, `Bearer ${signJwt(claims, { alg: 'HS256', secret: SECRET })}`)).toMatch(/issued by null, not "gridgov"/);
    expect(await problem(verifier, `Bearer ${signJwt({ ...claims, iss: 'gridgov' }, { alg: 'HS256', secret: SECRET })}`)).toBeUndefined();
  });

  it('reads lifetimes like 8h, 30m, 2d', () => {
    expect([parseTtl('8h'), parseTtl('30m'), parseTtl('2d'), parseTtl('45'), parseTtl('45s')]).toEqual([28_800, 1800, 172_800, 45, 45]);
    expect(() => parseTtl('0h')).toThrow();
    expect(() => parseTtl('soon')).toThrow();
  });
});

describe('command envelope signatures', () => {
  const KEY = 'command-signing-key-for-unit-tests-0123456789';
  const envelope = {
    commandId: '1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f',
    incidentId: '7d3f2a10-5b6c-4d8e-9f01-23456789abcd',
    issuedAt: '2026-11-24T01:00:00.000Z',
    actor: { id: 'dispatcher-01', role: 'dispatcher', areas: ['440705'] },
    command: { type: 'EscalateIncident', data: { reason: '督办' } },
  };
  const TOPIC = 'grid.commands';
  const AT = { topic: TOPIC, key: envelope.incidentId };

  it('verifies what the intake signed, whatever the order of keys in the JSON', () => {
    const signed = signEnvelope(envelope, KEY, { topic: TOPIC });
    expect(envelopeSignatureProblem(JSON.parse(JSON.stringify(signed)), [KEY], AT)).toBeUndefined();
    const reordered = {
      signature: signed.signature,
      signedAt: signed.signedAt,
      command: signed.command,
      actor: { areas: ['440705'], role: 'dispatcher', id: 'dispatcher-01' },
      issuedAt: signed.issuedAt,
      incidentId: signed.incidentId,
      commandId: signed.commandId,
    };
    expect(envelopeSignatureProblem(reordered, [KEY], AT)).toBeUndefined();
  });

  it('stamps the time it was signed, inside the signature', () => {
    const signed = signEnvelope(envelope, KEY, { topic: TOPIC }, new Date('2026-11-24T01:00:02.000Z'));
    expect(signed.signedAt).toBe('2026-11-24T01:00:02.000Z');
    expect(envelopeSignatureProblem({ ...signed, signedAt: '2026-11-24T09:00:00.000Z' }, [KEY], AT)).toMatch(/does not verify/);
  });

  it('refuses an unsigned envelope, a changed one, and one signed with another key', () => {
    const signed = signEnvelope(envelope, KEY, { topic: TOPIC });
    expect(envelopeSignatureProblem(envelope, [KEY], AT)).toBe('the command envelope is not signed');
    expect(envelopeSignatureProblem({ ...signed, actor: { ...envelope.actor, areas: ['440700'] } }, [KEY], AT)).toMatch(/does not verify/);
    expect(envelopeSignatureProblem({ ...signed, extra: 1 }, [KEY], AT)).toMatch(/does not verify/);
    expect(envelopeSignatureProblem(signEnvelope(envelope, 'another-key-0123456789-0123456789-0123', { topic: TOPIC }), [KEY], AT)).toMatch(
      /does not verify/,
    );
    expect(envelopeSignatureProblem({ ...signed, signature: 'sha1:abc' }, [KEY], AT)).toMatch(/is not hs256:/);
    expect(envelopeSignatureProblem([signed], [KEY], AT)).toMatch(/not a JSON object/);
  });

  it('binds the signature to its topic and record key', () => {
    const signed = signEnvelope(envelope, KEY, { topic: TOPIC });
    expect(envelopeSignatureProblem(signed, [KEY], { topic: 'staging.grid.commands', key: envelope.incidentId })).toMatch(
      /does not verify .* topic staging.grid.commands/,
    );
    expect(envelopeSignatureProblem(signed, [KEY], { topic: TOPIC, key: 'another-incident' })).toMatch(/does not verify/);
  });

  it('accepts a key being rotated out, listed after the current one', () => {
    const old = 'the-previous-command-signing-key-0123456789';
    expect(envelopeSignatureProblem(signEnvelope(envelope, old, { topic: TOPIC }), [KEY, old], AT)).toBeUndefined();
  });
});
