// GeoJSON export of cases for GIS tools and the city platform, with the same filters as the list.
// Streamed page by page, so exporting every case does not hold them all in memory. Cases without
// a location are kept with a null geometry (valid GeoJSON), since they are still cases.
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { listCases } from '../case/query.ts';
import type { CaseRecord } from '../case/record.ts';
import { caseFilterQuery, ROLES, splitCommaLists, toFilter, type FilterQuery } from './schemas.ts';

export function toFeature(c: CaseRecord, codes: Map<string, Array<{ standard: string; code: string }>>): object {
  return {
    type: 'Feature',
    id: c.id,
    geometry: c.location ? { type: 'Point', coordinates: [c.location.lon, c.location.lat] } : null,
    properties: {
      id: c.id,
      type: c.type,
      typeName: c.typeName,
      standard: c.standard,
      code: c.code,
      otherCodes: (codes.get(c.type) ?? []).filter((x) => !(x.standard === c.standard && x.code === c.code)),
      status: c.status,
      source: c.source.id,
      sourceKind: c.source.kind,
      sourceName: c.source.name,
      zoneId: c.zoneId,
      accuracyM: c.location?.accuracyM ?? null,
      firstSeen: c.firstSeen,
      lastSeen: c.lastSeen,
      score: c.score,
      plate: c.plate,
      observationCount: c.observationCount,
      unit: c.unit,
      dueAt: c.dueAt,
      overdue: c.overdue,
    },
  };
}

export async function exportRoutes(app: FastifyInstance): Promise<void> {
  app.get<{ Querystring: FilterQuery & { limit?: number } }>(
    '/v1/export/cases.geojson',
    {
      config: { roles: ROLES.readCases },
      preValidation: async (request) => splitCommaLists(request.query as Record<string, unknown>, ['status', 'type']),
      schema: {
        tags: ['export'],
        summary: 'Cases as a GeoJSON FeatureCollection (Point per case; (standard, code) on every feature)',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { ...caseFilterQuery, limit: { type: 'integer', minimum: 1, maximum: 1_000_000, default: 100_000 } },
        },
      },
    },
    async (request, reply) => {
      const filter = toFilter(request.query);
      const max = request.query.limit ?? 100_000;
      const now = app.clock();
      const codeRows = await app.db.query<{ type: string; standard: string; code: string }>('SELECT type, standard, code FROM type_codes ORDER BY type, is_primary DESC');
      const codes = new Map<string, Array<{ standard: string; code: string }>>();
      for (const r of codeRows) codes.set(r.type, [...(codes.get(r.type) ?? []), { standard: r.standard, code: r.code }]);
      const db = app.db;
      async function* features(): AsyncGenerator<string> {
        yield '{"type":"FeatureCollection","features":[';
        let cursor: string | undefined;
        let n = 0;
        do {
          const page = await listCases(db, { ...filter, sort: 'newest', limit: Math.min(500, max - n), cursor }, now);
          for (const c of page.items) yield (n++ === 0 ? '' : ',') + JSON.stringify(toFeature(c, codes));
          cursor = page.nextCursor ?? undefined;
        } while (cursor && n < max);
        yield ']}';
      }
      return reply
        .header('content-type', 'application/geo+json; charset=utf-8')
        .header('content-disposition', 'attachment; filename="cases.geojson"')
        .send(Readable.from(features()));
    },
  );
}
