import { createHash, createPrivateKey, hash, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';

/**
 * Events signed by the dispatch worker (ADR 0019, 0035): Ed25519 over the record as published (topic, partition, key
 * and the value's exact bytes), carried in this header. The worker's relay signs a chunk at once,
 * `ed25519m:<key id>:<base64url signature of the root>:<leaf index>:<leaf count>:<base64url sibling path>`: the
 * record's leaf and path lead to a Merkle root signed once for the chunk. A single record's own signature,
 * `ed25519:<key id>:<base64url signature>`, stays valid (the log before ADR 0035, the importer). The worker alone holds
 * the private key (EVENT_SIGNING_KEY); every reader of grid.events holds public keys only (EVENT_VERIFY_KEYS).
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

const BASE64URL_DIGITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * A base64url text of exactly `bytes` bytes in its one canonical spelling, or undefined: unpadded, exactly the
 * characters the bytes take, and no bit set in the last character beyond the last byte (another spelling of the same
 * bytes). Checked on the text, not by spelling the bytes again: a reader checks a path of 400 characters a record.
 */
function canonicalBytes(text: string, bytes: number): Buffer | undefined {
  if (text.length !== Math.ceil((bytes * 4) / 3) || !/^[A-Za-z0-9_-]+$/.test(text)) return undefined;
  // 1 byte past the last group of 3 takes 2 characters (4 bits spare), 2 bytes take 3 (2 bits spare).
  const spare = [0, 0b1111, 0b11][bytes % 3]!;
  if ((BASE64URL_DIGITS.indexOf(text[text.length - 1]!) & spare) !== 0) return undefined;
  const raw = Buffer.from(text, 'base64url');
  return raw.length === bytes ? raw : undefined;
}

/** The short id of a public key, named in each signature so a reader picks the key at once: 8 base64url characters. */
function keyIdOf(publicRaw: Buffer): string {
  return createHash('sha256').update(publicRaw).digest().subarray(0, 6).toString('base64url');
}

/** What is signed: the record's place (topic, partition, key) as a JSON line, then the value's bytes as produced. */
function signedBytes(topic: string, partition: number, key: string | null, value: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${JSON.stringify([topic, partition, key])}\n`, 'utf8'), value]);
}

/** The per-chunk scheme (ADR 0035): one Ed25519 signature over the Merkle root of a relay chunk's records. */
const CHUNK_SCHEME = 'ed25519m';
/** Most leaves one chunk signature covers: a path is then at most 12 hashes. The worker's relay chunk is 1,000. */
export const MAX_CHUNK_LEAVES = 4096;
const HASH_BYTES = 32;
const LEAF_TAG = 0x00;
const NODE_TAG = 0x01;
/**
 * What the chunk signature covers: this line, the leaf count (4 bytes, big-endian), then the root. It cannot be a
 * single record's signed bytes (those begin with `[`), so neither signature is ever good as the other.
 */
const ROOT_TAG = Buffer.from('gridgov event chunk root v1\n', 'utf8');
/** Chunks whose root signature was verified, remembered with their nodes known to be in the tree. */
const VERIFIED_CHUNKS = 64;
const DECIMAL = /^(?:0|[1-9][0-9]{0,3})$/;

/** SHA-256 of 0x00 and the record's signed bytes: a leaf, never equal to a node's hash (0x01 …) but by a collision. */
function leafHash(topic: string, partition: number, key: string | null, value: Buffer): Buffer {
  const line = `${JSON.stringify([topic, partition, key])}\n`;
  const bytes = Buffer.allocUnsafe(1 + Buffer.byteLength(line) + value.length);
  bytes[0] = LEAF_TAG;
  const at = 1 + bytes.write(line, 1, 'utf8');
  value.copy(bytes, at);
  return hash('sha256', bytes, 'buffer');
}

/** SHA-256 of 0x01, the left hash and the right one, each read at its offset. */
function nodeHash(left: Buffer, right: Buffer, leftAt = 0, rightAt = 0): Buffer {
  const bytes = Buffer.allocUnsafe(1 + 2 * HASH_BYTES);
  bytes[0] = NODE_TAG;
  left.copy(bytes, 1, leftAt, leftAt + HASH_BYTES);
  right.copy(bytes, 1 + HASH_BYTES, rightAt, rightAt + HASH_BYTES);
  return hash('sha256', bytes, 'buffer');
}

/** The bytes a chunk signature covers: the tag, the leaf count, the root. */
function rootMessage(count: number, root: Buffer): Buffer {
  const message = Buffer.alloc(ROOT_TAG.length + 4 + HASH_BYTES);
  ROOT_TAG.copy(message);
  message.writeUInt32BE(count, ROOT_TAG.length);
  root.copy(message, ROOT_TAG.length + 4);
  return message;
}

/**
 * The tree's shape, fixed by its leaf count alone: level 0 holds the leaves; each next level pairs nodes 2j and 2j+1
 * into SHA-256(0x01 ‖ left ‖ right), and the last node of an odd level is promoted to the next level unchanged.
 * Returns the sizes of the levels below the root (none for one leaf, whose root is the leaf's hash).
 */
function levelSizes(count: number): number[] {
  const sizes: number[] = [];
  for (let size = count; size > 1; size = Math.ceil(size / 2)) sizes.push(size);
  return sizes;
}

/** How many sibling hashes the path of leaf `index` holds in a tree of these level sizes: one per level where it is not promoted. */
function pathLength(index: number, sizes: readonly number[]): number {
  let length = 0;
  let i = index;
  for (const size of sizes) {
    if (i % 2 === 1 || i + 1 < size) length++;
    i >>= 1;
  }
  return length;
}

/** A chunk whose signature verified: its root, and the nodes (level, index) met on the paths checked so far. */
interface VerifiedChunk {
  readonly root: Buffer;
  /** Per level below the root, its nodes' hashes side by side, and which of them are known to be in the tree. */
  readonly levels: { readonly hashes: Buffer; readonly known: Uint8Array }[];
}

/** Whether node (level, index) is known to be in the tree and is the hash held in `source` at `at`. */
function isKnown(chunk: VerifiedChunk, level: number, index: number, source: Buffer, at = 0): boolean {
  const { hashes, known } = chunk.levels[level]!;
  return known[index] === 1 && hashes.compare(source, at, at + HASH_BYTES, index * HASH_BYTES, (index + 1) * HASH_BYTES) === 0;
}

function remember(chunk: VerifiedChunk, level: number, index: number, source: Buffer, at: number): void {
  const { hashes, known } = chunk.levels[level]!;
  source.copy(hashes, index * HASH_BYTES, at, at + HASH_BYTES);
  known[index] = 1;
}

function verifiedChunk(root: Buffer, count: number): VerifiedChunk {
  return {
    root,
    levels: levelSizes(count).map((size) => ({ hashes: Buffer.alloc(size * HASH_BYTES), known: new Uint8Array(size) })),
  };
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

  /**
   * The header values that sign records bound for one topic partition, in their order (ADR 0035): a Merkle tree over
   * their leaves, its root signed once per MAX_CHUNK_LEAVES records, and in each value the record's path to the root.
   */
  signChunk(topic: string, partition: number, records: readonly { readonly key: string; readonly value: string | Buffer }[]): string[] {
    const signatures: string[] = [];
    for (let from = 0; from < records.length; from += MAX_CHUNK_LEAVES) {
      const chunk = records.slice(from, from + MAX_CHUNK_LEAVES);
      const levels: Buffer[][] = [
        chunk.map((r) => leafHash(topic, partition, r.key, typeof r.value === 'string' ? Buffer.from(r.value, 'utf8') : r.value)),
      ];
      for (let level = levels[0]!; level.length > 1; levels.push(level)) {
        const below = level;
        level = [];
        for (let j = 0; j < below.length; j += 2) level.push(j + 1 < below.length ? nodeHash(below[j]!, below[j + 1]!) : below[j]!);
      }
      const root = levels[levels.length - 1]![0]!;
      const signature = sign(null, rootMessage(chunk.length, root), this.key).toString('base64url');
      for (let index = 0; index < chunk.length; index++) {
        const path: Buffer[] = [];
        for (let level = 0, i = index; level < levels.length - 1; level++, i >>= 1) {
          const sibling = i % 2 === 1 ? i - 1 : i + 1;
          if (sibling < levels[level]!.length) path.push(levels[level]![sibling]!);
        }
        const proof = Buffer.concat(path).toString('base64url');
        signatures.push(`${CHUNK_SCHEME}:${this.keyId}:${signature}:${index}:${chunk.length}:${proof}`);
      }
    }
    return signatures;
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
  /**
   * The last VERIFIED_CHUNKS chunk signatures that verified (ADR 0035), by key id, leaf count and signature (each in
   * its one canonical spelling), with the root they verified for: a record's path must still lead to that root, or
   * meet a node already shown to be in its tree. A chunk costs one Ed25519 verification and about a hash per record.
   */
  private readonly chunks = new Map<string, VerifiedChunk>();

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
    const parts = header.split(':');
    if (parts[0] === CHUNK_SCHEME) return this.checkChunk(record, record.value, parts);
    const [scheme, keyId, signature, ...more] = parts;
    const raw = signature === undefined ? undefined : canonicalBytes(signature, 64);
    if (scheme !== SCHEME || keyId === undefined || !raw || more.length > 0) {
      return `the event's signature is not ${SCHEME}:<key id>:<base64url> or ${CHUNK_SCHEME}:…`;
    }
    const key = this.keys.get(keyId);
    if (!key) return `the event is signed with key ${keyId}, which is not an event verification key`;
    if (!verify(null, signedBytes(record.topic, record.partition, record.key, record.value), key, raw)) return this.unverified(record);
    return this.importRule(keyId, record.value);
  }

  private unverified(record: EventRecordRef): string {
    return `the event's signature does not verify for ${record.topic}/${record.partition} key ${String(record.key)}`;
  }

  /** An importer's key vouches for IncidentImported events alone, whichever way it signed (ADR 0030). */
  private importRule(keyId: string, value: Buffer): string | undefined {
    if (this.importKeys.has(keyId) && importedTypeOf(value) !== IMPORTED_EVENT_TYPE) {
      return `the event is signed with the importer's key ${keyId}, which signs ${IMPORTED_EVENT_TYPE} events only`;
    }
    return undefined;
  }

  /**
   * `ed25519m:<key id>:<signature>:<leaf index>:<leaf count>:<path>` (ADR 0035): every part in its one canonical
   * spelling, the path exactly the sibling hashes the tree's shape gives that leaf. The record's leaf is climbed with
   * the path to the root, whose signature is verified once per chunk; a climb stops early at a node of a tree already
   * verified, the same position holding the same hash.
   */
  private checkChunk(record: EventRecordRef, value: Buffer, parts: readonly string[]): string | undefined {
    const malformed = `the event's signature is not ${CHUNK_SCHEME}:<key id>:<base64url>:<leaf index>:<leaf count>:<base64url path>`;
    const [, keyId, signature, indexText, countText, pathText, ...more] = parts;
    if (keyId === undefined || signature === undefined || pathText === undefined || more.length > 0) return malformed;
    if (!DECIMAL.test(indexText!) || !DECIMAL.test(countText!)) return malformed;
    const raw = canonicalBytes(signature, 64);
    const index = Number(indexText);
    const count = Number(countText);
    if (!raw || count < 1 || count > MAX_CHUNK_LEAVES || index >= count) return malformed;
    const sizes = levelSizes(count);
    const siblings = pathLength(index, sizes);
    const path = siblings === 0 ? (pathText === '' ? Buffer.alloc(0) : undefined) : canonicalBytes(pathText, siblings * HASH_BYTES);
    if (!path) return malformed;
    const key = this.keys.get(keyId);
    if (!key) return `the event is signed with key ${keyId}, which is not an event verification key`;

    const name = `${keyId}:${count}:${signature}`;
    let chunk = this.chunks.get(name);
    /**
     * The nodes met on the way up (level, index, the buffer holding the hash, where in it), siblings included (read in
     * the path where they stand): in the tree if the climb ends in it.
     */
    const met: [number, number, Buffer, number][] = [];
    let node = leafHash(record.topic, record.partition, record.key, value);
    let i = index;
    let p = 0;
    let known = false;
    for (let level = 0; level < sizes.length; level++, i >>= 1) {
      known ||= chunk !== undefined && isKnown(chunk, level, i, node);
      if (!known) met.push([level, i, node, 0]);
      if (i % 2 === 0 && i + 1 >= sizes[level]!) continue; // the last node of an odd level, promoted
      const sibling = p;
      p += HASH_BYTES;
      if (known) {
        // Above a node of the verified tree, the path must be that tree's: the verdict is the one a full climb gives.
        if (!isKnown(chunk!, level, i ^ 1, path, sibling)) return this.unverified(record);
        continue;
      }
      met.push([level, i ^ 1, path, sibling]);
      node = i % 2 === 1 ? nodeHash(path, node, sibling) : nodeHash(node, path, 0, sibling);
    }
    if (!known && !(chunk && chunk.root.equals(node))) {
      if (!verify(null, rootMessage(count, node), key, raw)) return this.unverified(record);
      chunk = verifiedChunk(node, count);
      this.chunks.delete(name);
      this.chunks.set(name, chunk);
      if (this.chunks.size > VERIFIED_CHUNKS) this.chunks.delete(this.chunks.keys().next().value!);
    }
    for (const [level, index, source, at] of met) remember(chunk!, level, index, source, at);
    return this.importRule(keyId, value);
  }
}
