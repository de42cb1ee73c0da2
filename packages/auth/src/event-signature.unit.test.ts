import { describe, expect, it } from 'vitest';
import { EventSignaturesFrom, RequiredEventVerifyKeys } from './config.ts';
import {
  type EventRecordRef,
  EVENT_SIGNATURE_HEADER,
  EventSigner,
  EventVerifier,
  eventPublicKeyOf,
  generateEventSigningKey,
} from './event-signature.ts';

describe('event signatures (ADR 0019)', () => {
  const current = generateEventSigningKey();
  const previous = generateEventSigningKey();
  const signer = new EventSigner(current.privateKey);
  const verifier = new EventVerifier([current.publicKey, previous.publicKey]);
  const value = '{"type":"IncidentReported","data":{},"metadata":{"version":1}}';
  const record = (over: Partial<EventRecordRef> = {}): EventRecordRef => ({
    topic: 'grid.events',
    partition: 3,
    key: 'incident-1',
    value: Buffer.from(value),
    headers: signer.headers('grid.events', 3, 'incident-1', value),
    ...over,
  });

  it('verifies what the worker signed, where it stands, with the current key or one being rotated out', () => {
    expect(verifier.problem(record())).toBeUndefined();
    expect(eventPublicKeyOf(current.privateKey)).toBe(current.publicKey);
    const old = new EventSigner(previous.privateKey);
    expect(verifier.problem(record({ headers: old.headers('grid.events', 3, 'incident-1', value) }))).toBeUndefined();
  });

  it('refuses an unsigned record, a changed value, and a record moved to another partition, topic or key', () => {
    expect(verifier.problem(record({ headers: {} }))).toBe(`the event is not signed (no ${EVENT_SIGNATURE_HEADER} header)`);
    expect(verifier.problem(record({ value: Buffer.from(value.replace('1}', '2}')) }))).toMatch(/does not verify for grid.events\/3/);
    expect(verifier.problem(record({ partition: 4 }))).toMatch(/does not verify for grid.events\/4 key incident-1/);
    expect(verifier.problem(record({ topic: 'other.grid.events' }))).toMatch(/does not verify/);
    expect(verifier.problem(record({ key: 'incident-2' }))).toMatch(/does not verify/);
    expect(verifier.problem(record({ value: null }))).toBe('empty record value');
  });

  it('refuses a signature by a key it does not know, and any spelling but the canonical one', () => {
    const stranger = new EventSigner(generateEventSigningKey().privateKey);
    expect(verifier.problem(record({ headers: stranger.headers('grid.events', 3, 'incident-1', value) }))).toMatch(
      /is signed with key .*, which is not an event verification key/,
    );
    const header = signer.sign('grid.events', 3, 'incident-1', value);
    const [scheme, keyId, signature] = header.split(':') as [string, string, string];
    const malformed = [
      `hs256:${keyId}:${signature}`,
      `${scheme}:${keyId}:${signature}=`,
      `${scheme}:${keyId}:${signature.slice(0, -1)}`,
      `${scheme}:${keyId}:${signature}:more`,
      `${scheme}:${keyId}`,
    ];
    for (const h of malformed) {
      expect(verifier.problem(record({ headers: { [EVENT_SIGNATURE_HEADER]: h } })), h).toBe(
        "the event's signature is not ed25519:<key id>:<base64url>",
      );
    }
  });

  it('takes keys only as 32 bytes of base64url', () => {
    expect(() => new EventSigner('short')).toThrow(/32 bytes in base64url/);
    expect(() => new EventVerifier([`${current.publicKey}=`])).toThrow(/32 bytes in base64url/);
    expect(() => new EventVerifier([])).toThrow(/at least one/);
  });

  it('believes unsigned records below the offsets signing began at, on the partitions named, and none after', () => {
    const upgraded = new EventVerifier([current.publicKey], new Map([[3, 100n]]));
    expect(upgraded.problem(record({ headers: {}, offset: '99' }))).toBeUndefined();
    expect(upgraded.problem(record({ headers: {}, offset: '100' }))).toMatch(/not signed/);
    expect(upgraded.problem(record({ headers: {}, partition: 4, offset: '5' }))).toMatch(/not signed/);
  });

  it('checks a record at a given offset once: a second reader of the same log gets the same verdict', () => {
    const once = new EventVerifier([current.publicKey]);
    const good = record({ offset: '7' });
    const bad = record({ offset: '8', headers: {} });
    expect([once.problem(good), once.problem(bad)]).toEqual([undefined, expect.stringMatching(/not signed/)]);
    expect([once.problem(good), once.problem(bad)]).toEqual([undefined, expect.stringMatching(/not signed/)]);
    // Elsewhere on the log, or on another partition, records are checked on their own.
    expect(once.problem(record({ offset: '9', value: Buffer.from('{}') }))).toMatch(/does not verify/);
    expect(once.problem(record({ offset: '7', partition: 4 }))).toMatch(/does not verify/);
  });

  it('reads its configuration strictly: keys of 32 bytes, at least one for a reader, offsets per partition', () => {
    expect(RequiredEventVerifyKeys.parse(` ${current.publicKey} , ${previous.publicKey}`)).toEqual([current.publicKey, previous.publicKey]);
    expect(RequiredEventVerifyKeys.safeParse('').success).toBe(false);
    expect(RequiredEventVerifyKeys.safeParse(`${current.publicKey}x`).success).toBe(false);
    expect(EventSignaturesFrom.parse('0:100, 3:5')).toEqual(
      new Map([
        [0, 100n],
        [3, 5n],
      ]),
    );
    expect(EventSignaturesFrom.parse(undefined)).toEqual(new Map());
    expect(EventSignaturesFrom.safeParse('0=100').success).toBe(false);
  });
});

describe("the importer's key (import:<key>, ADR 0030)", () => {
  const worker = generateEventSigningKey();
  const importer = generateEventSigningKey();
  const verifier = new EventVerifier([worker.publicKey, `import:${importer.publicKey}`]);
  const signed = (value: string, key = importer.privateKey): EventRecordRef => ({
    topic: 'grid.events',
    partition: 0,
    key: 'incident-1',
    value: Buffer.from(value),
    headers: new EventSigner(key).headers('grid.events', 0, 'incident-1', value),
  });

  it('is believed for IncidentImported events, and only for them', () => {
    expect(verifier.problem(signed('{"type":"IncidentImported","data":{},"metadata":{}}'))).toBeUndefined();
    expect(verifier.problem(signed('{"type":"IncidentClosed","data":{"onTime":true},"metadata":{}}'))).toMatch(
      /signed with the importer's key .* IncidentImported events only/,
    );
    // JSON.parse keeps the last of two `type`s: a value that begins as an import is judged by what readers will read.
    expect(verifier.problem(signed('{"type":"IncidentImported","type":"IncidentClosed"}'))).toMatch(/IncidentImported events only/);
    expect(verifier.problem(signed('not json'))).toMatch(/IncidentImported events only/);
  });

  it("leaves the worker's key believed for every event, an import included", () => {
    expect(verifier.problem(signed('{"type":"IncidentClosed"}', worker.privateKey))).toBeUndefined();
  });

  it('is written `import:<key>` in EVENT_VERIFY_KEYS, and checked like any key', () => {
    expect(RequiredEventVerifyKeys.parse(`${worker.publicKey},import:${importer.publicKey}`)).toEqual([
      worker.publicKey,
      `import:${importer.publicKey}`,
    ]);
    expect(() => RequiredEventVerifyKeys.parse(`import:${importer.publicKey}x`)).toThrow(/optionally after `import:`/);
    expect(() => RequiredEventVerifyKeys.parse(`export:${importer.publicKey}`)).toThrow(/32 bytes in base64url/);
  });
});
