// Prometheus metrics of the camera workers, in a registry the worker owns (never prom-client's
// global one, so two workers in one process or in tests do not collide).
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface CameraMetrics {
  registry: Registry;
  framesDetected: Counter<'camera'>;
  framesSkipped: Counter<'camera'>;
  framesDropped: Counter<'camera'>;
  restarts: Counter<'camera'>;
  streamFps: Gauge<'camera'>;
  streamUp: Gauge<'camera'>;
  analysisLag: Gauge<'camera'>;
  events: Counter<'camera' | 'type' | 'kind'>;
  sinkFailures: Counter<'camera'>;
  /** session.run time per model (the registry's detectors), seconds. */
  inference: Histogram<'model'>;
  /** Frames per detector call: frames of several cameras that waited go through the model together. */
  detectorBatch: Histogram;
}

export function createCameraMetrics(registry = new Registry()): CameraMetrics {
  const r = [registry];
  return {
    registry,
    framesDetected: new Counter({ name: 'camera_frames_detected_total', help: 'Frames the detector ran on', labelNames: ['camera'], registers: r }),
    framesSkipped: new Counter({ name: 'camera_frames_skipped_total', help: 'Frames skipped by motion gating', labelNames: ['camera'], registers: r }),
    framesDropped: new Counter({ name: 'camera_frames_dropped_total', help: 'Live frames replaced by newer ones before analysis', labelNames: ['camera'], registers: r }),
    restarts: new Counter({ name: 'camera_stream_restarts_total', help: 'Stream (ffmpeg) restarts', labelNames: ['camera'], registers: r }),
    streamFps: new Gauge({ name: 'camera_stream_fps', help: 'Frames delivered per second, last 10 s', labelNames: ['camera'], registers: r }),
    streamUp: new Gauge({ name: 'camera_stream_up', help: '1 while the stream delivers frames', labelNames: ['camera'], registers: r }),
    analysisLag: new Gauge({ name: 'camera_analysis_lag_seconds', help: 'From frame delivery to the end of its analysis, last frame', labelNames: ['camera'], registers: r }),
    events: new Counter({ name: 'camera_rule_events_total', help: 'Warnings and violations raised', labelNames: ['camera', 'type', 'kind'], registers: r }),
    sinkFailures: new Counter({ name: 'camera_sink_failures_total', help: 'Violations the sink refused after retries', labelNames: ['camera'], registers: r }),
    inference: new Histogram({
      name: 'detector_inference_seconds',
      help: 'Model inference (session.run) time per frame and model',
      labelNames: ['model'],
      buckets: [0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2],
      registers: r,
    }),
    detectorBatch: new Histogram({
      name: 'detector_batch_frames',
      help: 'Frames per detector call (one session.run per model for the batch)',
      buckets: [1, 2, 3, 4, 6, 8, 16],
      registers: r,
    }),
  };
}
