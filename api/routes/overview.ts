// The overview pages after the loop: the map and the assessment (考核评价), their API routes and the
// page libraries they load (Leaflet, markercluster, ECharts), registered as one plugin.
import type { FastifyInstance } from 'fastify';
import { mapRoutes } from './map-layers.ts';
import { reportsRoutes } from './reports.ts';
import { vendorRoutes } from './vendor.ts';

export async function overviewRoutes(app: FastifyInstance): Promise<void> {
  await app.register(reportsRoutes);
  await app.register(mapRoutes);
  await app.register(vendorRoutes);
}
