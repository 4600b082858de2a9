// The map's data and page. GET /v1/map/layers: the tile server (if the city configured one) and the
// vector layers besides cases: cameras and their calibrated ground, drone survey areas, image
// footprints, candidates and zone layers. Cases come from the GeoJSON export (/v1/export/cases.geojson)
// with its filters. GET /review/map.html: the page, with img-src widened to the tile server only.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { listCameras } from '../camera/store.ts';
import { cameraLayer } from '../map/camera-layer.ts';
import { collection, type Feature } from '../map/geojson.ts';
import { imageFeatures, surveyAreaFeatures, zoneFeatures } from '../map/survey-layer.ts';
import { tileOrigins, tileSettings } from '../map/tiles.ts';
import { listSurveys } from '../survey/store.ts';
import type { SurveyImageResult } from '../../contracts/survey.ts';
import { WEB_DIR } from './reviewer-page.ts';
import { ROLES } from './schemas.ts';

/** Surveys drawn, newest first: a city's recent flights, not its whole archive. */
const MAX_SURVEYS = 200;

/** The policy helmet set for the page, with the given origins added to img-src. */
export function withImageOrigins(policy: string, origins: string[]): string {
  if (origins.length === 0) return policy;
  const directives = policy.split(';').map((d) => d.trim()).filter(Boolean);
  const i = directives.findIndex((d) => d.split(/\s+/)[0] === 'img-src');
  if (i === -1) directives.push(`img-src 'self' ${origins.join(' ')}`);
  else directives[i] = `${directives[i]} ${origins.join(' ')}`;
  return directives.join(';');
}

export async function mapRoutes(app: FastifyInstance): Promise<void> {
  const tiles = tileSettings(app.apiConfig.map);
  // Leaflet cancels a tile it no longer needs by pointing it at a built-in 1x1 data: GIF (a constant
  // in its closure, not configurable); without data: every zoom would log a policy violation.
  const origins = tiles ? [...tileOrigins(tiles), 'data:'] : [];

  app.get(
    '/v1/map/layers',
    { config: { roles: ROLES.readCases }, schema: { tags: ['map'], summary: 'Map layers besides cases: tile server, cameras, survey areas, footprints, candidates, zone layers (GeoJSON)' } },
    async () => {
      const [cameras, surveys] = await Promise.all([listCameras(app.db), listSurveys(app.db, MAX_SURVEYS)]);
      const ids = surveys.map((s) => Number(s.id));
      const images = ids.length
        ? await app.db.query<{ survey_id: number; sha256: string; file_name: string; width: number; height: number; result: SurveyImageResult }>(
            `SELECT survey_id, sha256, file_name, width, height, result FROM survey_images
             WHERE survey_id = ANY($1::bigint[]) AND status = 'done' AND result IS NOT NULL ORDER BY survey_id, uploaded_at`,
            [ids],
          )
        : [];
      const surveyFeatures: Feature[] = surveys.flatMap(surveyAreaFeatures);
      for (const i of images) surveyFeatures.push(...imageFeatures(String(i.survey_id), { sha256: i.sha256, fileName: i.file_name, width: i.width, height: i.height, result: i.result }));
      return {
        tiles,
        cameras: cameraLayer(cameras),
        surveys: collection(surveyFeatures),
        zones: collection(surveys.flatMap(zoneFeatures)),
        surveyNames: Object.fromEntries(surveys.map((s) => [s.id, s.name])),
      };
    },
  );

  const page = path.join(WEB_DIR, 'map.html');
  app.get('/review/map.html', { config: { roles: 'public' }, schema: { hide: true } }, async (_request, reply) => {
    const policy = reply.raw.getHeader('content-security-policy');
    if (typeof policy === 'string') reply.header('content-security-policy', withImageOrigins(policy, origins));
    return reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(await readFile(page));
  });
}
