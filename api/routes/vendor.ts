// Browser builds of the page libraries, served from node_modules under /review/vendor/: only the
// files the pages load, named one by one, so nothing else in node_modules is reachable and no page
// needs a CDN (the Content-Security-Policy admits the API's own origin only).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { REPO_ROOT } from '../config.ts';

const MODULES = path.join(REPO_ROOT, 'node_modules');

/** URL under /review/vendor/ → file under node_modules. */
export const VENDOR_FILES: Record<string, string> = {
  'leaflet/leaflet.js': 'leaflet/dist/leaflet.js',
  'leaflet/leaflet.css': 'leaflet/dist/leaflet.css',
  'leaflet/images/layers.png': 'leaflet/dist/images/layers.png',
  'leaflet/images/layers-2x.png': 'leaflet/dist/images/layers-2x.png',
  'leaflet/images/marker-icon.png': 'leaflet/dist/images/marker-icon.png',
  'leaflet/images/marker-icon-2x.png': 'leaflet/dist/images/marker-icon-2x.png',
  'leaflet/images/marker-shadow.png': 'leaflet/dist/images/marker-shadow.png',
  'leaflet.markercluster/leaflet.markercluster.js': 'leaflet.markercluster/dist/leaflet.markercluster.js',
  'leaflet.markercluster/MarkerCluster.css': 'leaflet.markercluster/dist/MarkerCluster.css',
  'leaflet.markercluster/MarkerCluster.Default.css': 'leaflet.markercluster/dist/MarkerCluster.Default.css',
  'echarts/echarts.min.js': 'echarts/dist/echarts.min.js',
};

const TYPES: Record<string, string> = { '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.png': 'image/png' };

export async function vendorRoutes(app: FastifyInstance): Promise<void> {
  const cache = new Map<string, Buffer>();
  for (const [url, file] of Object.entries(VENDOR_FILES)) {
    app.get(`/review/vendor/${url}`, { config: { roles: 'public' }, schema: { hide: true } }, async (_request, reply) => {
      let bytes = cache.get(url);
      if (!bytes) {
        bytes = await readFile(path.join(MODULES, file));
        cache.set(url, bytes);
      }
      // Versioned by package.json; a day's caching spares a phone on a slow link the megabyte of echarts.
      return reply.type(TYPES[path.extname(file)]!).header('cache-control', 'public, max-age=86400').send(bytes);
    });
  }
}
