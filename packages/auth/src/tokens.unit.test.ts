import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { envelopeSignatureProblem, signEnvelope } from './envelope-signature.ts';
import { publicJwtKey, signJwt } from './jwt.ts';
import { mintToken, parseTtl, TokenVerifier } from './tokens.ts';

const SECRET = 'unit-test-secret-that-is-long-enough-0123';
const NOW = Date.parse('2026-11-24T01:00:00Z');
const iat = NOW / 1000;
const claims = { sub: 'dispatcher-01', role: 'dispatcher', areas: ['440705'], iat, exp: iat + 3600 };
const hs256 = new TokenVerifier({ key: { alg: 'HS256', secret: SECRET }, now: () => NOW });
const problem = (verifier: TokenVerifier, header: string | undefined) => {
  const result = verifier.authenticate(header);
  return result.ok ? undefined : result.problem;
};

describe('bearer tokens', () => {
  it('verifies an HS256 token into the actor it speaks for', () => {
    const token = mintToken(
      { sub: 'h-1', role: 'handler', areas: ['440705', '440705'], department: 'sanitation', ttlSeconds: 60 },
      SECRET,
      NOW,
    );
    expect(hs256.authenticate(`Bearer ${token}`)).toEqual({
      ok: true,
      actor: { id: 'h-1', role: 'handler', department: 'sanitation', areas: ['440705'] },
    });
  });

  it('verifies RS256 and ES256 tokens with a public key, and refuses keys of other kinds', () => {
    for (const [alg, pair] of [
      ['RS256', generateKeyPairSync('rsa', { modulusLength: 2048 })],
      ['ES256', generateKeyPairSync('ec', { namedCurve: 'prime256v1' })],
    ] as const) {
      const pem = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
      const verifier = new TokenVerifier({ key: publicJwtKey(pem), now: () => NOW });
      expect(verifier.algorithm).toBe(alg);
      const token = signJwt(claims, { alg, privateKey: pair.privateKey });
      expect(verifier.authenticate(`Bearer ${token}`)).toMatchObject({ ok: true, actor: { id: 'dispatcher-01' } });
      // The same key's PEM used as an HMAC secret (algorithm confusion) is refused.
      expect(problem(verifier, `Bearer ${signJwt(claims, { alg: 'HS256', secret: pem })}`)).toMatch(
        /signed with "HS256"; this service accepts/,
      );
      const tampered = token.replace(
        /\.[^.]+\./,
        `.${Buffer.from(JSON.stringify({ ...claims, areas: ['440700'] })).toString('base64url')}.`,
      );
      expect(problem(verifier, `Bearer ${tampered}`)).toMatch(/signature does not verify/);
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
  ])('refuses %j naming the problem', (header, message) => {
    expect(problem(hs256, header)).toMatch(message);
    expect(problem(hs256, header)).toMatch(/^headers\.authorization: /);
  });

  it('refuses an unsigned token (alg none), a wrong signature, and a token signed with another secret', () => {
    const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.`;
    expect(problem(hs256, `Bearer ${none}`)).toMatch(/signed with "none"; this service accepts HS256 only/);
    const other = signJwt(claims, { alg: 'HS256', secret: 'another-secret-that-is-long-enough-0123' });
    expect(problem(hs256, `Bearer ${other}`)).toMatch(/signature does not verify/);
    expect(problem(hs256, `Bearer ${other.slice(0, -3)}abc`)).toMatch(/signature does not verify/);
  });

  it('refuses expired and not-yet-valid tokens, within the clock tolerance', () => {
    const at = (offsetS: number, ttl = 60) =>
      `Bearer ${mintToken({ sub: 'x', role: 'leader', areas: ['440705'], ttlSeconds: ttl }, SECRET, NOW + offsetS * 1000)}`;
    expect(problem(hs256, at(-120))).toMatch(/the token expired at 2026-11-24T00:59:00.000Z/);
    expect(problem(hs256, at(-70))).toBeUndefined(); // 10 s past exp: within the 30 s tolerance
    expect(problem(hs256, at(120))).toMatch(/not valid before 2026-11-24T01:02:00.000Z/);
    expect(problem(hs256, at(20))).toBeUndefined();
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
  ])('refuses claims that fail their schema: %j', (payload, message) => {
    expect(problem(hs256, `Bearer ${signJwt(payload, { alg: 'HS256', secret: SECRET })}`)).toMatch(message);
  });

  it('requires the configured issuer when there is one', () => {
    const verifier = new TokenVerifier({ key: { alg: 'HS256', secret: SECRET }, issuer: 'gridgov', now: () => NOW });
    expect(problem(verifier, `Bearer ${signJwt(claims, { alg: 'HS256', secret: SECRET })}`)).toMatch(/issued by null, not "gridgov"/);
    expect(problem(verifier, `Bearer ${signJwt({ ...claims, iss: 'gridgov' }, { alg: 'HS256', secret: SECRET })}`)).toBeUndefined();
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
