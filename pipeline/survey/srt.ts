// DJI video telemetry subtitles (.srt): one cue per frame or second with the position. Two layouts
// exist in the wild: "GPS (lon, lat, alt)" on older models and "[latitude: …] [longitude: …]
// [rel_alt: … abs_alt: …]" on newer ones. Frames of a drone video are located by their time.
import type { Telemetry } from '../../contracts/types.ts';

export interface SrtCue {
  index: number;
  startMs: number;
  endMs: number;
  telemetry: Telemetry;
}

export class SrtError extends Error {
  override name = 'SrtError';
}

export function parseDjiSrt(text: string, source: string): SrtCue[] {
  const cues: SrtCue[] = [];
  const lines = text.replace(/\r/g, '').split('\n');
  for (let i = 0; i < lines.length; ) {
    if (!lines[i]!.trim()) {
      i++;
      continue;
    }
    const first = i;
    const block: string[] = [];
    while (i < lines.length && lines[i]!.trim()) block.push(lines[i++]!);
    const times = /(\d+):(\d+):(\d+)[,.](\d+)\s*-->\s*(\d+):(\d+):(\d+)[,.](\d+)/.exec(block[1] ?? '');
    if (!/^\d+$/.test(block[0]!.trim()) || !times) {
      throw new SrtError(`${source}:${first + 1}: not an SRT cue (index line, then "00:00:00,000 --> 00:00:01,000")`);
    }
    const ms = (h: string, m: string, s: string, f: string) => ((Number(h) * 60 + Number(m)) * 60 + Number(s)) * 1000 + Number(f);
    cues.push({
      index: Number(block[0]),
      startMs: ms(times[1]!, times[2]!, times[3]!, times[4]!),
      endMs: ms(times[5]!, times[6]!, times[7]!, times[8]!),
      telemetry: cueTelemetry(block.slice(2).join(' ')),
    });
  }
  return cues;
}

function cueTelemetry(body: string): Telemetry {
  const t: Telemetry = {};
  const old = /GPS\s*\(\s*([+-]?[\d.]+)\s*,\s*([+-]?[\d.]+)\s*,\s*([+-]?[\d.]+)\s*\)/.exec(body);
  if (old) {
    t.lon = Number(old[1]);
    t.lat = Number(old[2]);
  }
  const field = (name: string) => {
    const m = new RegExp(`${name}\\s*:\\s*([+-]?[\\d.]+)`).exec(body);
    return m ? Number(m[1]) : undefined;
  };
  const lat = field('latitude');
  const lon = field('longitude');
  if (lat !== undefined && lon !== undefined) {
    t.lat = lat;
    t.lon = lon;
  }
  // Old layout: "H 0.00m" is the height above take-off.
  const relative = field('rel_alt') ?? (/\bH\s+([+-]?[\d.]+)m/.exec(body) ? Number(/\bH\s+([+-]?[\d.]+)m/.exec(body)![1]) : undefined);
  if (relative !== undefined) t.relativeAltitudeM = relative;
  const absolute = field('abs_alt') ?? (old ? Number(old[3]) : undefined);
  if (absolute !== undefined) t.absoluteAltitudeM = absolute;
  return t;
}

/** The telemetry of the cue covering `ms` into the video (the last one before it if none covers it). */
export function telemetryAt(cues: readonly SrtCue[], ms: number): Telemetry | undefined {
  let best: SrtCue | undefined;
  for (const c of cues) {
    if (c.startMs <= ms) best = c;
    if (c.startMs <= ms && ms < c.endMs) return c.telemetry;
  }
  return best?.telemetry;
}
