// What kind of source a camera URL names. Live sources (RTSP, HTTP streams) are restarted when
// they end or stall; a file is a replay: read once, as fast as it decodes, with scene time taken
// from its own timestamps.
import { fileURLToPath } from 'node:url';

export type SourceKind = 'rtsp' | 'http' | 'file';

export function sourceKind(url: string): SourceKind {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  if (scheme === 'rtsp' || scheme === 'rtsps') return 'rtsp';
  if (scheme === 'http' || scheme === 'https') return 'http';
  return 'file';
}

/** The input ffmpeg is given: a local path for file:// URLs, the URL otherwise. */
export function ffmpegInput(url: string): string {
  return /^file:\/\//i.test(url) ? fileURLToPath(url) : url;
}
