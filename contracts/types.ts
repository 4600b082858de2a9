// The types that cross stage boundaries (DESIGN.md, "Data flow and the types that carry it").
// Each stage is a function of the previous type; keep these plain data so they serialise to queues
// and to the API unchanged.

/** [x1, y1, x2, y2] in pixels of the source image (not the model input). */
export type Box = [number, number, number, number];

export interface Telemetry {
  lat?: number;
  lon?: number;
  relativeAltitudeM?: number;
  absoluteAltitudeM?: number;
  gimbalPitchDeg?: number;
  gimbalYawDeg?: number;
  flightYawDeg?: number;
  focalLengthMm?: number;
  sensorWidthMm?: number;
}

/** One decoded picture from a camera stream or a drone survey. */
export interface Frame {
  sourceId: string;
  capturedAt: Date;
  width: number;
  height: number;
  /** Raw interleaved RGB, width * height * 3 bytes. */
  pixels: Uint8Array;
  telemetry?: Telemetry;
}

export interface Detection {
  label: string;
  score: number;
  box: Box;
  /** Second-stage results such as a plate or a truck's cover state. */
  attributes?: Record<string, string | number>;
  /** Which manifest model produced it, so cases can name the model that found them. */
  modelId?: string;
  /** The sha256 of that model's file: the id says which model, the hash which weights. */
  modelSha256?: string;
}

export interface Track {
  id: number;
  label: string;
  /** `attributes`: the detection's second-stage results in that frame (cover state, …). */
  history: Array<{ at: Date; box: Box; score: number; attributes?: Record<string, string | number> }>;
  firstSeen: Date;
  lastSeen: Date;
  stationarySince?: Date;
  /**
   * How alike the latest sighting looks to the first one where it stands now (cosine of appearance
   * embeddings, 1 = identical): "the same vehicle" over a dwell. Absent without an embedder.
   */
  appearanceSimilarity?: number;
  /** The model (id, file sha256) of the detection that last updated it, for the violation it raises. */
  modelId?: string;
  modelSha256?: string;
}

export interface Violation {
  type: ViolationType;
  sourceId: string;
  observedAt: Date;
  box: Box;
  score: number;
  zoneId?: string;
  /** Camera sightings: the zone's polygon (normalised 0-1 to the frame) and name, drawn on the evidence. */
  zoneOutline?: { polygon: ReadonlyArray<readonly [number, number]>; name?: string };
  location?: { lat: number; lon: number; accuracyM: number };
  /**
   * Camera sightings: true when `location` is where the object stands, from the camera's ground
   * calibration, rather than where the camera stands. Only such sightings join drone cases on the map.
   */
  placedOnGround?: boolean;
  /** For camera rules: the frame when it began, then the frame that confirmed it. */
  evidenceFrames: Frame[];
  /** The tracked object behind it (camera path), so one object raises one violation. */
  trackId?: number;
  /** Detector label of the object (car, person, truck, …). */
  label?: string;
  /** When the object was first seen in the zone (camera rules with a dwell). */
  startedAt?: Date;
  /** Manifest id of the model that found it. */
  modelId?: string;
  /** sha256 of that model's file. */
  modelSha256?: string;
  /** Second-stage results: plate, cover state, … */
  attributes?: Record<string, string | number>;
}

export type ViolationType =
  | 'street_vending'
  | 'illegal_parking'
  | 'exposed_garbage'
  | 'illegal_construction'
  | 'uncovered_muck_truck';
