// A camera as the operator configures it: where its stream is, how hard to analyse it, and the
// zones drawn on its picture with the rules that apply in each. The API stores these (cameras and
// zones CRUD) and the camera workers read them; both validate with parseCameraConfig.
import { fitGroundPlane, GroundCalibrationError, MAX_GROUND_POINTS, MIN_GROUND_POINTS } from '../pipeline/cameras/ground-plane.ts';
import { checkRing, describeValue as describe, type RingRules } from './polygon.ts';
import { isTimeZone } from './time-zone.ts';
import type { ViolationType } from './types.ts';

/**
 * `watch`: a spot watched for what is left there (beside bins, a corner where rubbish is dumped);
 * the left-behind watch runs on it always (pipeline/background/), and its crop may be classified by
 * a zone-state classifier.
 */
export type ZoneKind = 'no_parking' | 'sidewalk' | 'roadway' | 'watch' | 'other';

/** A daily window when a zone's rules apply, e.g. 07:00-20:00 as on a 禁停 sign, in the camera's time zone. */
export interface ZoneSchedule {
  /** "HH:MM", 24-hour. A window whose end is before its start runs past midnight. */
  start: string;
  end: string;
  /** ISO weekdays 1 (Monday) to 7 (Sunday); every day when absent. */
  days?: number[];
}

/** Per violation type knobs; everything has a documented default in the rule's own file. */
export interface RuleSettings {
  enabled?: boolean;
  /** Seconds an object must stay before it is a violation (illegal_parking default 300, street_vending 120). */
  dwellSeconds?: number;
  /** Seconds before a warning is raised (illegal_parking), below dwellSeconds. */
  warnAfterSeconds?: number;
  /** Detector labels that count for this rule (e.g. vehicles for parking). */
  labels?: string[];
}

export interface ParkingRuleSettings extends RuleSettings {
  /**
   * How alike (0-1, cosine of appearance embeddings) the vehicle must look on the confirming frame
   * to the frame it was first seen still on, to be "the same vehicle" (default 0.75, see pipeline/track/appearance.ts).
   */
  sameVehicleSimilarity?: number;
}

/** Settings per type; `sameVehicleSimilarity` is accepted for illegal_parking only (parseCameraConfig). */
export type RuleSettingsByType = Partial<Record<ViolationType, ParkingRuleSettings>>;

export interface Zone {
  id: string;
  name?: string;
  kind: ZoneKind;
  /** Polygon in normalised image coordinates: [x, y] with 0..1 across width and height; at least 3 points. */
  polygon: Array<[number, number]>;
  /** When absent, always active. */
  schedule?: ZoneSchedule[];
  /** Overrides of the camera-level rule settings for this zone. */
  rules?: RuleSettingsByType;
  /**
   * Left-behind watch (sidewalk, roadway and watch zones): seconds something new must stay before
   * it is an exposed_garbage candidate. Setting it turns the watch on in a sidewalk or roadway zone;
   * a watch zone has it always (default LEFT_BEHIND_DEFAULTS.persistSeconds).
   */
  persistSeconds?: number;
  /** Left-behind watch: smallest new thing that counts, as a fraction of the frame area. */
  minAreaRatio?: number;
  /**
   * Watch zones: a zone-state classifier of the manifest run on the zone's crop: its id, or its
   * attribute (`zoneState`: the live version, following promotions; pipeline/background/zone-classifiers.ts).
   */
  classifier?: string;
  /** Watch zones: seconds between two classifications of the zone's crop (default 30). */
  classifyEverySeconds?: number;
}

/** A mark on the road an operator measured: where it is in the picture and on the map. */
export interface GroundCalibrationPoint {
  /** [x, y] in pixels of the analysed frame (analysis.width wide), as boxes are; 0,0 top-left. */
  pixel: [number, number];
  lat: number;
  lon: number;
}

/** How the camera's picture lies on the road (pipeline/cameras/ground-plane.ts says how to pick the points). */
export interface GroundCalibration {
  /** At least 4 marks on the road surface, no three on one line. */
  points: GroundCalibrationPoint[];
}

export interface CameraAnalysis {
  /** Frames analysed per second (default 1). */
  fps?: number;
  /** Frame width the stream is scaled to inside ffmpeg (default 1280; height keeps the aspect). */
  width?: number;
  /** Decode keyframes only: much cheaper at low analysis rates (see bench:streams). */
  keyframesOnly?: boolean;
  /**
   * full (default): frames analysis.width wide, aspect kept. model: ffmpeg delivers frames already
   * at the detector's input size (stretched), so a detection costs little more than the model run;
   * boxes, evidence and crops are then in those pixels. Refused where full-resolution pixels are
   * needed: no_parking zones (plates are read from the parked car's crop) and ground calibration
   * (its marks are pixels of the full frame). Continuous mode only.
   */
  frameSize?: 'full' | 'model';
  /** A full detector pass at least this often even without motion, so parked things are seen (default 10). */
  fullPassSeconds?: number;
  /** No frame for this long means the stream is stalled and is restarted (default 10). */
  stallSeconds?: number;
  /** RTSP transport (default tcp: no loss behind NAT and firewalls; udp for servers that only offer it). */
  rtspTransport?: 'tcp' | 'udp';
  /**
   * continuous (default): the stream is decoded all the time. patrol (视频轮巡): one frame is grabbed
   * and analysed every everySeconds, nothing in between (pipeline/patrol/).
   */
  mode?: AnalysisMode;
  /** Patrol only: seconds between passes (default 30). */
  everySeconds?: number;
  /** Patrol only: how a frame is taken (default snapshot with a snapshotUrl, keyframe otherwise). */
  grab?: PatrolGrab;
  /** Patrol only: the camera's HTTP(S) JPEG snapshot URL. May hold credentials: never log it as is. */
  snapshotUrl?: string;
}

export type AnalysisMode = 'continuous' | 'patrol';
/**
 * snapshot: fetch the camera's JPEG; keyframe: open the stream just long enough to decode one key
 * frame; session: keep the RTSP session open, its frames dropped undecoded between passes, and decode
 * the next key frame at each pass (H.264).
 */
export type PatrolGrab = 'snapshot' | 'keyframe' | 'session';
export const PATROL_GRABS: readonly PatrolGrab[] = ['snapshot', 'keyframe', 'session'];
export const DEFAULT_PATROL_SECONDS = 30;

export interface CameraConfig {
  id: string;
  name: string;
  /** rtsp://, http(s):// or a local file for replay. May hold credentials: never log it as is. */
  url: string;
  /** IANA time zone for zone schedules (default Asia/Shanghai). */
  timezone?: string;
  /** Where the camera stands, for cases and the map. */
  location?: { lat: number; lon: number };
  /** Present: each sighting is placed on the ground where its box stands, and can join drone cases on the map. */
  ground?: GroundCalibration;
  analysis?: CameraAnalysis;
  /** Camera-wide rule settings; zones may override them. */
  rules?: RuleSettingsByType;
  zones: Zone[];
}

// ---------------------------------------------------------------------------------------------
// Validation at load. Camera configs are written by hand or sent to the API by operators, so every
// mistake is reported with the file, the camera, the zone and the field, and unknown fields are
// refused: a typo such as "dwell" for "dwellSeconds" would otherwise silently keep the default.

/** Limits an operator may set; the rules document their defaults in their own files. */
export const CONFIG_LIMITS = {
  dwellSeconds: { min: 10, max: 3600 },
  fps: { min: 0.05, max: 30 },
  width: { min: 64, max: 3840 },
  fullPassSeconds: { min: 1, max: 3600 },
  stallSeconds: { min: 2, max: 300 },
  everySeconds: { min: 1, max: 3600 },
  /** Taller than any analysed frame (width at most 3840, portrait pictures included). */
  groundPixelY: { min: 0, max: 16384 },
  persistSeconds: { min: 1, max: 86400 },
  minAreaRatio: { min: 0.0001, max: 0.5 },
  classifyEverySeconds: { min: 1, max: 86400 },
} as const;

/** Width frames are scaled to when analysis.width is not set. */
export const DEFAULT_ANALYSIS_WIDTH = 1280;

export const VIOLATION_TYPES: readonly ViolationType[] = [
  'street_vending',
  'illegal_parking',
  'exposed_garbage',
  'illegal_construction',
  'uncovered_muck_truck',
];
export const ZONE_KINDS: readonly ZoneKind[] = ['no_parking', 'sidewalk', 'roadway', 'watch', 'other'];
/** Zone kinds the left-behind watch may run in. */
export const LEFT_BEHIND_KINDS: readonly ZoneKind[] = ['sidewalk', 'roadway', 'watch'];

/** A camera config that cannot be used. The message reads "<source>: camera "<id>", zone "<id>", <field>: <problem>". */
export class CameraConfigError extends Error {
  override name = 'CameraConfigError';
  constructor(
    readonly source: string,
    readonly cameraId: string | undefined,
    readonly zoneId: string | undefined,
    readonly field: string,
    readonly problem: string,
  ) {
    const where = [
      cameraId === undefined ? 'camera (no id)' : `camera "${cameraId}"`,
      ...(zoneId === undefined ? [] : [`zone "${zoneId}"`]),
      field,
    ].join(', ');
    super(`${source}: ${where}: ${problem}`);
  }
}

/** Zone polygons: points normalised to the picture, at most 200 (the API schema's bound too). */
const ZONE_RING: RingRules = {
  axes: [
    { min: 0, max: 1, hint: ' (normalised: 0 is the left edge, 1 the right)' },
    { min: 0, max: 1, hint: ' (normalised: 0 is the top edge, 1 the bottom)' },
  ],
  closed: false,
  extraCoordinates: 0,
  minArea: 1e-6,
  maxPoints: 200,
};

// No ":": it separates the parts of Redis keys, where camera ids end up (BullMQ job ids).
const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const WINDOW_SHAPE = 'a daily window {"start": "HH:MM", "end": "HH:MM", "days": [ISO weekdays 1-7, optional]}';
const SCHEDULE_SHAPE = `a non-empty list of daily windows {"start": "HH:MM", "end": "HH:MM", "days": [ISO weekdays 1-7, optional]}, e.g. [{"start": "07:00", "end": "20:00"}]`;
const TIME_PATTERN = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** Validates a camera config read from `source` (a file name or "API request body"); returns a clean copy. */
export function parseCameraConfig(raw: unknown, source: string): CameraConfig {
  const rawId = isRecord(raw) && typeof raw.id === 'string' && raw.id.trim() !== '' ? raw.id : undefined;
  const fail = (field: string, problem: string, zoneId?: string): never => {
    throw new CameraConfigError(source, rawId, zoneId, field, problem);
  };
  if (!isRecord(raw)) fail('(camera)', `must be an object, got ${describe(raw)}`);
  const cam = raw as Record<string, unknown>;
  onlyKnown(cam, ['id', 'name', 'url', 'timezone', 'location', 'ground', 'analysis', 'rules', 'zones'], '', fail);

  const id = cam.id;
  if (typeof id !== 'string' || !ID_PATTERN.test(id)) {
    fail('id', `must be 1-64 letters, digits, "_", "-", "." starting with a letter or digit, got ${describe(id)}`);
  }
  const name = cam.name === undefined ? (id as string) : cam.name;
  if (typeof name !== 'string' || name.trim() === '') fail('name', `must be a non-empty string, got ${describe(cam.name)}`);

  const url = checkUrl(cam.url, fail);

  const timezone = cam.timezone;
  if (timezone !== undefined) {
    if (typeof timezone !== 'string' || !isTimeZone(timezone)) {
      fail('timezone', `must be an IANA time zone such as "Asia/Shanghai", got ${describe(timezone)}`);
    }
  }

  let location: CameraConfig['location'];
  if (cam.location !== undefined) {
    const loc = cam.location;
    if (!isRecord(loc)) fail('location', `must be an object {lat, lon}, got ${describe(loc)}`);
    const l = loc as Record<string, unknown>;
    onlyKnown(l, ['lat', 'lon'], 'location.', fail);
    const lat = numberIn(l.lat, -90, 90, 'location.lat', fail);
    const lon = numberIn(l.lon, -180, 180, 'location.lon', fail);
    location = { lat, lon };
  }

  const analysis = cam.analysis === undefined ? undefined : checkAnalysis(cam.analysis, fail);
  const ground = cam.ground === undefined ? undefined : checkGround(cam.ground, analysis?.width ?? DEFAULT_ANALYSIS_WIDTH, fail);
  const rules = cam.rules === undefined ? undefined : checkRules(cam.rules, 'rules', undefined, fail);

  if (!Array.isArray(cam.zones)) fail('zones', `must be a list of zones, got ${describe(cam.zones)}`);
  const rawZones = cam.zones as unknown[];
  if (rawZones.length === 0) fail('zones', 'must hold at least one zone (a camera without zones can raise nothing)');
  const seen = new Set<string>();
  const zones = rawZones.map((z, i) => {
    const zone = checkZone(z, i, rules, fail);
    if (seen.has(zone.id)) fail('id', 'is used by two zones of this camera', zone.id);
    seen.add(zone.id);
    return zone;
  });

  if (analysis?.frameSize === 'model') checkModelSizeFrames(zones, ground, fail);

  const config: CameraConfig = { id: id as string, name: (name as string).trim(), url, zones };
  if (timezone !== undefined) config.timezone = timezone as string;
  if (location) config.location = location;
  if (ground) config.ground = ground;
  if (analysis) config.analysis = analysis;
  if (rules) config.rules = rules;
  return config;
}

type Fail = (field: string, problem: string, zoneId?: string) => never;

function checkUrl(value: unknown, fail: Fail): string {
  if (typeof value !== 'string' || value.trim() === '') fail('url', `must be an rtsp://, http(s):// URL or a file path, got ${describe(value)}`);
  const url = (value as string).trim();
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  if (scheme !== undefined) {
    if (!['rtsp', 'rtsps', 'http', 'https', 'file'].includes(scheme)) {
      // The value itself is not echoed: it may carry a password.
      fail('url', `scheme "${scheme}" is not supported (use rtsp, rtsps, http, https or a file path)`);
    }
    try {
      const parsed = new URL(url);
      if (scheme !== 'file' && parsed.hostname === '') fail('url', 'has no host');
    } catch {
      fail('url', 'is not a valid URL');
    }
  }
  if (/\s/.test(url)) fail('url', 'must not contain spaces (percent-encode them)');
  return url;
}

function checkAnalysis(value: unknown, fail: Fail): CameraAnalysis {
  if (!isRecord(value)) fail('analysis', `must be an object, got ${describe(value)}`);
  const a = value as Record<string, unknown>;
  onlyKnown(a, ['fps', 'width', 'frameSize', 'keyframesOnly', 'fullPassSeconds', 'stallSeconds', 'rtspTransport', 'mode', 'everySeconds', 'grab', 'snapshotUrl'], 'analysis.', fail);
  const out: CameraAnalysis = {};
  if (a.fps !== undefined) out.fps = numberIn(a.fps, CONFIG_LIMITS.fps.min, CONFIG_LIMITS.fps.max, 'analysis.fps', fail);
  if (a.width !== undefined) {
    const w = numberIn(a.width, CONFIG_LIMITS.width.min, CONFIG_LIMITS.width.max, 'analysis.width', fail);
    if (!Number.isInteger(w) || w % 2 !== 0) fail('analysis.width', `must be an even whole number of pixels, got ${w}`);
    out.width = w;
  }
  if (a.frameSize !== undefined) {
    if (a.frameSize !== 'full' && a.frameSize !== 'model') fail('analysis.frameSize', `must be "full" or "model", got ${describe(a.frameSize)}`);
    if (a.frameSize === 'model' && a.mode === 'patrol') fail('analysis.frameSize', '"model" applies to continuous mode only (a patrol grab is one full frame)');
    out.frameSize = a.frameSize as 'full' | 'model';
  }
  if (a.keyframesOnly !== undefined) {
    if (typeof a.keyframesOnly !== 'boolean') fail('analysis.keyframesOnly', `must be true or false, got ${describe(a.keyframesOnly)}`);
    out.keyframesOnly = a.keyframesOnly as boolean;
  }
  if (a.fullPassSeconds !== undefined) {
    out.fullPassSeconds = numberIn(a.fullPassSeconds, CONFIG_LIMITS.fullPassSeconds.min, CONFIG_LIMITS.fullPassSeconds.max, 'analysis.fullPassSeconds', fail);
  }
  if (a.stallSeconds !== undefined) {
    out.stallSeconds = numberIn(a.stallSeconds, CONFIG_LIMITS.stallSeconds.min, CONFIG_LIMITS.stallSeconds.max, 'analysis.stallSeconds', fail);
  }
  if (a.rtspTransport !== undefined) {
    if (a.rtspTransport !== 'tcp' && a.rtspTransport !== 'udp') fail('analysis.rtspTransport', `must be "tcp" or "udp", got ${describe(a.rtspTransport)}`);
    out.rtspTransport = a.rtspTransport as 'tcp' | 'udp';
  }
  return { ...out, ...checkPatrol(a, fail) };
}

/** Frames at the model's size lose the pixels plates and ground marks are read in. */
function checkModelSizeFrames(zones: Zone[], ground: GroundCalibration | undefined, fail: Fail): void {
  const parking = zones.find((z) => z.kind === 'no_parking');
  if (parking) {
    fail('analysis.frameSize', `is "model", but zone "${parking.id}" is no_parking: parking cases read the plate from a full-resolution crop; use "full"`);
  }
  if (ground) fail('analysis.frameSize', 'is "model", but ground calibration marks are pixels of the full frame; use "full"');
}

/** The patrol fields: only with mode "patrol", and a snapshot grab needs a snapshot URL. */
function checkPatrol(a: Record<string, unknown>, fail: Fail): CameraAnalysis {
  if (a.mode === undefined || a.mode === 'continuous') {
    for (const key of ['everySeconds', 'grab', 'snapshotUrl']) {
      if (a[key] !== undefined) fail(`analysis.${key}`, 'applies to patrol only: set analysis.mode to "patrol"');
    }
    return a.mode === undefined ? {} : { mode: 'continuous' };
  }
  if (a.mode !== 'patrol') fail('analysis.mode', `must be "continuous" or "patrol", got ${describe(a.mode)}`);
  const out: CameraAnalysis = { mode: 'patrol' };
  if (a.everySeconds !== undefined) {
    out.everySeconds = numberIn(a.everySeconds, CONFIG_LIMITS.everySeconds.min, CONFIG_LIMITS.everySeconds.max, 'analysis.everySeconds', fail);
  }
  if (a.snapshotUrl !== undefined) {
    const url = a.snapshotUrl;
    if (typeof url !== 'string' || !/^https?:\/\/\S+$/i.test(url.trim())) {
      // Not echoed: it may carry a password.
      fail('analysis.snapshotUrl', `must be an http:// or https:// URL of the camera's JPEG snapshot, without spaces${typeof url === 'string' ? '' : `, got ${describe(url)}`}`);
    }
    try {
      new URL((url as string).trim());
    } catch {
      fail('analysis.snapshotUrl', 'is not a valid URL');
    }
    out.snapshotUrl = (url as string).trim();
  }
  if (a.grab !== undefined) {
    if (!PATROL_GRABS.includes(a.grab as PatrolGrab)) fail('analysis.grab', `must be one of ${PATROL_GRABS.join(', ')}, got ${describe(a.grab)}`);
    out.grab = a.grab as PatrolGrab;
  }
  if (out.grab === 'snapshot' && out.snapshotUrl === undefined) fail('analysis.snapshotUrl', 'is required for grab "snapshot" (the camera\'s JPEG snapshot URL)');
  return out;
}

function checkGround(value: unknown, frameWidth: number, fail: Fail): GroundCalibration {
  if (!isRecord(value)) fail('ground', `must be an object {points: [{pixel: [x, y], lat, lon}, …]}, got ${describe(value)}`);
  const g = value as Record<string, unknown>;
  onlyKnown(g, ['points'], 'ground.', fail);
  if (!Array.isArray(g.points)) fail('ground.points', `must be a list of {pixel: [x, y], lat, lon}, got ${describe(g.points)}`);
  const raw = g.points as unknown[];
  if (raw.length < MIN_GROUND_POINTS) {
    fail('ground.points', `needs at least ${MIN_GROUND_POINTS} points (marks on the road with their pixel and lat/lon), got ${raw.length}`);
  }
  if (raw.length > MAX_GROUND_POINTS) fail('ground.points', `takes at most ${MAX_GROUND_POINTS} points, got ${raw.length}`);
  const points = raw.map((p, i): GroundCalibrationPoint => {
    const field = `ground.points[${i}]`;
    if (!isRecord(p)) fail(field, `must be an object {pixel: [x, y], lat, lon}, got ${describe(p)}`);
    const q = p as Record<string, unknown>;
    onlyKnown(q, ['pixel', 'lat', 'lon'], `${field}.`, fail);
    if (!Array.isArray(q.pixel) || q.pixel.length !== 2) fail(`${field}.pixel`, `must be an [x, y] pair of pixels, got ${describe(q.pixel)}`);
    const [x, y] = q.pixel as unknown[];
    // Boxes are in pixels of the analysed frame; a mark read off a full-size snapshot would be off.
    const hint = ` (pixels of the analysed frame, ${frameWidth} wide: analysis.width)`;
    return {
      pixel: [
        numberIn(x, 0, frameWidth, `${field}.pixel[0]`, fail, undefined, hint),
        numberIn(y, CONFIG_LIMITS.groundPixelY.min, CONFIG_LIMITS.groundPixelY.max, `${field}.pixel[1]`, fail, undefined, hint),
      ],
      lat: numberIn(q.lat, -90, 90, `${field}.lat`, fail),
      lon: numberIn(q.lon, -180, 180, `${field}.lon`, fail),
    };
  });
  try {
    fitGroundPlane(points);
  } catch (error) {
    if (!(error instanceof GroundCalibrationError)) throw error;
    fail(error.point === undefined ? 'ground.points' : `ground.points[${error.point}]`, error.message);
  }
  return { points };
}

function checkRules(value: unknown, prefix: string, zoneId: string | undefined, fail: Fail): RuleSettingsByType {
  if (!isRecord(value)) fail(prefix, `must be an object keyed by violation type, got ${describe(value)}`, zoneId);
  const out: RuleSettingsByType = {};
  for (const [type, settings] of Object.entries(value as Record<string, unknown>)) {
    const field = `${prefix}.${type}`;
    if (!VIOLATION_TYPES.includes(type as ViolationType)) {
      fail(field, `is not a violation type (one of ${VIOLATION_TYPES.join(', ')})`, zoneId);
    }
    if (!isRecord(settings)) fail(field, `must be an object, got ${describe(settings)}`, zoneId);
    const s = settings as Record<string, unknown>;
    onlyKnown(s, ['enabled', 'dwellSeconds', 'warnAfterSeconds', 'labels', 'sameVehicleSimilarity'], `${field}.`, fail, zoneId);
    const r: ParkingRuleSettings = {};
    if (s.enabled !== undefined) {
      if (typeof s.enabled !== 'boolean') fail(`${field}.enabled`, `must be true or false, got ${describe(s.enabled)}`, zoneId);
      r.enabled = s.enabled as boolean;
    }
    if (s.dwellSeconds !== undefined) {
      r.dwellSeconds = numberIn(s.dwellSeconds, CONFIG_LIMITS.dwellSeconds.min, CONFIG_LIMITS.dwellSeconds.max, `${field}.dwellSeconds`, fail, zoneId);
    }
    if (s.warnAfterSeconds !== undefined) {
      r.warnAfterSeconds = numberIn(s.warnAfterSeconds, 0, CONFIG_LIMITS.dwellSeconds.max, `${field}.warnAfterSeconds`, fail, zoneId);
    }
    if (s.sameVehicleSimilarity !== undefined) {
      if (type !== 'illegal_parking') fail(`${field}.sameVehicleSimilarity`, 'applies to illegal_parking only', zoneId);
      r.sameVehicleSimilarity = numberIn(s.sameVehicleSimilarity, 0, 1, `${field}.sameVehicleSimilarity`, fail, zoneId);
    }
    if (s.labels !== undefined) {
      const labels = s.labels;
      if (!Array.isArray(labels) || labels.length === 0 || !labels.every((l) => typeof l === 'string' && l.trim() !== '')) {
        fail(`${field}.labels`, `must be a non-empty list of detector labels, got ${describe(labels)}`, zoneId);
      }
      r.labels = (labels as string[]).map((l) => l.trim());
    }
    out[type as ViolationType] = r;
  }
  return out;
}

function checkZone(value: unknown, index: number, cameraRules: RuleSettingsByType | undefined, fail: Fail): Zone {
  const label = `zones[${index}]`;
  if (!isRecord(value)) fail(label, `must be an object, got ${describe(value)}`);
  const z = value as Record<string, unknown>;
  const zoneId = typeof z.id === 'string' && z.id.trim() !== '' ? z.id : undefined;
  // Until the zone has an id, the list position names it.
  const zfail: Fail = (field, problem) => fail(field, problem, zoneId ?? label);
  onlyKnown(z, ['id', 'name', 'kind', 'polygon', 'schedule', 'rules', 'persistSeconds', 'minAreaRatio', 'classifier', 'classifyEverySeconds'], '', zfail);
  if (typeof z.id !== 'string' || !ID_PATTERN.test(z.id)) {
    zfail('id', `must be 1-64 letters, digits, "_", "-", "." starting with a letter or digit, got ${describe(z.id)}`);
  }
  if (z.name !== undefined && typeof z.name !== 'string') zfail('name', `must be a string, got ${describe(z.name)}`);
  if (!ZONE_KINDS.includes(z.kind as ZoneKind)) zfail('kind', `must be one of ${ZONE_KINDS.join(', ')}, got ${describe(z.kind)}`);

  const ring = checkRing(z.polygon, ZONE_RING);
  if ('problem' in ring) zfail(`polygon${ring.at.map((i) => `[${i}]`).join('')}`, ring.problem);
  const polygon = (ring as { points: Array<[number, number]> }).points;

  let schedule: ZoneSchedule[] | undefined;
  if (z.schedule !== undefined) {
    if (!Array.isArray(z.schedule) || z.schedule.length === 0) zfail('schedule', `must be ${SCHEDULE_SHAPE}, got ${describe(z.schedule)}`);
    schedule = (z.schedule as unknown[]).map((w, i) => checkWindow(w, `schedule[${i}]`, zfail));
  }

  const rules = z.rules === undefined ? undefined : checkRules(z.rules, 'rules', zoneId, fail);
  // warnAfter and dwell may come from different levels; only their combination can be checked.
  for (const type of VIOLATION_TYPES) {
    const merged = { ...cameraRules?.[type], ...rules?.[type] };
    if (merged.warnAfterSeconds !== undefined && merged.dwellSeconds !== undefined && merged.warnAfterSeconds >= merged.dwellSeconds) {
      const field = rules?.[type]?.warnAfterSeconds !== undefined ? `rules.${type}.warnAfterSeconds` : `rules.${type}.dwellSeconds`;
      zfail(field, `warnAfterSeconds (${merged.warnAfterSeconds}) must be below dwellSeconds (${merged.dwellSeconds})`);
    }
  }

  const zone: Zone = { id: z.id as string, kind: z.kind as ZoneKind, polygon };
  if (typeof z.name === 'string') zone.name = z.name;
  if (schedule) zone.schedule = schedule;
  if (rules) zone.rules = rules;
  return { ...zone, ...checkLeftBehind(z, zone.kind, zfail) };
}

/** The left-behind and zone-state fields: only in the zone kinds that use them, within their limits. */
function checkLeftBehind(z: Record<string, unknown>, kind: ZoneKind, zfail: Fail): Partial<Zone> {
  const out: Partial<Zone> = {};
  for (const key of ['persistSeconds', 'minAreaRatio'] as const) {
    if (z[key] === undefined) continue;
    if (!LEFT_BEHIND_KINDS.includes(kind)) zfail(key, `applies to ${LEFT_BEHIND_KINDS.join(', ')} zones only (this zone is "${kind}")`);
    out[key] = numberIn(z[key], CONFIG_LIMITS[key].min, CONFIG_LIMITS[key].max, key, zfail);
  }
  for (const key of ['classifier', 'classifyEverySeconds'] as const) {
    if (z[key] !== undefined && kind !== 'watch') zfail(key, `applies to watch zones only (this zone is "${kind}")`);
  }
  if (z.classifier !== undefined) {
    if (typeof z.classifier !== 'string' || !ID_PATTERN.test(z.classifier)) zfail('classifier', `must be the id or attribute ("zoneState") of a classifier of the model manifest, got ${describe(z.classifier)}`);
    out.classifier = z.classifier as string;
  }
  if (z.classifyEverySeconds !== undefined) {
    if (out.classifier === undefined) zfail('classifyEverySeconds', 'needs a classifier (the model that judges the zone)');
    out.classifyEverySeconds = numberIn(z.classifyEverySeconds, CONFIG_LIMITS.classifyEverySeconds.min, CONFIG_LIMITS.classifyEverySeconds.max, 'classifyEverySeconds', zfail);
  }
  return out;
}

function checkWindow(value: unknown, field: string, fail: Fail): ZoneSchedule {
  if (!isRecord(value)) fail(field, `must be ${WINDOW_SHAPE}, got ${describe(value)}`);
  const w = value as Record<string, unknown>;
  onlyKnown(w, ['start', 'end', 'days'], `${field}.`, fail);
  for (const key of ['start', 'end'] as const) {
    if (typeof w[key] !== 'string' || !TIME_PATTERN.test(w[key] as string)) {
      fail(`${field}.${key}`, `must be a 24-hour time "HH:MM" such as "07:00", got ${describe(w[key])}`);
    }
  }
  if (w.start === w.end) fail(`${field}.end`, `equals start (${String(w.start)}): an empty window; leave schedule out for "always"`);
  const out: ZoneSchedule = { start: w.start as string, end: w.end as string };
  if (w.days !== undefined) {
    const days = w.days;
    if (!Array.isArray(days) || days.length === 0 || !days.every((d) => Number.isInteger(d) && (d as number) >= 1 && (d as number) <= 7)) {
      fail(`${field}.days`, `must be a non-empty list of ISO weekdays 1 (Monday) to 7 (Sunday), got ${describe(days)}`);
    }
    if (new Set(days as number[]).size !== (days as number[]).length) fail(`${field}.days`, 'lists a day twice');
    out.days = [...(days as number[])].sort((a, b) => a - b);
  }
  return out;
}

function numberIn(value: unknown, min: number, max: number, field: string, fail: Fail, zoneId?: string, hint = ''): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    fail(field, `must be a number from ${min} to ${max}${hint}, got ${describe(value)}`, zoneId);
  }
  return value as number;
}

function onlyKnown(obj: Record<string, unknown>, known: readonly string[], prefix: string, fail: Fail, zoneId?: string): void {
  for (const key of Object.keys(obj)) {
    if (!known.includes(key)) fail(`${prefix}${key}`, `is not a known field (known: ${known.join(', ')})`, zoneId);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
