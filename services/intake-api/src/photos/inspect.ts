/**
 * What an uploaded photo is, judged from its bytes alone (never its name or the Content-Type the client sent), and
 * the bytes that are stored: metadata blocks that may hold a place (EXIF, with its GPS tags; XMP) taken out of every
 * photo (ADR 0021). Pure: no I/O.
 */
import type { PhotoContentType } from '@gridgov/contracts';

export type Judgement =
  | { readonly ok: true; readonly contentType: PhotoContentType; readonly bytes: Buffer; readonly strippedBlocks: number }
  | { readonly ok: false; readonly reason: string };

const refuse = (reason: string): Judgement => ({ ok: false, reason });

/** The photo's type by its magic bytes and a walk over its structure, and its bytes without location metadata. */
export function judgePhoto(bytes: Buffer): Judgement {
  if (bytes.length === 0) return refuse('the body is empty');
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return jpeg(bytes);
  if (bytes.length >= 8 && bytes.subarray(0, 8).equals(PNG_SIGNATURE)) return png(bytes);
  if (bytes.length >= 12 && bytes.toString('latin1', 0, 4) === 'RIFF' && bytes.toString('latin1', 8, 12) === 'WEBP') return webp(bytes);
  return refuse('not a JPEG, PNG or WebP image (judged by its first bytes)');
}

/**
 * JPEG: SOI, then marker segments up to SOS, the entropy-coded scan (and any further scans), and EOI as the last
 * two bytes. APP1 segments (EXIF and XMP: GPS lives there) are dropped.
 */
function jpeg(b: Buffer): Judgement {
  const kept: Buffer[] = [b.subarray(0, 2)];
  let stripped = 0;
  let i = 2;
  let sawFrame = false;
  for (;;) {
    if (i + 4 > b.length) return refuse('a truncated JPEG (its segments end before the image data)');
    if (b[i] !== 0xff) return refuse(`a malformed JPEG (no marker at byte ${i})`);
    const marker = b[i + 1]!;
    if (marker === 0xff) {
      i += 1; // fill byte
      continue;
    }
    if (marker === 0xd9) return refuse('a JPEG with no image data');
    const length = b.readUInt16BE(i + 2);
    if (length < 2 || i + 2 + length > b.length) return refuse('a truncated JPEG (a segment runs past the end)');
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) sawFrame = true;
    if (marker === 0xe1) stripped += 1;
    else kept.push(b.subarray(i, i + 2 + length));
    i += 2 + length;
    if (marker === 0xda) break; // start of scan: entropy-coded data follows
  }
  if (!sawFrame) return refuse('a JPEG with no frame header');
  if (b.length - i < 2 || b[b.length - 2] !== 0xff || b[b.length - 1] !== 0xd9) {
    return refuse('a truncated JPEG (it does not end with the EOI marker)');
  }
  kept.push(b.subarray(i));
  return { ok: true, contentType: 'image/jpeg', bytes: stripped > 0 ? Buffer.concat(kept) : b, strippedBlocks: stripped };
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** PNG chunks that may carry a place: EXIF and textual metadata (XMP travels in iTXt). */
const PNG_METADATA = new Set(['eXIf', 'tEXt', 'zTXt', 'iTXt']);

/** PNG: the signature, IHDR first, chunks whose lengths add up, and IEND as the last chunk. */
function png(b: Buffer): Judgement {
  const kept: Buffer[] = [b.subarray(0, 8)];
  let stripped = 0;
  let i = 8;
  let first = true;
  for (;;) {
    if (i + 12 > b.length) return refuse('a truncated PNG (it ends before its IEND chunk)');
    const length = b.readUInt32BE(i);
    const type = b.toString('latin1', i + 4, i + 8);
    const end = i + 12 + length;
    if (end > b.length) return refuse('a truncated PNG (a chunk runs past the end)');
    if (first && type !== 'IHDR') return refuse('a malformed PNG (IHDR is not its first chunk)');
    first = false;
    if (PNG_METADATA.has(type)) stripped += 1;
    else kept.push(b.subarray(i, end));
    i = end;
    if (type === 'IEND') break;
  }
  if (i !== b.length) return refuse('a malformed PNG (bytes after IEND)');
  return { ok: true, contentType: 'image/png', bytes: stripped > 0 ? Buffer.concat(kept) : b, strippedBlocks: stripped };
}

/** WebP: a RIFF container whose size is the file's, chunks that fill it exactly; EXIF and XMP chunks dropped. */
function webp(b: Buffer): Judgement {
  if (b.readUInt32LE(4) + 8 !== b.length) return refuse('a truncated WebP (its RIFF size is not the length of the body)');
  const kept: Buffer[] = [];
  let stripped = 0;
  let i = 12;
  let image = false;
  while (i < b.length) {
    if (i + 8 > b.length) return refuse('a truncated WebP (a chunk header runs past the end)');
    const type = b.toString('latin1', i, i + 4);
    const size = b.readUInt32LE(i + 4);
    const end = i + 8 + size + (size % 2);
    if (end > b.length) return refuse('a truncated WebP (a chunk runs past the end)');
    if (type === 'VP8 ' || type === 'VP8L' || type === 'ANIM') image = true;
    if (type === 'EXIF' || type === 'XMP ') stripped += 1;
    else kept.push(b.subarray(i, end));
    i = end;
  }
  if (!image) return refuse('a WebP with no image data');
  if (stripped === 0) return { ok: true, contentType: 'image/webp', bytes: b, strippedBlocks: 0 };
  const body = Buffer.concat(kept);
  const header = Buffer.alloc(12);
  header.write('RIFF', 0, 'latin1');
  header.writeUInt32LE(body.length + 4, 4);
  header.write('WEBP', 8, 'latin1');
  const out = Buffer.concat([header, body]);
  // VP8X's flags name the metadata present: EXIF (bit 3) and XMP (bit 2) are no longer.
  if (out.toString('latin1', 12, 16) === 'VP8X') out[20] = out[20]! & ~0x0c;
  return { ok: true, contentType: 'image/webp', bytes: out, strippedBlocks: stripped };
}
