// The loopback RTSP server the camera tests use: the product's own (pipeline/ingest/), which the
// demo also serves its sample cameras with.
export {
  startLoopbackRtspServer as startRtspServer,
  stillVideo,
  h264Video,
  type LoopbackRtspServer as TestRtspServer,
} from '../../pipeline/ingest/loopback-rtsp-server.ts';
