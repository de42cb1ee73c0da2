import { createHash, randomBytes } from 'node:crypto';
import { MAX_PHOTOS_PER_COMMAND, PhotoUploaded, type Actor, type CommandPhoto, type PhotoRef } from '@gridgov/contracts';
import { casePhotos, loggableActorId } from '@gridgov/domain';
import {
  ApiError,
  BAD_REQUEST,
  DependencyUnavailableError,
  errorAnswer,
  jsonAnswer,
  requestActor,
  type ZodTypeProvider,
} from '@gridgov/http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { PhotoOptions, RouteDeps } from '../deps.ts';
import { judgePhoto } from '../photos/inspect.ts';
import type { PhotoRecords } from '../photos/records.ts';
import { IncidentParams, StoreAway } from '../schemas.ts';
import { accessChecks, caseTarget } from './access.ts';

export const PHOTO_TYPES = ['image/jpeg', 'image/png', 'image/webp'] as const;
/** Who takes photos: grid staff (上报, 核查), handlers (处置后) and dispatchers. */
const UPLOADERS = new Set(['grid_staff', 'handler', 'dispatcher']);
/** How long a photo named by a command is kept under pending/ at most, waiting for the case to show the command. */
export const CLAIMED_TTL_S = 7 * 24 * 3600;

export const PhotoParams = IncidentParams.extend({ key: z.string().regex(/^[0-9a-f]{32}$/, 'a photo key') });

/** POST /v1/photos (upload) and GET /v1/incidents/:id/photos/:key (a case's photo, for those who may see it). */
export function registerPhotoRoutes(app: FastifyInstance, deps: RouteDeps, records: PhotoRecords, options: PhotoOptions): void {
  const { may, roleMayOrForbid } = accessChecks(deps.areas);
  // The body is the image itself, up to PHOTO_MAX_BYTES (a larger one: 413 before it is read whole). The parser is
  // this route's alone (a scope of its own): every other route still takes JSON only.
  void app.register((scope, _opts, registered) => {
    scope.addContentTypeParser([...PHOTO_TYPES], { parseAs: 'buffer', bodyLimit: options.maxBytes }, (_req, body, done) =>
      done(null, body),
    );
    scope.post('/v1/photos', { bodyLimit: options.maxBytes, schema: uploadSchema }, upload);
    registered();
  });

  const uploadSchema = {
    summary: 'Upload a photo (grid staff, handlers, dispatchers): the body is the image; name it in a command by key and sha256',
    description:
      'The body is the image itself, sent as image/jpeg, image/png or image/webp. ' +
      'The type is judged by the bytes (JPEG, PNG, WebP, each checked whole: a truncated file is refused), EXIF/XMP (GPS) are taken ' +
      'out, the SHA-256 is of the bytes stored. At most PHOTO_MAX_BYTES; at most PHOTO_MAX_PENDING photos per user not yet in a ' +
      'command; a photo no command names within PHOTO_PENDING_TTL_S is deleted (ADR 0021).',
    // The bytes are judged by judgePhoto, not by a schema: the document shows a binary body of each type.
    consumes: PHOTO_TYPES,
    response: {
      201: jsonAnswer(PhotoUploaded, 'Stored: name it in a command by key and sha256'),
      400: errorAnswer('Not a whole JPEG, PNG or WebP (PHOTO_REFUSED)'),
      413: errorAnswer('Larger than PHOTO_MAX_BYTES (BODY_TOO_LARGE)'),
      415: errorAnswer('Not sent as image/jpeg, image/png or image/webp (UNSUPPORTED_MEDIA_TYPE)'),
      429: errorAnswer('PHOTO_MAX_PENDING photos waiting for a command (TOO_MANY_PHOTOS), or rate limited (RATE_LIMITED); Retry-After'),
      503: errorAnswer('The photo store did not answer, or is not configured (PHOTO_STORE_UNAVAILABLE), or Redis did not; Retry-After'),
    },
  };

  const upload = async (request: FastifyRequest, reply: FastifyReply) => {
    const actor = requestActor(request);
    if (!UPLOADERS.has(actor.role)) throw new ApiError(403, 'FORBIDDEN_ROLE', `role ${actor.role} may not upload photos`);
    const store = options.store;
    if (!store) throw new DependencyUnavailableError('photos', 'photos are not configured on this service (S3_ENDPOINT)');
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const judged = judgePhoto(body);
    if (!judged.ok) {
      request.log.info({ bytes: body.length, declared: request.headers['content-type'], reason: judged.reason }, 'photo refused');
      throw new ApiError(400, 'PHOTO_REFUSED', `body: ${judged.reason}`);
    }
    // Random, so that nothing about the reporter or the case can be read from it or guessed.
    const key = randomBytes(16).toString('hex');
    const sha256 = createHash('sha256').update(judged.bytes).digest('hex');
    const now = Date.now();
    if (!(await records.reserve(actor.id, key, now, options.pendingTtlS * 1000, options.maxPending))) {
      throw new ApiError(
        429,
        'TOO_MANY_PHOTOS',
        `you have ${options.maxPending} photos uploaded and not yet in a report or a command`,
        undefined,
        { 'retry-after': '60' },
      );
    }
    // The object first, whole (one PUT with Content-MD5), then its record: a record always names a stored object.
    try {
      await store.put(key, judged.bytes, judged.contentType, sha256);
    } catch (err) {
      await records.release(actor.id, key).catch(() => undefined);
      throw err;
    }
    try {
      await records.save(
        key,
        {
          sha256,
          contentType: judged.contentType,
          bytes: judged.bytes.length,
          uploaderId: actor.id,
          uploadedAt: new Date(now).toISOString(),
        },
        options.pendingTtlS,
      );
    } catch (err) {
      await store.delete('pending', key).catch(() => undefined); // else the janitor finds it without a record
      await records.release(actor.id, key).catch(() => undefined);
      throw err;
    }
    request.log.info(
      {
        photoKey: key,
        contentType: judged.contentType,
        bytes: judged.bytes.length,
        metadataBlocksStripped: judged.strippedBlocks,
        actor: loggableActorId(actor, undefined, deps.catalog),
      },
      'photo stored',
    );
    return reply.status(201).send({ photo: { key, sha256, contentType: judged.contentType, bytes: judged.bytes.length } });
  };

  const photoSchema = {
    summary:
      "A photo of the case (its bytes), for whoever may read the case; a confidential lead's only for those who may see its reporter",
    params: PhotoParams,
    response: {
      200: {
        description: 'The image, in the type the intake judged it',
        content: Object.fromEntries(PHOTO_TYPES.map((type) => [type, { schema: z.string().meta({ format: 'binary' }) }])),
      },
      400: BAD_REQUEST,
      404: errorAnswer('No such incident, no such photo of it, or not for the caller (UNKNOWN_INCIDENT)'),
      503: StoreAway,
    },
  };
  app.withTypeProvider<ZodTypeProvider>().get('/v1/incidents/:id/photos/:key', { schema: photoSchema }, async (request, reply) => {
    const actor = requestActor(request);
    const { id, key } = request.params;
    roleMayOrForbid(actor, 'ReadIncident');
    await deps.readSide.assertWhole();
    const unknown = new ApiError(404, 'UNKNOWN_INCIDENT', `params: no photo ${key} of incident ${id} for you`);
    const [view, lines] = await Promise.all([deps.reader.view(id), deps.reader.history(id)]);
    if (!view) throw unknown;
    try {
      may(actor, 'ReadIncident', caseTarget(view));
    } catch (err) {
      // Whether the case or the photo exists is not told to whoever may not read it.
      if (err instanceof ApiError && err.statusCode === 403) throw unknown;
      throw err;
    }
    const photo = casePhotos(lines, view, { actor, areas: deps.areas, catalog: deps.catalog }).find((p) => p.key === key);
    if (!photo || !options.store) throw unknown;
    const object = await options.store.get(key);
    if (!object) {
      request.log.warn({ incidentId: id, photoKey: key }, 'photo named by an accepted event is missing from the store');
      throw unknown;
    }
    return (
      reply
        .header('content-type', photo.contentType)
        .header('cache-control', 'private, max-age=3600')
        .header('x-content-type-options', 'nosniff')
        // The bytes as they are (the document's binary string): Fastify sends a Buffer without serialising it.
        .send(Buffer.from(object.bytes) as unknown as string)
    );
  });
}

const nothingToClaim = (): Promise<void> => Promise.resolve();

/**
 * The photos a command names, checked against what was uploaded: each by its caller, with that SHA-256, not yet
 * part of another case; answered with the type the intake judged (a client's own is replaced). 400 UNKNOWN_PHOTO
 * otherwise, and nothing is sent.
 */
export async function checkedPhotos(
  records: PhotoRecords,
  actor: Actor,
  incidentId: string,
  photos: readonly CommandPhoto[] | undefined,
): Promise<{ photos: PhotoRef[]; claim: () => Promise<void> }> {
  if (!photos || photos.length === 0) return { photos: [], claim: nothingToClaim };
  if (photos.length > MAX_PHOTOS_PER_COMMAND) throw new ApiError(400, 'UNKNOWN_PHOTO', `body.photos: at most ${MAX_PHOTOS_PER_COMMAND}`);
  const found = await Promise.all(photos.map(async (p) => ({ p, record: await records.get(p.key) })));
  for (const [i, { p, record }] of found.entries()) {
    if (!record || record.uploaderId !== actor.id || (record.incidentId !== undefined && record.incidentId !== incidentId)) {
      throw new ApiError(400, 'UNKNOWN_PHOTO', `body.photos.${i}: no photo ${p.key} uploaded by you and waiting for a command`);
    }
    if (record.sha256 !== p.sha256) throw new ApiError(400, 'UNKNOWN_PHOTO', `body.photos.${i}: photo ${p.key} has another SHA-256`);
  }
  return {
    photos: found.map(({ p, record }) => ({ key: p.key, sha256: p.sha256, contentType: record!.contentType })),
    claim: async () => {
      await Promise.all(found.map(({ p, record }) => records.claim(p.key, record!, incidentId, CLAIMED_TTL_S)));
    },
  };
}
