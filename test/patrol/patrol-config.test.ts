// The patrol fields of a camera config: accepted as documented, refused with the camera and field named.
import { expect, it } from 'vitest';
import { CameraConfigError, parseCameraConfig } from '../../contracts/camera.ts';
import { createGrabber, grabMethod } from '../../pipeline/patrol/choose-grabber.ts';

const camera = (analysis: unknown) => ({
  id: 'gate-3',
  url: 'rtsp://admin:pw@10.0.0.5/stream1',
  analysis,
  zones: [{ id: 'kerb', kind: 'no_parking', polygon: [[0, 0], [1, 0], [1, 1]] }],
});
const problem = (analysis: unknown) => {
  try {
    parseCameraConfig(camera(analysis), 'cams/gate-3.json');
  } catch (error) {
    expect(error).toBeInstanceOf(CameraConfigError);
    return (error as Error).message;
  }
  throw new Error('accepted');
};

it('accepts a patrol camera and picks its grab method', () => {
  const snap = parseCameraConfig(camera({ mode: 'patrol', everySeconds: 30, snapshotUrl: ' http://admin:pw@10.0.0.5/ISAPI/Streaming/channels/101/picture ' }), 'test');
  expect(snap.analysis).toEqual({ mode: 'patrol', everySeconds: 30, snapshotUrl: 'http://admin:pw@10.0.0.5/ISAPI/Streaming/channels/101/picture' });
  expect(grabMethod(snap)).toBe('snapshot');
  expect(createGrabber(snap).method).toBe('snapshot');
  const kf = parseCameraConfig(camera({ mode: 'patrol' }), 'test');
  expect(grabMethod(kf)).toBe('keyframe');
  expect(createGrabber(kf).method).toBe('keyframe');
  // A snapshot URL may be kept while the stream is grabbed.
  expect(grabMethod(parseCameraConfig(camera({ mode: 'patrol', grab: 'keyframe', snapshotUrl: 'https://10.0.0.5/snap.jpg' }), 'test'))).toBe('keyframe');
  expect(parseCameraConfig(camera({ mode: 'continuous', fps: 2 }), 'test').analysis).toEqual({ fps: 2, mode: 'continuous' });
});

it('refuses bad patrol fields, naming the camera and the field', () => {
  expect(problem({ mode: 'patrolling' })).toBe('cams/gate-3.json: camera "gate-3", analysis.mode: must be "continuous" or "patrol", got "patrolling"');
  expect(problem({ mode: 'patrol', everySeconds: 0 })).toBe('cams/gate-3.json: camera "gate-3", analysis.everySeconds: must be a number from 1 to 3600, got 0');
  expect(problem({ mode: 'patrol', everySeconds: '30' })).toBe('cams/gate-3.json: camera "gate-3", analysis.everySeconds: must be a number from 1 to 3600, got "30"');
  expect(problem({ mode: 'patrol', grab: 'kept' })).toBe('cams/gate-3.json: camera "gate-3", analysis.grab: must be one of snapshot, keyframe, session, got "kept"');
  expect(problem({ mode: 'patrol', grab: 'snapshot' })).toBe(`cams/gate-3.json: camera "gate-3", analysis.snapshotUrl: is required for grab "snapshot" (the camera's JPEG snapshot URL)`);
  expect(problem({ everySeconds: 30 })).toBe('cams/gate-3.json: camera "gate-3", analysis.everySeconds: applies to patrol only: set analysis.mode to "patrol"');
  expect(problem({ mode: 'continuous', snapshotUrl: 'http://x/s.jpg' })).toBe('cams/gate-3.json: camera "gate-3", analysis.snapshotUrl: applies to patrol only: set analysis.mode to "patrol"');
  expect(problem({ mode: 'patrol', every: 30 })).toMatch(/analysis\.every: is not a known field/);
});

it('refuses a snapshot URL that is not HTTP without echoing its password', () => {
  const rtsp = problem({ mode: 'patrol', snapshotUrl: 'rtsp://admin:hunter2@10.0.0.5/snap' });
  expect(rtsp).toBe(`cams/gate-3.json: camera "gate-3", analysis.snapshotUrl: must be an http:// or https:// URL of the camera's JPEG snapshot, without spaces`);
  expect(problem({ mode: 'patrol', snapshotUrl: 'http://admin:hunter2@10.0.0.5/a b.jpg' })).not.toContain('hunter2');
  expect(problem({ mode: 'patrol', snapshotUrl: 42 })).toMatch(/analysis\.snapshotUrl: .*got 42$/);
  expect(problem({ mode: 'patrol', snapshotUrl: 'http://[::1/snap.jpg' })).toBe('cams/gate-3.json: camera "gate-3", analysis.snapshotUrl: is not a valid URL');
});
