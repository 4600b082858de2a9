// The camera's rule zone travels with the violation (violationOf), so the evidence can outline it.
import { describe, expect, it } from 'vitest';
import type { Zone } from '../../contracts/camera.ts';
import { violationOf } from '../../pipeline/cameras/rule-event-reports.ts';
import type { RuleEvent } from '../../pipeline/rules/rule-types.ts';
import { frameFromSample } from '../support/frames.ts';

describe('the zone on a camera violation', () => {
  it('carries the polygon and name of the zone that raised it, and nothing without one', async () => {
    const frame = await frameFromSample('darknet/dog.jpg', 'cam-1', new Date('2026-05-04T01:00:30Z'));
    const event: RuleEvent = { kind: 'violation', type: 'illegal_parking', cameraId: 'cam-1', zoneId: 'kerb', trackId: 4, label: 'truck', startedAt: new Date('2026-05-04T01:00:00Z'), at: frame.capturedAt, box: [466, 74, 683, 171], score: 0.5 };
    const zone: Zone = { id: 'kerb', name: 'Far kerb', kind: 'no_parking', polygon: [[0.55, 0.1], [0.95, 0.1], [0.95, 0.4], [0.55, 0.4]] };
    const context = { cameraId: 'cam-1', track: undefined, frame, firstFrame: undefined, detectorId: 'nanodet-coco-416', place: {} };
    expect(violationOf(event, { ...context, zone }).zoneOutline).toEqual({ polygon: zone.polygon, name: 'Far kerb' });
    expect(violationOf(event, { ...context, zone: { id: 'kerb', polygon: zone.polygon } }).zoneOutline?.name).toBe('kerb');
    expect(violationOf(event, context).zoneOutline).toBeUndefined();
  });
});
