import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';

/**
 * Events signed by the dispatch worker (ADR 0019): Ed25519 over the record as published (topic, partition, key and the
 * value's exact bytes), carried in this header as `ed25519:<key id>:<base64url signature>`. The worker alone holds the
 * private key (EVENT_SIGNING_KEY); every reader of grid.events holds public keys only (EVENT_VERIFY_KEYS).
 */
export const EVENT_SIGNATURE_HEADER = 'gridgov-signature';

const SCHEME = 'ed25519';
/** DER framing of a raw 32-byte Ed25519 private key (PKCS#8) and public key (SPKI). */
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/**
 * An EVENT_VERIFY_KEYS entry `import:<key>` is the public half of `pnpm import-cases`'s own key (IMPORT_SIGNING_KEY,
 * ADR 0030): an event it signed is believed only if it is an IncidentImported, so the importer's key cannot forge
 * the dispatch worker's decisions.
 */
export const IMPORT_KEY_PREFIX = 'import:';
const IMPORTED_EVENT_TYPE = 'IncidentImported';

/** The `type` of a record's JSON value as a reader will parse it (the last `type` wins in JSON.parse), or undefined. */
function importedTypeOf(value: Buffer): unknown {
  try {
    const parsed: unknown = JSON.parse(value.toString('utf8'));
    return typeof parsed === 'object' && parsed !== null ? (parsed as { type?: unknown }).type : undefined;
  } catch {
    return undefined;
  }
}

/** A record of grid.events as a reader holds it. */
export interface EventRecordRef {
  readonly topic: string;
  readonly partition: number;
  readonly key: string | null;
  readonly value: Buffer | null;
  readonly headers?: Readonly<Record<string, string>>;
  /** Its offset (decimal): records below a partition's `signedFrom` offset are from before events were signed. */
  readonly offset?: string;
}

/** A base64url text of exactly `bytes` bytes in its one canonical spelling, or undefined. */
function canonicalBytes(text: string, bytes: number): Buffer | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(text)) return undefined;
  const raw = Buffer.from(text, 'base64url');
  return raw.length === bytes && raw.toString('base64url') === text ? raw : undefined;
}

/** The short id of a public key, named in each signature so a reader picks the key at once: 8 base64url characters. */
function keyIdOf(publicRaw: Buffer): string {
  return createHash('sha256').update(publicRaw).digest().subarray(0, 6).toString('base64url');
}

/** What is signed: the record's place (topic, partition, key) as a JSON line, then the value's bytes as produced. */
function signedBytes(topic: string, partition: number, key: string | null, value: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${JSON.stringify([topic, partition, key])}\n`, 'utf8'), value]);
}

function publicKeyObject(publicKey: string): KeyObject {
  const raw = canonicalBytes(publicKey, 32);
  if (!raw) throw new Error('an event verification key is 32 bytes in base64url (43 characters)');
  return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
}

/** A fresh key pair, both halves as base64url of their 32 raw bytes (scripts/dev-secrets, tests). */
export function generateEventSigningKey(): { readonly privateKey: string; readonly publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const d = privateKey.export({ format: 'jwk' }).d!;
  const x = publicKey.export({ format: 'jwk' }).x!;
  return { privateKey: d, publicKey: x };
}

/** The public half of a private key given as base64url of its 32 raw bytes. */
export function eventPublicKeyOf(privateKey: string): string {
  return new EventSigner(privateKey).publicKey;
}

/** Signs grid.events records as the dispatch worker publishes them. */
export class EventSigner {
  private readonly key: KeyObject;
  /** The public half, base64url of its 32 raw bytes: what readers are given. */
  readonly publicKey: string;
  readonly keyId: string;

  constructor(privateKey: string) {
    const raw = canonicalBytes(privateKey, 32);
    if (!raw) throw new Error('the event signing key is 32 bytes in base64url (43 characters)');
    this.key = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, raw]), format: 'der', type: 'pkcs8' });
    const publicRaw = createPublicKey(this.key).export({ format: 'der', type: 'spki' }).subarray(SPKI_PREFIX.length);
    this.publicKey = publicRaw.toString('base64url');
    this.keyId = keyIdOf(publicRaw);
  }

  /** The header value that signs this record: `ed25519:<key id>:<signature>`. */
  sign(topic: string, partition: number, key: string, value: string | Buffer): string {
    const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
    return `${SCHEME}:${this.keyId}:${sign(null, signedBytes(topic, partition, key, bytes), this.key).toString('base64url')}`;
  }

  /** The headers that carry the signature. */
  headers(topic: string, partition: number, key: string, value: string | Buffer): Record<string, string> {
    return { [EVENT_SIGNATURE_HEADER]: this.sign(topic, partition, key, value) };
  }
}

/**
 * Checks grid.events records against the worker's public keys (the current one, then keys being rotated out).
 * `signedFrom` (EVENT_SIGNATURES_FROM), for a log written before events were signed: per partition, the offset from
 * which every record must be signed. Records below it are believed as they are: nobody can append below an offset the
 * log already has, so this opens nothing to a forger.
 */
export class EventVerifier {
  private readonly keys = new Map<string, KeyObject>();
  /** Ids of the importer's keys (`import:<key>` entries, ADR 0030): believed for IncidentImported events alone. */
  private readonly importKeys = new Set<string>();
  /**
   * Per topic-partition, the run of offsets [from, to) already checked, and the reasons of those that failed. Two
   * readers in one process (the projection's counters and read side) read the same records: the second finds them
   * checked. A log's offset never holds another record, so a verdict stands; one run per partition keeps it small.
   */
  private readonly checked = new Map<string, { from: bigint; to: bigint; failed: Map<bigint, string> }>();

  constructor(
    publicKeys: readonly string[],
    private readonly signedFrom: ReadonlyMap<number, bigint> = new Map(),
  ) {
    if (publicKeys.length === 0) throw new Error('at least one event verification key is needed');
    for (const entry of publicKeys) {
      const publicKey = entry.startsWith(IMPORT_KEY_PREFIX) ? entry.slice(IMPORT_KEY_PREFIX.length) : entry;
      const raw = canonicalBytes(publicKey, 32);
      if (!raw) throw new Error('an event verification key is 32 bytes in base64url (43 characters)');
      const keyId = keyIdOf(raw);
      this.keys.set(keyId, publicKeyObject(publicKey));
      if (publicKey !== entry) this.importKeys.add(keyId);
    }
  }

  /** Undefined when the worker signed exactly this record where it stands; otherwise why it is not believed. */
  problem(record: EventRecordRef): string | undefined {
    if (record.offset === undefined) return this.check(record);
    const offset = BigInt(record.offset);
    const from = this.signedFrom.get(record.partition);
    if (from !== undefined && offset < from) return undefined;
    const name = `${record.topic}/${record.partition}`;
    let run = this.checked.get(name);
    if (run && offset >= run.from && offset < run.to) return run.failed.get(offset);
    const problem = this.check(record);
    if (run && offset === run.to) run.to++;
    else this.checked.set(name, (run = { from: offset, to: offset + 1n, failed: new Map() }));
    if (problem !== undefined && run.failed.size < 10_000) run.failed.set(offset, problem);
    else if (problem !== undefined) run.to = offset; // too many failures to remember: later ones are checked again
    return problem;
  }

  private check(record: EventRecordRef): string | undefined {
    if (!record.value) return 'empty record value';
    const header = record.headers?.[EVENT_SIGNATURE_HEADER];
    if (header === undefined) return `the event is not signed (no ${EVENT_SIGNATURE_HEADER} header)`;
    const [scheme, keyId, signature, ...more] = header.split(':');
    const raw = signature === undefined ? undefined : canonicalBytes(signature, 64);
    if (scheme !== SCHEME || keyId === undefined || !raw || more.length > 0) {
      return `the event's signature is not ${SCHEME}:<key id>:<base64url>`;
    }
    const key = this.keys.get(keyId);
    if (!key) return `the event is signed with key ${keyId}, which is not an event verification key`;
    if (!verify(null, signedBytes(record.topic, record.partition, record.key, record.value), key, raw)) {
      return `the event's signature does not verify for ${record.topic}/${record.partition} key ${String(record.key)}`;
    }
    if (this.importKeys.has(keyId) && importedTypeOf(record.value) !== IMPORTED_EVENT_TYPE) {
      return `the event is signed with the importer's key ${keyId}, which signs ${IMPORTED_EVENT_TYPE} events only`;
    }
    return undefined;
  }
}
