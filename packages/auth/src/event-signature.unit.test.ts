import { describe, expect, it } from 'vitest';
import { EventSignaturesFrom, RequiredEventVerifyKeys } from './config.ts';
import {
  type EventRecordRef,
  EVENT_SIGNATURE_HEADER,
  EventSigner,
  EventVerifier,
  eventPublicKeyOf,
  generateEventSigningKey,
  MAX_CHUNK_LEAVES,
} from './event-signature.ts';

const DIGITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
/**
 * The same bytes spelled otherwise: the lowest bit of the last base64url character set. That bit is past the last byte
 * when the bytes are not a multiple of 3 (a signature's 64, a hash's 32), so the text still decodes to the same bytes.
 */
const respelled = (text: string) => {
  const last = DIGITS.indexOf(text.at(-1)!);
  expect(last & 1, `${text} already ends in a spare bit`).toBe(0);
  const other = `${text.slice(0, -1)}${DIGITS[last | 1]!}`;
  expect(Buffer.from(other, 'base64url')).toEqual(Buffer.from(text, 'base64url'));
  return other;
};

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
      `${scheme}:${keyId}:${respelled(signature)}`,
    ];
    for (const h of malformed) {
      expect(verifier.problem(record({ headers: { [EVENT_SIGNATURE_HEADER]: h } })), h).toBe(
        "the event's signature is not ed25519:<key id>:<base64url> or ed25519m:…",
      );
    }
  });

  it('takes keys only as 32 bytes of base64url', () => {
    expect(() => new EventSigner('short')).toThrow(/32 bytes in base64url/);
    expect(() => new EventVerifier([`${current.publicKey}=`])).toThrow(/32 bytes in base64url/);
    expect(() => new EventVerifier([respelled(current.publicKey)])).toThrow(/32 bytes in base64url/);
    expect(() => new EventSigner(respelled(current.privateKey))).toThrow(/32 bytes in base64url/);
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

describe('a relay chunk signed once, over a Merkle tree of its records (ADR 0035)', () => {
  const worker = generateEventSigningKey();
  const signer = new EventSigner(worker.privateKey);
  const chunkOf = (size: number) =>
    Array.from({ length: size }, (_, i) => ({
      key: `incident-${i % 5}`,
      value: `{"type":"IncidentReported","data":{"n":${i}},"metadata":{"version":${i + 1}}}`,
    }));
  const recordsOf = (size: number, partition = 3, topic = 'grid.events'): EventRecordRef[] => {
    const chunk = chunkOf(size);
    const signatures = signer.signChunk(topic, partition, chunk);
    return chunk.map((r, i) => ({
      topic,
      partition,
      key: r.key,
      value: Buffer.from(r.value),
      headers: { [EVENT_SIGNATURE_HEADER]: signatures[i]! },
    }));
  };
  const headerOf = (r: EventRecordRef) => r.headers![EVENT_SIGNATURE_HEADER]!;
  const withHeader = (r: EventRecordRef, header: string): EventRecordRef => ({ ...r, headers: { [EVENT_SIGNATURE_HEADER]: header } });
  /** The header's parts: scheme, key id, signature, leaf index, leaf count, path. */
  const partsOf = (r: EventRecordRef) => headerOf(r).split(':') as [string, string, string, string, string, string];
  const joined = (parts: readonly string[]) => parts.join(':');

  it.each([1, 2, 3, 7, 1000])('verifies every record of a chunk of %i, in order, in reverse and with a fresh verifier each', (size) => {
    const records = recordsOf(size);
    const inOrder = new EventVerifier([worker.publicKey]);
    expect(records.map((r) => inOrder.problem(r)).filter((p) => p !== undefined)).toEqual([]);
    const reversed = new EventVerifier([worker.publicKey]);
    expect(
      [...records]
        .reverse()
        .map((r) => reversed.problem(r))
        .filter((p) => p !== undefined),
    ).toEqual([]);
    for (const r of [records[0]!, records[size - 1]!, records[Math.floor(size / 2)]!]) {
      expect(new EventVerifier([worker.publicKey]).problem(r)).toBeUndefined();
    }
    expect(headerOf(records[0]!)).toMatch(new RegExp(`^ed25519m:${signer.keyId}:[A-Za-z0-9_-]{86}:0:${size}:[A-Za-z0-9_-]*$`));
  });

  it('signs one chunk with one signature, and splits what is beyond the most leaves a chunk may have', () => {
    expect(new Set(recordsOf(1000).map((r) => partsOf(r)[2])).size).toBe(1);
    const many = chunkOf(MAX_CHUNK_LEAVES + 3);
    const signatures = signer.signChunk('grid.events', 3, many);
    expect(signatures).toHaveLength(MAX_CHUNK_LEAVES + 3);
    expect(signatures[MAX_CHUNK_LEAVES]).toMatch(/:0:3:[A-Za-z0-9_-]+$/);
    const verifier = new EventVerifier([worker.publicKey]);
    expect(
      many
        .map((r, i) =>
          verifier.problem(withHeader({ topic: 'grid.events', partition: 3, key: r.key, value: Buffer.from(r.value) }, signatures[i]!)),
        )
        .filter((p) => p !== undefined),
    ).toEqual([]);
    expect(signer.signChunk('grid.events', 3, [])).toEqual([]);
  });

  it('refuses a record moved to another partition, topic or key, or with a changed value, verified chunk or not', () => {
    const records = recordsOf(7);
    for (const warm of [false, true]) {
      const verifier = new EventVerifier([worker.publicKey]);
      if (warm) records.forEach((r) => expect(verifier.problem(r)).toBeUndefined());
      const r = records[4]!;
      expect(verifier.problem({ ...r, partition: 4 })).toMatch(/does not verify for grid.events\/4 key incident-4/);
      expect(verifier.problem({ ...r, topic: 'other.grid.events' })).toMatch(/does not verify/);
      expect(verifier.problem({ ...r, key: 'incident-3' })).toMatch(/does not verify/);
      expect(verifier.problem({ ...r, value: Buffer.from(r.value!.toString().replace('"n":4', '"n":5')) })).toMatch(/does not verify/);
      // Another record's value and key under this record's signature: its leaf is in the tree, at another place.
      expect(verifier.problem(withHeader(records[2]!, headerOf(r)))).toMatch(/does not verify/);
      expect(verifier.problem({ ...r, value: null })).toBe('empty record value');
    }
  });

  it('refuses a swapped or altered path, and a wrong leaf index or count, verified chunk or not', () => {
    const records = recordsOf(7);
    for (const warm of [false, true]) {
      const verifier = new EventVerifier([worker.publicKey]);
      if (warm) records.forEach((r) => expect(verifier.problem(r)).toBeUndefined());
      const r = records[2]!;
      const [scheme, keyId, sig, index, count, path] = partsOf(r);
      const other = partsOf(records[3]!); // the same path length: leaves 2 and 3 are siblings
      const raw = Buffer.from(path, 'base64url');
      const flipped = Buffer.from(raw);
      flipped[40] = flipped[40]! ^ 1;
      const swapped = Buffer.concat([raw.subarray(32, 64), raw.subarray(0, 32), raw.subarray(64)]);
      for (const header of [
        joined([scheme, keyId, sig, index, count, other[5]]),
        joined([scheme, keyId, sig, index, count, flipped.toString('base64url')]),
        joined([scheme, keyId, sig, index, count, swapped.toString('base64url')]),
        joined([scheme, keyId, sig, '3', count, path]),
        joined([scheme, keyId, sig, '3', count, other[5]]),
        joined([scheme, keyId, sig, index, '8', path]), // leaf 2 has a path of 3 hashes among 7 or 8
      ]) {
        expect(verifier.problem(withHeader(r, header)), header).toMatch(/does not verify/);
      }
      // A count that gives the leaf a path of another length is refused before anything is hashed.
      expect(verifier.problem(withHeader(r, joined([scheme, keyId, sig, index, '4', path])))).toMatch(/is not ed25519m/);
      expect(
        verifier.problem(withHeader(records[6]!, joined([...partsOf(records[6]!).slice(0, 3), '5', '7', partsOf(records[6]!)[5]]))),
      ).toMatch(/is not ed25519m/);
    }
  });

  it('refuses a root signed by a key it does not know, and a signature borrowed from another chunk', () => {
    const stranger = new EventSigner(generateEventSigningKey().privateKey);
    const verifier = new EventVerifier([worker.publicKey]);
    const records = recordsOf(3);
    const forged = stranger.signChunk('grid.events', 3, chunkOf(3));
    expect(verifier.problem(withHeader(records[0]!, forged[0]!))).toMatch(/which is not an event verification key/);
    // The stranger names the worker's key id: the root's signature does not verify with the worker's key.
    const [scheme, , sig, index, count, path] = forged[1]!.split(':');
    expect(verifier.problem(withHeader(records[1]!, joined([scheme!, signer.keyId, sig!, index!, count!, path!])))).toMatch(
      /does not verify/,
    );
    // A genuine signature of another chunk of the same size, verified first: the record's root is not that chunk's.
    const elsewhere = signer.signChunk(
      'grid.events',
      3,
      chunkOf(3).map((r) => ({ ...r, value: `${r.value} ` })),
    );
    expect(verifier.problem(withHeader(records[0]!, elsewhere[0]!))).toMatch(/does not verify/);
    expect(
      verifier.problem(withHeader(records[1]!, joined([scheme!, signer.keyId, elsewhere[0]!.split(':')[2]!, index!, count!, path!]))),
    ).toMatch(/does not verify/);
    // And one chunk signature is not a single record's, nor the other way round.
    const single = signer.sign('grid.events', 3, records[0]!.key!, records[0]!.value!).split(':')[2]!;
    const [, , , i0, c0, p0] = partsOf(records[0]!);
    expect(verifier.problem(withHeader(records[0]!, joined(['ed25519m', signer.keyId, single, i0, c0, p0])))).toMatch(/does not verify/);
    expect(verifier.problem(withHeader(records[0]!, `ed25519:${signer.keyId}:${partsOf(records[0]!)[2]}`))).toMatch(/does not verify/);
  });

  it('reads a chunk signature only in its one canonical spelling', () => {
    const verifier = new EventVerifier([worker.publicKey]);
    const records = recordsOf(3);
    const [scheme, keyId, sig, index, count, path] = partsOf(records[0]!);
    const [, , , , , lastPath] = partsOf(records[2]!); // leaf 2 of 3 is promoted once: its path is one hash
    const malformed = [
      joined([scheme, keyId, sig, index, count]),
      joined([scheme, keyId, sig, index, count, path, '']),
      joined([scheme, keyId, `${sig}=`, index, count, path]),
      joined([scheme, keyId, sig.slice(0, -1), index, count, path]),
      joined([scheme, keyId, sig, '00', count, path]),
      joined([scheme, keyId, sig, '+0', count, path]),
      joined([scheme, keyId, sig, index, '03', path]),
      joined([scheme, keyId, sig, index, '3.0', path]),
      joined([scheme, keyId, sig, index, '0', '']),
      joined([scheme, keyId, sig, '3', count, lastPath]),
      joined([scheme, keyId, sig, index, String(MAX_CHUNK_LEAVES + 1), path]),
      joined([scheme, keyId, sig, index, count, `${path}=`]),
      joined([scheme, keyId, sig, index, count, path.slice(0, -1)]),
      joined([scheme, keyId, sig, index, count, `${path}AA`]),
      joined([scheme, keyId, sig, index, count, '']),
      joined([scheme, keyId, sig, '2', count, `${lastPath}${lastPath}`]),
      joined([scheme, keyId, respelled(sig), index, count, path]),
      joined([scheme, keyId, sig, index, count, respelled(path)]),
      joined([scheme, keyId, sig, '2', count, respelled(lastPath)]),
    ];
    for (const h of malformed) {
      expect(verifier.problem(withHeader(records[0]!, h)), h).toMatch(/^the event's signature is not ed25519m:/);
    }
    // One leaf: the root is the leaf, and the path is empty.
    const [one] = recordsOf(1);
    expect(headerOf(one!)).toMatch(/:0:1:$/);
    expect(verifier.problem(withHeader(one!, `${headerOf(one!)}AAAA`))).toMatch(/is not ed25519m/);
  });

  it('verifies a chunk once and then about a hash per record, and keeps its verdicts whatever it has remembered', () => {
    const records = recordsOf(1000);
    const verifier = new EventVerifier([worker.publicKey]);
    // A forger gets a verdict on a forged record first: nothing of it is remembered as verified.
    const forgedValue = Buffer.from('{"type":"IncidentClosed"}');
    expect(verifier.problem({ ...records[10]!, value: forgedValue })).toMatch(/does not verify/);
    expect(records.every((r) => verifier.problem(r) === undefined)).toBe(true);
    expect(verifier.problem({ ...records[10]!, value: forgedValue })).toMatch(/does not verify/);
    // Many chunks later (the first forgotten), the first chunk's records still verify, now at full cost.
    for (let n = 0; n < 70; n++) {
      const others = signer.signChunk('grid.events', 5, [
        { key: 'k', value: `{"n":${n}}` },
        { key: 'k', value: '{}' },
      ]);
      expect(
        verifier.problem(withHeader({ topic: 'grid.events', partition: 5, key: 'k', value: Buffer.from(`{"n":${n}}`) }, others[0]!)),
      ).toBeUndefined();
    }
    expect(verifier.problem(records[999]!)).toBeUndefined();
    expect(verifier.problem({ ...records[999]!, partition: 2 })).toMatch(/does not verify/);
  });

  it("holds the importer's key to IncidentImported events record by record, and keeps single signatures valid", () => {
    const importer = generateEventSigningKey();
    const verifier = new EventVerifier([worker.publicKey, `import:${importer.publicKey}`]);
    const values = ['{"type":"IncidentImported","data":{},"metadata":{}}', '{"type":"IncidentClosed","data":{},"metadata":{}}'];
    const signatures = new EventSigner(importer.privateKey).signChunk(
      'grid.events',
      0,
      values.map((value) => ({ key: 'incident-1', value })),
    );
    const problems = values.map((value, i) =>
      verifier.problem(withHeader({ topic: 'grid.events', partition: 0, key: 'incident-1', value: Buffer.from(value) }, signatures[i]!)),
    );
    expect(problems).toEqual([undefined, expect.stringMatching(/signed with the importer's key .* IncidentImported events only/)]);
    // The importer's chunk signature named as the worker's (verified chunk or not), and the other way round: refused.
    const relabelled = (header: string, keyId: string) => header.replace(/^ed25519m:[^:]+:/, `ed25519m:${keyId}:`);
    const workerKeyId = signer.keyId;
    const importerKeyId = new EventSigner(importer.privateKey).keyId;
    const closed = { topic: 'grid.events', partition: 0, key: 'incident-1', value: Buffer.from(values[1]!) };
    expect(verifier.problem(withHeader(closed, relabelled(signatures[1]!, workerKeyId)))).toMatch(/does not verify/);
    const byWorker = signer.signChunk(
      'grid.events',
      0,
      values.map((value) => ({ key: 'incident-1', value })),
    );
    expect(verifier.problem(withHeader(closed, byWorker[1]!))).toBeUndefined();
    expect(verifier.problem(withHeader(closed, relabelled(byWorker[1]!, importerKeyId)))).toMatch(/does not verify/);
    const single = signer.sign('grid.events', 0, 'incident-1', values[1]!);
    expect(
      verifier.problem(withHeader({ topic: 'grid.events', partition: 0, key: 'incident-1', value: Buffer.from(values[1]!) }, single)),
    ).toBeUndefined();
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
