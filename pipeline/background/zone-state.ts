// Zone-state watch: a watch zone's crop (beside bins, a corner where rubbish is dumped) classified
// on a schedule by a zone-state classifier of the manifest (labels such as clean / garbage / …,
// attribute `zoneState`, trained with `npm run train -- classifier` on reviewers' zone snapshots).
// The zone names it by id, or by attribute (`zoneState`: whichever version is live); the name is
// resolved again at every classification, so a promotion or rollback reaches a running camera.
// A `garbage` verdict held for the zone's persistSeconds raises exposed_garbage without any garbage
// detector; the zone's latest verdict is also attached to left-behind candidates in it.
//
// - The schedule is scene time (the frame's capture time), like every dwell: one classification
//   per classifyEverySeconds at most, on the first analysed frame after it is due.
// - One case per garbage episode: the zone must be judged something else before it can raise again;
//   a left-behind thing found in the zone during the episode is that case, or joins it.
// - A classifier that is missing or cannot be used is logged once per reason and model; the zone is
//   then watched by the background model alone (no verdict attached) until one can be used. A run
//   that fails (a model closed under it, a broken file) never stops the camera.
import type { CameraConfig, Zone } from '../../contracts/camera.ts';
import type { Box, Frame } from '../../contracts/types.ts';
import type { Logger } from '../../infra/logger.ts';
import type { Classifier } from '../classify/classifier.ts';
import { toRawImage, type RawImage } from '../detect/crop.ts';
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

/** A plain lookup by name whose classifiers stay open as long as the process (tests, the repo manifest). */
export type ClassifierLookup = (name: string) => Promise<Classifier | undefined>;

/**
 * A source whose classifiers may be replaced while a camera runs (a model registry's hot reloads):
 * `withClassifier` resolves the zone's name now and keeps that classifier open until `run` settles.
 */
export interface ZoneClassifierSource {
  withClassifier<T>(name: string, run: (classifier: Classifier | undefined) => Promise<T>): Promise<T>;
}

export type ClassifierSource = ClassifierLookup | ZoneClassifierSource;

/** What a due classification came to: a verdict, or why there is none (logged when it changes). */
type Outcome = { verdict?: Omit<ZoneVerdict, 'at'>; usable: boolean; state: string; tell: () => void };

interface ZoneClock {
  zone: Zone;
  everySeconds: number;
  persistSeconds: number;
  lastRunAt?: Date;
  /** The outcome last logged (reason and model id): one line per change, not per classification. */
  told?: string;
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
      raised: false,
    }));
  const withClassifier = runnerOf(source);
  let nextId = FIRST_ID;

  return {
    async update(frame) {
      const now = frame.capturedAt;
      const findings: ZoneStateFinding[] = [];
      let image: Promise<RawImage> | undefined;
      const raw = () => (image ??= toRawImage(frame));
      for (const c of clocks) {
        if (c.lastRunAt && (now.getTime() - c.lastRunAt.getTime()) / 1000 < c.everySeconds) continue;
        // Due even when it fails: a missing or broken classifier is asked again on the schedule, not every frame.
        c.lastRunAt = now;
        const box = zoneBox(c.zone, frame);
        const outcome = await classifyZone(c.zone, withClassifier, raw, box, log);
        if (outcome.state !== c.told) {
          c.told = outcome.state;
          outcome.tell();
        }
        // Watched by the background model alone meanwhile: no verdict to attach. The episode is kept,
        // so a classifier back (a reload) that still judges garbage does not raise it a second time.
        if (!outcome.usable) c.verdict = undefined;
        if (!outcome.verdict) continue;
        c.verdict = { ...outcome.verdict, at: now };
        if (outcome.verdict.label !== GARBAGE_STATE) {
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
      if (!c?.garbageSince || !c.verdict) return false;
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

type Runner = ZoneClassifierSource['withClassifier'];

function runnerOf(source: ClassifierSource): Runner {
  if (typeof source !== 'function') return (name, run) => source.withClassifier(name, run);
  return async (name, run) => run(await source(name));
}

/**
 * One classification of the zone by the classifier its name resolves to now. Nothing thrown gets
 * out: a classifier that cannot be opened, or fails mid-run, leaves the camera running.
 */
async function classifyZone(zone: Zone, withClassifier: Runner, raw: () => Promise<RawImage>, box: Box, log: Logger): Promise<Outcome> {
  const name = zone.classifier!;
  try {
    return await withClassifier(name, async (classifier): Promise<Outcome> => {
      if (!classifier) {
        const tell = () =>
          log.error({ zone: zone.id, classifier: name }, `zone-state classifier not in the manifest (no classifier with id or attribute "${name}"): the zone is watched by the background model alone`);
        return { usable: false, state: 'missing', tell };
      }
      const modelId = classifier.model.id;
      const canRaise = classifier.model.labels.includes(GARBAGE_STATE);
      const tell = canRaise
        ? () => log.info({ zone: zone.id, classifier: name, model: modelId }, 'zone judged by zone-state classifier')
        : () => log.warn({ zone: zone.id, classifier: name, model: modelId, labels: classifier.model.labels }, `zone-state classifier has no "${GARBAGE_STATE}" label: its verdicts are attached, never raised`);
      const result = await classifier.classifyBox(await raw(), box);
      const state = `${canRaise ? 'ok' : 'no-garbage'}:${modelId}`;
      return result ? { verdict: { label: result.label, score: result.score, modelId }, usable: true, state, tell } : { usable: true, state, tell };
    });
  } catch (error) {
    const err = (error as Error).message;
    const tell = () => log.error({ zone: zone.id, classifier: name, err }, 'zone-state classifier unusable: the zone is watched by the background model alone');
    return { usable: false, state: `error:${err}`, tell };
  }
}
