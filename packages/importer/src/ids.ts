import { createHash } from 'node:crypto';

/** The namespace of imported cases' ids (a UUIDv4 chosen once for this purpose; never change it). */
export const IMPORT_NAMESPACE = '8b5d3f0e-6c4a-4e57-9a1f-2f4d7c9e0b13';

const bytesOf = (uuid: string) => Buffer.from(uuid.replaceAll('-', ''), 'hex');

/** RFC 9562 UUIDv5 (SHA-1) of `name` in `namespace`. */
export function uuidV5(namespace: string, name: string): string {
  const hash = createHash('sha1').update(bytesOf(namespace)).update(name, 'utf8').digest().subarray(0, 16);
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** An imported case's id: the same source and legacy case id give the same id, so importing again changes nothing. */
export function caseIdOf(source: string, legacyId: string): string {
  return uuidV5(IMPORT_NAMESPACE, `${source}\u0000${legacyId}`);
}
