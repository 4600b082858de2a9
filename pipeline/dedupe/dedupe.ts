// Which case a violation belongs to: the dedupe key the API creates or merges cases by. Shared by
// every worker through Redis (scripts.ts holds the atomic part). A retried report of the same
// sighting matches itself, so it gets the same key again.
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Violation } from '../../contracts/types.ts';
import { observationIdFor } from '../cases/observation.ts';
import { CAMERA_SCRIPT, GEO_SCRIPT, PLATE_SCRIPT, RENAME_SCRIPT } from './scripts.ts';
import { DEFAULT_DEDUPE, type DedupeSettings } from './settings.ts';

export interface Dedupe {
  /** The dedupe key of the violation this sighting is part of (a new one for a new violation). */
  keyFor(v: Violation): Promise<string>;
}

export interface DedupeOptions {
  settings?: Partial<DedupeSettings>;
  /** Prefix of the Redis keys, so deployments (or tests) can share one Redis. */
  prefix?: string;
}

type ScriptRedis = Redis & {
  dedupeCamera(key: string, ...args: (string | number)[]): Promise<string>;
  dedupeGeo(key1: string, key2: string, key3: string, key4: string, ...args: (string | number)[]): Promise<string>;
  dedupeRename(key: string, from: string, to: string): Promise<number>;
  dedupePlate(key: string, plateKey: string, id: string, windowMs: number): Promise<string>;
};

/** A plate that was read (not "unreadable"), as dedupe uses it. */
export function readPlateOf(v: Violation): string | undefined {
  const plate = v.attributes?.plate;
  return typeof plate === 'string' && plate !== '' && plate !== 'unreadable' ? plate : undefined;
}

/**
 * The picture a sighting comes from: a survey image (attributes.image, its sha256) or a camera.
 * Two different objects in one picture are never one violation.
 */
export function sightingScope(v: Violation): string {
  const image = v.attributes?.image;
  if (typeof image === 'string' && image) return `${v.sourceId}/${image}`;
  // A geolocated sighting that names no picture excludes nothing.
  return isGeolocated(v) ? '' : v.sourceId;
}

/** A sighting with only a position (a survey's). Camera sightings, which name a zone and a track, join the map in keyFor. */
function isGeolocated(v: Violation): boolean {
  return v.location !== undefined && v.zoneId === undefined && v.trackId === undefined;
}

export function createDedupe(redis: Redis, options: DedupeOptions = {}): Dedupe {
  const settings: DedupeSettings = { ...DEFAULT_DEDUPE, ...options.settings };
  const prefix = options.prefix ?? 'dedupe';
  const r = redis as ScriptRedis;
  // defineCommand sends EVALSHA and falls back to EVAL after a Redis restart emptied the script cache.
  if (typeof r.dedupeCamera !== 'function') redis.defineCommand('dedupeCamera', { numberOfKeys: 1, lua: CAMERA_SCRIPT });
  // Named with a version: a connection that defined the older two-key script keeps it under the old name.
  if (typeof r.dedupeGeo !== 'function') redis.defineCommand('dedupeGeo', { numberOfKeys: 4, lua: GEO_SCRIPT });
  if (typeof r.dedupeRename !== 'function') redis.defineCommand('dedupeRename', { numberOfKeys: 1, lua: RENAME_SCRIPT });
  if (typeof r.dedupePlate !== 'function') redis.defineCommand('dedupePlate', { numberOfKeys: 2, lua: PLATE_SCRIPT });
  const geo = (v: Violation, location: NonNullable<Violation['location']>, radiusM: number, windowMs: number, candidate: string): Promise<string> => {
    const tag = `{${prefix}:geo:${v.type}}`;
    return r.dedupeGeo(`${tag}:pos`, `${tag}:seen`, `${tag}:scopes`, `${tag}:sighting:${observationIdFor(v)}@${location.lon.toFixed(7)},${location.lat.toFixed(7)}`, location.lon, location.lat, radiusM, v.observedAt.getTime(), windowMs, candidate, sightingScope(v));
  };

  return {
    async keyFor(v: Violation): Promise<string> {
      const rule = settings[v.type];
      const t = v.observedAt.getTime();
      const windowMs = rule.windowSeconds * 1000;
      const candidate = randomUUID();
      let id: string;
      if (v.location && isGeolocated(v)) {
        id = await geo(v, v.location, rule.radiusM, windowMs, candidate);
      } else {
        const key = `{${prefix}:cam:${v.sourceId}}:${v.zoneId ?? '-'}:${v.type}`;
        const [x1, y1, x2, y2] = v.box;
        id = await r.dedupeCamera(key, x1, y1, x2, y2, t, windowMs, rule.minIou, candidate);
        // The same plate in the same place is the same case.
        const plate = readPlateOf(v);
        if (plate) id = await r.dedupePlate(key, `${key}:plate:${plate}`, id, windowMs);
        // A camera that knows where on the ground its sighting is (to within the type's radius) joins
        // the map, so the car a drone saw there is the same case. Where the camera stands is not where
        // the car is, however small its accuracy figure compared with the radius (muck trucks: 50 m).
        // Two steps on two hash tags (Redis Cluster); a camera's sightings come from one worker.
        if (v.location && v.placedOnGround === true && v.location.accuracyM <= rule.radiusM) {
          const joined = await geo(v, v.location, rule.radiusM, windowMs, id);
          if (joined !== id) await r.dedupeRename(key, id, joined);
          id = joined;
        }
      }
      return `${v.type}:${id}`;
    },
  };
}
