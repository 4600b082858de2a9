// Zone-state watch: a watch zone's crop (beside bins, a corner where rubbish is dumped) classified
// on a schedule by a zone-state classifier of the manifest (labels such as clean / garbage / …,
// attribute `zoneState`, trained with `npm run train -- classifier` on reviewers' zone snapshots).
// A `garbage` verdict held for the zone's persistSeconds raises exposed_garbage without any garbage
// detector; the zone's latest verdict is also attached to left-behind candidates in it.
//
// - The schedule is scene time (the frame's capture time), like every dwell: one classification
//   per classifyEverySeconds at most, on the first analysed frame after it is due.
// - One case per garbage episode: the zone must be judged something else before it can raise again;
//   a left-behind thing found in the zone during the episode is that case, or joins it.
// - A classifier that cannot be loaded is logged once; the zone is then watched by the background
//   model alone.
import type { CameraConfig, Zone } from '../../contracts/camera.ts';
import type { Box, Frame } from '../../contracts/types.ts';
import type { Logger } from '../../infra/logger.ts';
import type { Classifier } from '../classify/classifier.ts';
import { toRawImage } from '../detect/crop.ts';
import type { RuleEvent } from '../rules/rule-types.ts';
import { LEFT_BEHIND_DEFAULTS } from './left-behind.ts';

export const ZONE_STATE_ATTRIBUTE = 'zoneState';
/** The verdict that means rubbish lies in the zone. */
export const GARBAGE_STATE = 'garbage';
export const DEFAULT_CLASSIFY_EVERY_SECONDS = 30;
/** Zone-state events get ids in their own range, apart from tracks and left-behind candidates. */
const FIRST_ID = 2 ** 30 + 2 ** 29;

export interface ZoneVerdict {
  label: string;
  score: number;
  modelId: string;
  at: Date;
}

export interface ZoneStateFinding {
  event: RuleEvent;
  /** The last frame the zone was judged otherwise, or the first garbage frame when there was none. */
  before: Frame;
}

export interface ZoneStateWatch {
  /** After the tracker, on every analysed frame: classifies the zones that are due. */
  update(frame: Frame): Promise<ZoneStateFinding[]>;
  /** The zone's latest verdict, if it has a classifier and was classified. */
  verdict(zoneId: string): ZoneVerdict | undefined;
  /**
   * A left-behind thing is due in the zone. While the zone is judged garbage the thing is that
   * rubbish: true when the episode already has its case (the thing is not reported again);
   * otherwise the thing's case stands for the episode from now on, and false.
   */
  claimLeftBehind(zoneId: string): boolean;
}

export type ClassifierSource = (modelId: string) => Promise<Classifier | undefined>;

interface ZoneClock {
  zone: Zone;
  everySeconds: number;
  persistSeconds: number;
  classifier: Promise<Classifier | undefined>;
  lastRunAt?: Date;
  verdict?: ZoneVerdict;
  garbageSince?: Date;
  /** Last frame judged not garbage: the evidence of how the zone looked before. */
  cleanFrame?: Frame;
  firstGarbageFrame?: Frame;
  raised: boolean;
}

export function createZoneStateWatch(config: Pick<CameraConfig, 'id' | 'zones' | 'rules'>, source: ClassifierSource, log: Logger): ZoneStateWatch {
  const off = config.rules?.exposed_garbage?.enabled === false;
  const clocks: ZoneClock[] = config.zones
    .filter((z) => z.kind === 'watch' && z.classifier !== undefined && !off && z.rules?.exposed_garbage?.enabled !== false)
    .map((zone) => ({
      zone,
      everySeconds: zone.classifyEverySeconds ?? DEFAULT_CLASSIFY_EVERY_SECONDS,
      persistSeconds: zone.persistSeconds ?? LEFT_BEHIND_DEFAULTS.persistSeconds,
      classifier: usableClassifier(zone, source, log),
      raised: false,
    }));
  let nextId = FIRST_ID;

  return {
    async update(frame) {
      const now = frame.capturedAt;
      const findings: ZoneStateFinding[] = [];
      for (const c of clocks) {
        if (c.lastRunAt && (now.getTime() - c.lastRunAt.getTime()) / 1000 < c.everySeconds) continue;
        const classifier = await c.classifier;
        if (!classifier) continue;
        c.lastRunAt = now;
        const box = zoneBox(c.zone, frame);
        const result = await classifier.classifyBox(await toRawImage(frame), box);
        if (!result) continue;
        c.verdict = { label: result.label, score: result.score, modelId: classifier.model.id, at: now };
        if (result.label !== GARBAGE_STATE) {
          Object.assign(c, { garbageSince: undefined, firstGarbageFrame: undefined, raised: false, cleanFrame: frame });
          continue;
        }
        c.garbageSince ??= now;
        c.firstGarbageFrame ??= frame;
        if (!c.raised && (now.getTime() - c.garbageSince.getTime()) / 1000 >= c.persistSeconds) {
          c.raised = true;
          findings.push({ event: zoneStateEvent(config.id, c, box, now, nextId++), before: c.cleanFrame ?? c.firstGarbageFrame });
        }
      }
      return findings;
    },
    verdict: (zoneId) => clocks.find((c) => c.zone.id === zoneId)?.verdict,
    claimLeftBehind(zoneId) {
      const c = clocks.find((z) => z.zone.id === zoneId);
      if (!c?.garbageSince) return false;
      if (c.raised) return true;
      c.raised = true;
      return false;
    },
  };
}

/** The verdict as attributes of a case: zoneState, zoneStateScore, zoneStateModelId. */
export function verdictAttributes(v: ZoneVerdict | undefined): Record<string, string | number> {
  if (!v) return {};
  return { [ZONE_STATE_ATTRIBUTE]: v.label, [`${ZONE_STATE_ATTRIBUTE}Score`]: Math.round(v.score * 1000) / 1000, [`${ZONE_STATE_ATTRIBUTE}ModelId`]: v.modelId };
}

/** The zone's bounding box in frame pixels: what the classifier sees of it. */
export function zoneBox(zone: Pick<Zone, 'polygon'>, size: { width: number; height: number }): Box {
  const xs = zone.polygon.map(([x]) => x * size.width);
  const ys = zone.polygon.map(([, y]) => y * size.height);
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}

function zoneStateEvent(cameraId: string, c: ZoneClock, box: Box, now: Date, id: number): RuleEvent {
  const v = c.verdict!;
  const since = c.garbageSince!.toISOString().slice(11, 19);
  return {
    kind: 'violation',
    type: 'exposed_garbage',
    cameraId,
    zoneId: c.zone.id,
    trackId: id,
    label: `${GARBAGE_STATE} (zone state)`,
    startedAt: c.garbageSince!,
    at: now,
    box,
    score: v.score,
    modelId: v.modelId,
    attributes: {
      ...verdictAttributes(v),
      reason: `zone judged "${GARBAGE_STATE}" by ${v.modelId} since ${since} UTC (${c.persistSeconds} s needed)`,
      foundBy: 'zone-state',
    },
  };
}

/** The zone's classifier, or undefined (logged) when it is missing or cannot say "garbage". */
async function usableClassifier(zone: Zone, source: ClassifierSource, log: Logger): Promise<Classifier | undefined> {
  const id = zone.classifier!;
  try {
    const classifier = await source(id);
    if (!classifier) {
      log.error({ zone: zone.id, classifier: id }, 'zone-state classifier not in the manifest: the zone is watched by the background model alone');
      return undefined;
    }
    if (!classifier.model.labels.includes(GARBAGE_STATE)) {
      log.warn({ zone: zone.id, classifier: id, labels: classifier.model.labels }, `zone-state classifier has no "${GARBAGE_STATE}" label: its verdicts are attached, never raised`);
    }
    return classifier;
  } catch (error) {
    log.error({ zone: zone.id, classifier: id, err: (error as Error).message }, 'zone-state classifier unusable: the zone is watched by the background model alone');
    return undefined;
  }
}
