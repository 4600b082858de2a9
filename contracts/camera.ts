// A camera as the operator configures it: where its stream is, how hard to analyse it, and the
// zones drawn on its picture with the rules that apply in each. The API stores these (cameras and
// zones CRUD) and the camera workers read them; both validate with parseCameraConfig.
import type { ViolationType } from './types.ts';

export type ZoneKind = 'no_parking' | 'sidewalk' | 'roadway' | 'other';

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

export type RuleSettingsByType = Partial<Record<ViolationType, RuleSettings>>;

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
}

export interface CameraAnalysis {
  /** Frames analysed per second (default 1). */
  fps?: number;
  /** Frame width the stream is scaled to inside ffmpeg (default 1280; height keeps the aspect). */
  width?: number;
  /** Decode keyframes only: much cheaper at low analysis rates (see bench:streams). */
  keyframesOnly?: boolean;
  /** A full detector pass at least this often even without motion, so parked things are seen (default 10). */
  fullPassSeconds?: number;
  /** No frame for this long means the stream is stalled and is restarted (default 10). */
  stallSeconds?: number;
}

export interface CameraConfig {
  id: string;
  name: string;
  /** rtsp://, http(s):// or a local file for replay. May hold credentials: never log it as is. */
  url: string;
  /** IANA time zone for zone schedules (default Asia/Shanghai). */
  timezone?: string;
  /** Where the camera stands, for cases and the map. */
  location?: { lat: number; lon: number };
  analysis?: CameraAnalysis;
  /** Camera-wide rule settings; zones may override them. */
  rules?: RuleSettingsByType;
  zones: Zone[];
}
