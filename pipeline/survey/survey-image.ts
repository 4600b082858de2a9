// One survey image, from its bytes to a result and the violations it shows: check and decode,
// telemetry, capture time, tiled detection with every enabled detector, the label allow-list,
// ground points, and the rules from the air. No I/O besides the models: the worker stores
// evidence, reports cases and the result.
import sharp from 'sharp';
import type { Box, Detection, Frame, Violation } from '../../contracts/types.ts';
import type { LocatedDetection, SurveyImageResult, SurveyZones } from '../../contracts/survey.ts';
import type { LoadedModels } from '../../models/registry.ts';
import { mergeAcrossModels } from '../detect/detector-set.ts';
import { checkImage, DEFAULT_MAX_PIXELS, ImageInputError } from '../detect/image-input.ts';
import { constructionFromAir, isLocated, parkingFromAir, vendingFromAir, type AirViolation } from './air-rules.ts';
import { detectorStatement, planAirAnalysis } from './air-analysis.ts';
import { captureTime } from './capture-time.ts';
import { cameraPose, DEFAULT_ERRORS, reportedLocation, type ErrorBudget } from './georeference.ts';
import { groundPointOf } from './ground-points.ts';
import { whyDropped, type LabelAllowList } from './label-allow-list.ts';
import { readTelemetry } from './telemetry.ts';
import { photoGsdCm, resampleFactor } from './survey-scale.ts';
import { detectTiled } from './tiled-detection.ts';
import { zoneLayer } from './zone-layers.ts';

export interface SurveyContext {
  surveyId: string;
  name: string;
  flownAt: Date;
  flightHeightM?: number;
  timezone: string;
  zones: SurveyZones;
}

export interface ImageSettings {
  allow: LabelAllowList;
  aerialModels: readonly string[];
  overlap: number;
  maxPixels?: number;
}

export interface AnalysedImage {
  result: Omit<SurveyImageResult, 'attempt' | 'violations'>;
  violations: Violation[];
}

/** The image cannot be analysed: the reason goes in the report, the job is not retried. */
export class ImageUnusable extends Error {
  override name = 'ImageUnusable';
}

export function sourceIdOf(surveyId: string): string {
  return `survey-${surveyId}`;
}

export async function analyseSurveyImage(bytes: Buffer, image: { sha256: string; fileName: string }, survey: SurveyContext, models: LoadedModels, settings: ImageSettings): Promise<AnalysedImage> {
  const warnings: string[] = [];
  const timings: Record<string, number> = {};
  let t = performance.now();
  const maxPixels = settings.maxPixels ?? DEFAULT_MAX_PIXELS;
  try {
    await checkImage(bytes, image.fileName, maxPixels);
  } catch (err) {
    if (err instanceof ImageInputError) throw new ImageUnusable(err.message);
    throw err;
  }
  const { pixels, width, height } = await decode(bytes, image.fileName, maxPixels, warnings);
  timings.decodeMs = performance.now() - t;

  const telemetry = await readTelemetry(bytes, width, height, { flightHeightM: survey.flightHeightM });
  const when = await captureTime(bytes, survey.flownAt, survey.timezone);
  if (when.warning) warnings.push(when.warning);
  const tel = telemetry.telemetry;
  const read = tel.lat !== undefined || tel.gimbalPitchDeg !== undefined || tel.relativeAltitudeM !== undefined;
  const pose = cameraPose(tel, telemetry.focalLengthPx, width, height);
  const located = typeof pose !== 'string';
  if (telemetry.altitudeSource === 'survey-flight-height') warnings.push(`no RelativeAltitude in the image: the survey's flight height ${survey.flightHeightM} m is used`);
  if (telemetry.altitudeSource === 'exif-gps-altitude') warnings.push('height above ground taken from EXIF GPSAltitude (older DJI firmware writes the take-off-relative height there): positions are less certain');

  const frame: Frame = { sourceId: sourceIdOf(survey.surveyId), capturedAt: when.at, width, height, pixels, telemetry: tel };
  t = performance.now();
  const found: Detection[] = [];
  const tiled = { resampleMs: 0, tilingMs: 0, inferenceMs: 0, mergeMs: 0, tiles: 0 };
  // With telemetry the photo's GSD is known: each detector sees it shrunk to the GSD it suits.
  const gsd = typeof pose === 'string' ? undefined : photoGsdCm(pose);
  const detectors = surveyDetectors(models.detectors.detectors, settings.aerialModels);
  for (const detector of detectors) {
    const r = await detectTiled(detector, frame, { overlap: settings.overlap, scale: resampleFactor(gsd, detector.model.input.gsdCm) });
    found.push(...r.detections);
    for (const k of ['resampleMs', 'tilingMs', 'inferenceMs', 'mergeMs', 'tiles'] as const) tiled[k] += r.timings[k];
  }
  const detections = detectors.length > 1 ? mergeAcrossModels(found, 0.7) : found;
  Object.assign(timings, tiled, { detectMs: performance.now() - t });

  const errors: ErrorBudget = {
    ...DEFAULT_ERRORS,
    ...(telemetry.gpsAccuracyM !== undefined ? { gpsM: telemetry.gpsAccuracyM } : {}),
    // A height the operator typed, or GPSAltitude of old firmware, is less certain than the barometer.
    ...(telemetry.altitudeSource === 'survey-flight-height' ? { heightM: 5 } : telemetry.altitudeSource === 'exif-gps-altitude' ? { heightM: 10 } : {}),
  };
  const listed: LocatedDetection[] = detections.map((d) => {
    const dropped = whyDropped(d, settings.allow);
    const out: LocatedDetection = { label: d.label, score: round(d.score, 3), box: d.box.map((n) => round(n, 1)) as Box, ...(d.modelId ? { modelId: d.modelId } : {}), kept: !dropped, ...(dropped ? { dropped } : {}) };
    if (typeof pose !== 'string') {
      const { anchor, point } = groundPointOf(d.box, pose, errors);
      out.anchor = anchor;
      if (point) out.location = reportedLocation(point);
    }
    return out;
  });

  const plan = planAirAnalysis(models.analysable, models.mapping, settings.allow, survey.zones);
  const onMap = listed.filter(isLocated);
  const air: AirViolation[] = [];
  const types = models.mapping.types;
  if (plan.parking) air.push(...parkingFromAir(onMap, zoneLayer(survey.zones.noParking, 'no-parking'), types.illegal_parking?.labels ?? []));
  if (plan.vending) {
    air.push(
      ...vendingFromAir(onMap, zoneLayer(survey.zones.sidewalks, 'sidewalk'), {
        parkingLabels: [],
        vendingLabels: types.street_vending?.labels ?? [],
        vendingRequires: types.street_vending?.requiresLabels ?? [],
        structureLabels: [],
      }),
    );
  }
  if (plan.construction) air.push(...constructionFromAir(onMap, zoneLayer(survey.zones.permittedBuildings, 'permitted'), types.illegal_construction?.labels ?? []));

  const byDetection = new Map(detections.map((d, i) => [listed[i]!, d]));
  const violations = air.map((a) => toViolation(a, frame, image, byDetection));
  return {
    result: {
      status: 'done',
      width,
      height,
      warnings,
      telemetry: {
        read,
        ...(read ? {} : { absent: 'the image carries no GPS position, camera angles or height (EXIF GPS, DJI XMP or maker notes)' }),
        ...(tel.lat !== undefined ? { lat: tel.lat, lon: tel.lon } : {}),
        ...(tel.relativeAltitudeM !== undefined ? { relativeAltitudeM: tel.relativeAltitudeM, altitudeSource: telemetry.altitudeSource } : {}),
        ...(tel.gimbalPitchDeg !== undefined ? { gimbalPitchDeg: tel.gimbalPitchDeg } : {}),
        ...((tel.gimbalYawDeg ?? tel.flightYawDeg) !== undefined ? { yawDeg: tel.gimbalYawDeg ?? tel.flightYawDeg } : {}),
        ...(telemetry.focalLengthPx !== undefined ? { focalLengthPx: round(telemetry.focalLengthPx, 1) } : {}),
        capturedAt: when.at.toISOString(),
      },
      geolocated: located,
      ...(located ? {} : { notGeolocated: telemetry.notGeolocated ?? (pose as string) }),
      detector: detectorStatement(detectors.map((d) => d.model), settings.aerialModels, settings.allow, settings.overlap),
      analysis: plan.analysis,
      detections: listed,
      timings: Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, round(v, 1)])),
    },
    violations,
  };
}

/**
 * The detectors a survey runs: its aerial ones when any is loaded (named in SURVEY_AERIAL_MODELS or
 * a promoted aerial-detector version), since a ground-level model from the air finds few vehicles
 * and reports nonsense labels; every enabled detector otherwise.
 */
export function surveyDetectors<D extends { model: { id: string; aerial?: boolean } }>(all: readonly D[], aerialModels: readonly string[]): readonly D[] {
  const aerial = all.filter((d) => d.model.aerial === true || aerialModels.includes(d.model.id));
  return aerial.length > 0 ? aerial : all;
}

/**
 * Evidence is a window of the photo around the object (a whole 20-megapixel frame is no use to a
 * reviewer and heavy to store): at least 640 px, or three times the object. The violation's box is
 * in that window's pixels; the box in the full photo is kept as an attribute.
 */
function toViolation(a: AirViolation, frame: Frame, image: { sha256: string; fileName: string }, byDetection: Map<LocatedDetection, Detection>): Violation {
  const box: Box = [
    Math.min(...a.members.map((m) => m.box[0])),
    Math.min(...a.members.map((m) => m.box[1])),
    Math.max(...a.members.map((m) => m.box[2])),
    Math.max(...a.members.map((m) => m.box[3])),
  ];
  const side = Math.min(Math.max(640, 3 * Math.max(box[2] - box[0], box[3] - box[1])), frame.width, frame.height);
  const w = Math.min(frame.width, Math.round(side));
  const h = Math.min(frame.height, Math.round(side));
  const left = clamp(Math.round((box[0] + box[2]) / 2 - w / 2), 0, frame.width - w);
  const top = clamp(Math.round((box[1] + box[3]) / 2 - h / 2), 0, frame.height - h);
  const pixels = new Uint8Array(w * h * 3);
  for (let row = 0; row < h; row++) {
    const from = ((top + row) * frame.width + left) * 3;
    pixels.set(frame.pixels.subarray(from, from + w * 3), row * w * 3);
  }
  const main = byDetection.get(a.members.find((m) => m.label === a.label) ?? a.members[0]!);
  return {
    type: a.type,
    sourceId: frame.sourceId,
    observedAt: frame.capturedAt,
    box: [box[0] - left, box[1] - top, box[2] - left, box[3] - top].map((n) => round(n, 1)) as Box,
    score: a.score,
    location: a.location,
    evidenceFrames: [{ sourceId: frame.sourceId, capturedAt: frame.capturedAt, width: w, height: h, pixels }],
    label: a.label,
    ...(main?.modelId ? { modelId: main.modelId } : {}),
    ...(main?.modelSha256 ? { modelSha256: main.modelSha256 } : {}),
    attributes: {
      image: image.sha256,
      imageFile: image.fileName,
      imageBox: box.map((n) => round(n, 1)).join(','),
      ...(a.zone ? { zone: a.zone } : {}),
      ...(a.members[0]?.anchor ? { anchor: a.members[0].anchor } : {}),
      accuracyM: a.location.accuracyM,
    },
  };
}

/**
 * Decodes strictly first: corrupt data (a bad Huffman code) fails the image with its reason. A file
 * that only ends early (real thermal DJI files do) is decoded leniently, with a warning.
 */
async function decode(bytes: Buffer, source: string, maxPixels: number, warnings: string[]): Promise<{ pixels: Uint8Array; width: number; height: number }> {
  const run = (failOn: 'warning' | 'none') =>
    sharp(bytes, { failOn, limitInputPixels: maxPixels }).autoOrient().removeAlpha().toColourspace('srgb').raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  let out;
  try {
    out = await run('warning');
  } catch (err) {
    const message = String((err as Error).message).split('\n')[0]!.trim();
    if (!/premature end of (JPEG image|input file)/i.test(message)) throw new ImageUnusable(`${source}: corrupt image data (${message})`);
    try {
      out = await run('none');
    } catch (again) {
      throw new ImageUnusable(`${source}: corrupt image data (${String((again as Error).message).split('\n')[0]})`);
    }
    warnings.push(`the image data ends early (${message}): the missing part decodes as grey`);
  }
  if (out.info.channels !== 3) throw new ImageUnusable(`${source}: decoded to ${out.info.channels} channels, expected RGB`);
  return { pixels: out.data, width: out.info.width, height: out.info.height };
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(Math.max(v, lo), hi);
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
