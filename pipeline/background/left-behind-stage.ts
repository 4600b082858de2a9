// The stage of a camera's frame analysis that finds exposed garbage without a garbage detector:
// the zone-state classifiers of its watch zones, then the left-behind watch, merged into one list
// of findings. In a watch zone judged garbage a left-behind thing is that rubbish (one case for
// both), and every finding carries its zone's latest verdict.
import type { CameraConfig } from '../../contracts/camera.ts';
import type { Frame } from '../../contracts/types.ts';
import type { Logger } from '../../infra/logger.ts';
import type { TrackedObject } from '../track/tracked-object.ts';
import { createLeftBehindWatch, type LeftBehindFinding } from './left-behind.ts';
import { manifestZoneClassifiers } from './zone-classifiers.ts';
import { createZoneStateWatch, verdictAttributes, type ClassifierSource } from './zone-state.ts';

export type LeftBehindStage = (frame: Frame, tracks: readonly TrackedObject[]) => Promise<LeftBehindFinding[]>;

export function leftBehindStage(config: Pick<CameraConfig, 'id' | 'zones' | 'rules'>, log: Logger, classifiers: ClassifierSource = manifestZoneClassifiers): LeftBehindStage {
  const leftBehind = createLeftBehindWatch(config);
  const zoneStates = createZoneStateWatch(config, classifiers, log);
  return async (frame, tracks) => {
    const fromZones = await zoneStates.update(frame);
    const leftOver = leftBehind.update(frame, tracks).filter((f) => !zoneStates.claimLeftBehind(f.event.zoneId));
    const findings = [...fromZones, ...leftOver];
    for (const { event } of findings) event.attributes = { ...verdictAttributes(zoneStates.verdict(event.zoneId)), ...event.attributes };
    return findings;
  };
}
