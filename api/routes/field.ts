// Field teams (处置): a field key sees its unit's dispatched cases and reports one handled with
// after-photos and a note. Photos come one per request as the raw image body (retried alone on a
// bad connection; the same photo twice is one photo), then the handle move names them. Dispatchers
// and admins may use the same routes for a unit they name (?unit=).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CaseRefusal } from '../case/refusal.ts';
import { DEFAULT_AFTER_PHOTO_LIMITS, storeAfterPhoto, tooLarge, type AfterPhotoLimits } from '../case/after-photos.ts';
import { fieldCases } from '../case/field-cases.ts';
import { handleCase } from '../case/handle.ts';
import { getCase } from '../case/query.ts';
import { assertCaseInScope } from '../case/scope.ts';
import { assertUnitExists } from '../case/units.ts';
import type { Actor } from '../case/actor.ts';
import { caseIdParams, errorSchema, moveResultSchema, ROLES } from './schemas.ts';

const PHOTO_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'application/octet-stream'];

/** Holds the raw photo without exposing its bytes as enumerable keys (the input guard walks bodies). */
class PhotoBody {
  readonly #bytes: Buffer;
  constructor(bytes: Buffer) {
    this.#bytes = bytes;
  }
  get bytes(): Buffer {
    return this.#bytes;
  }
}

async function unitOf(app: FastifyInstance, actor: Actor, asked: string | undefined): Promise<string> {
  if (actor.role === 'field') {
    if (asked !== undefined && asked !== actor.unit) throw new CaseRefusal(403, 'not_your_unit', `this key is bound to unit ${actor.unit}; it cannot read unit ${asked}`);
    return actor.unit!;
  }
  if (!asked) throw new CaseRefusal(400, 'bad_request', 'querystring.unit is required for a key not bound to a unit');
  await assertUnitExists(app.db, asked);
  return asked;
}

export async function fieldRoutes(app: FastifyInstance, opts: { photoLimits?: Partial<AfterPhotoLimits> } = {}): Promise<void> {
  const limits: AfterPhotoLimits = { ...DEFAULT_AFTER_PHOTO_LIMITS, ...opts.photoLimits };
  const sign = (sha: string, now: Date) => `/v1/evidence/${sha}?${app.signer.sign(sha, now)}`;

  app.addContentTypeParser(PHOTO_TYPES, { parseAs: 'buffer', bodyLimit: limits.maxBytes }, (_request, body, done) => done(null, new PhotoBody(body as Buffer)));

  app.get<{ Querystring: { unit?: string } }>(
    '/v1/field/me',
    { config: { roles: ROLES.field }, schema: { tags: ['field'], summary: 'The unit this key acts for', querystring: { type: 'object', additionalProperties: false, properties: { unit: { type: 'string', maxLength: 200 } } } } },
    async (request) => {
      const unit = await unitOf(app, request.actor!, request.query.unit);
      const [row] = await app.db.query<{ name: string }>('SELECT name FROM units WHERE id = $1', [unit]);
      return { actor: request.actor!.name, role: request.actor!.role, unit: { id: unit, name: row?.name ?? unit } };
    },
  );

  app.get<{ Querystring: { unit?: string; lat?: number; lon?: number } }>(
    '/v1/field/cases',
    {
      config: { roles: ROLES.field },
      schema: {
        tags: ['field'],
        summary: "The unit's dispatched cases: nearest first when lat/lon are given, else soonest due first",
        querystring: {
          type: 'object',
          additionalProperties: false,
          dependencies: { lat: ['lon'], lon: ['lat'] },
          properties: { unit: { type: 'string', maxLength: 200 }, lat: { type: 'number', minimum: -90, maximum: 90 }, lon: { type: 'number', minimum: -180, maximum: 180 } },
        },
      },
    },
    async (request) => {
      const unit = await unitOf(app, request.actor!, request.query.unit);
      const now = app.clock();
      const { lat, lon } = request.query;
      const items = await fieldCases(app.db, unit, now, lat !== undefined && lon !== undefined ? { lat, lon } : undefined);
      return { unit, items: items.map(({ thumbSha256, ...c }) => ({ ...c, thumbUrl: thumbSha256 ? sign(thumbSha256, now) : null })) };
    },
  );

  app.get<{ Params: { id: number } }>(
    '/v1/field/cases/:id',
    { config: { roles: ROLES.field }, schema: { tags: ['field'], summary: 'One case of the unit: evidence, after-photos, notes', params: caseIdParams, response: { 403: errorSchema, 404: errorSchema } } },
    async (request, reply) => {
      const now = app.clock();
      const d = await getCase(app.db, request.params.id, now);
      if (!d) return reply.code(404).send({ error: 'not_found', message: `case ${request.params.id} does not exist` });
      assertCaseInScope(request.actor!, d.id, d.unit);
      const notes = d.audit.filter((a) => a.note && ['dispatch', 'still_there', 'handle', 'verify'].includes(a.action));
      return {
        ...d,
        observations: undefined,
        evidence: d.evidence.filter((e) => e.kind !== 'clean_frame').map((e) => ({ ...e, url: sign(e.sha256, now) })),
        followUp: d.followUp.map((e) => ({ ...e, url: sign(e.sha256, now) })),
        audit: undefined,
        notes: notes.map((a) => ({ at: a.at, actor: a.actor, action: a.action, text: a.note })),
      };
    },
  );

  app.post<{ Params: { id: number }; Body: PhotoBody }>(
    '/v1/cases/:id/after-photos',
    {
      config: { roles: ROLES.field },
      bodyLimit: limits.maxBytes,
      errorHandler: (error: Error & { statusCode?: number; code?: string }, request: FastifyRequest, reply: FastifyReply) => {
        // fastify's own words for a body over the limit do not say what the limit is.
        if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
          const refusal = tooLarge(limits.maxBytes);
          return reply.code(413).send({ error: refusal.code, message: refusal.message });
        }
        if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
          return reply.code(415).send({ error: 'not_an_image', message: `send the after-photo as the request body with Content-Type image/jpeg, image/png or image/webp (got ${request.headers['content-type'] ?? 'none'})` });
        }
        throw error;
      },
      schema: {
        tags: ['field'],
        summary: 'Upload one after-photo (the raw JPEG, PNG or WebP bytes); the same photo twice is stored once (200, duplicate: true)',
        consumes: ['image/jpeg', 'image/png', 'image/webp'],
        params: caseIdParams,
        response: { 400: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema, 413: errorSchema, 415: errorSchema, 422: errorSchema },
      },
    },
    async (request, reply) => {
      if (!(request.body instanceof PhotoBody)) {
        throw new CaseRefusal(415, 'not_an_image', 'send the after-photo as the request body with Content-Type image/jpeg, image/png or image/webp');
      }
      const photo = await storeAfterPhoto(app.db, app.objects, request.params.id, request.body.bytes, request.actor!, app.clock(), limits);
      request.log.info({ caseId: request.params.id, sha256: photo.sha256, duplicate: photo.duplicate, actor: request.actor!.name }, 'after-photo stored');
      return reply.code(photo.duplicate ? 200 : 201).send({ ...photo, url: sign(photo.sha256, app.clock()) });
    },
  );

  app.post<{ Params: { id: number }; Body: { note: string; photos: string[] } }>(
    '/v1/cases/:id/handle',
    {
      config: { roles: ROLES.field },
      schema: {
        tags: ['field'],
        summary: 'The unit reports the case handled (处置): a note and at least one uploaded after-photo, recorded with the move in one transaction',
        params: caseIdParams,
        body: {
          type: 'object',
          required: ['note', 'photos'],
          additionalProperties: false,
          properties: {
            note: { type: 'string', minLength: 1, maxLength: 2000 },
            photos: { type: 'array', minItems: 1, maxItems: 20, items: { type: 'string', pattern: '^[0-9a-f]{64}$' } },
          },
        },
        response: { 200: moveResultSchema, 400: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema, 422: errorSchema },
      },
    },
    async (request) => {
      const result = await handleCase(app.db, request.params.id, request.body, request.actor!, app.clock());
      app.metrics.moves.inc({ move: 'handle' });
      request.log.info({ caseId: result.caseId, move: 'handle', photos: request.body.photos.length, actor: request.actor!.name }, 'case moved');
      return result;
    },
  );
}
