// Drone videos in a survey folder: a video with its DJI .srt beside it (same name, .srt) becomes
// frames, one every few seconds, each a JPEG carrying the telemetry of the moment it shows, written
// the way the drone writes photos (EXIF GPS, DJI XMP RelativeAltitude), so the survey worker reads
// them as it reads photos. A video without its .srt cannot be placed and is skipped with the reason.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import type { Telemetry } from '../../contracts/types.ts';
import { parseDjiSrt, telemetryAt } from './srt.ts';

const run = promisify(execFile);

export const VIDEO_NAME = /\.(mp4|mov|m4v)$/i;

/** The .srt beside a video (DJI_0001.MP4 → DJI_0001.SRT or .srt), or undefined. */
export function srtBeside(video: string): string | undefined {
  const base = video.replace(VIDEO_NAME, '');
  return ['.SRT', '.srt'].map((ext) => base + ext).find((p) => existsSync(p));
}

const dms = (v: number) => {
  const a = Math.abs(v);
  const d = Math.floor(a);
  const m = Math.floor((a - d) * 60);
  const s = Math.round(((a - d) * 60 - m) * 60 * 10000);
  return `${d}/1 ${m}/1 ${s}/10000`;
};

/** A JPEG with the telemetry written as a DJI camera writes it. */
export async function withTelemetry(jpeg: Buffer, t: Telemetry): Promise<Buffer> {
  const exif: Record<string, Record<string, string>> = { IFD0: { Make: 'DJI', ImageDescription: 'frame of a drone video, telemetry from its .srt' } };
  if (t.lat !== undefined && t.lon !== undefined) {
    exif.IFD3 = {
      GPSLatitudeRef: t.lat >= 0 ? 'N' : 'S',
      GPSLatitude: dms(t.lat),
      GPSLongitudeRef: t.lon >= 0 ? 'E' : 'W',
      GPSLongitude: dms(t.lon),
      ...(t.absoluteAltitudeM !== undefined ? { GPSAltitudeRef: '0', GPSAltitude: `${Math.round(Math.abs(t.absoluteAltitudeM) * 100)}/100` } : {}),
    };
  }
  let img = sharp(jpeg).withExif(exif);
  const xmp: Record<string, string> = {};
  if (t.relativeAltitudeM !== undefined) xmp.RelativeAltitude = `${t.relativeAltitudeM >= 0 ? '+' : ''}${t.relativeAltitudeM.toFixed(2)}`;
  if (t.gimbalPitchDeg !== undefined) xmp.GimbalPitchDegree = t.gimbalPitchDeg.toFixed(1);
  if (t.gimbalYawDeg !== undefined) xmp.GimbalYawDegree = t.gimbalYawDeg.toFixed(1);
  if (Object.keys(xmp).length) {
    const attrs = Object.entries(xmp).map(([k, v]) => `drone-dji:${k}="${v}"`).join(' ');
    img = img.withXmp(
      `<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">` +
        `<rdf:Description rdf:about="DJI Meta Data" xmlns:drone-dji="http://www.dji.com/drone-dji/1.0/" ${attrs}/></rdf:RDF></x:xmpmeta><?xpacket end="w"?>`,
    );
  }
  return img.jpeg({ quality: 92 }).toBuffer();
}

/**
 * Frames of `video` every `everySeconds`, into `outDir`, each with the .srt telemetry of its time.
 * Returns the frame files in order. Throws (SrtError) naming the .srt line that is not a cue.
 */
export async function framesFromVideo(video: string, srt: string, outDir: string, everySeconds = 2): Promise<string[]> {
  const cues = parseDjiSrt(await readFile(srt, 'utf8'), srt);
  const stem = path.basename(video).replace(VIDEO_NAME, '');
  const raw = path.join(outDir, `${stem}.raw`);
  await mkdir(raw, { recursive: true });
  // A frame at 0, every, 2*every … (the select filter keeps the first frame at or after each mark).
  await run('ffmpeg', ['-nostdin', '-v', 'error', '-y', '-i', video, '-vf', `fps=1/${everySeconds}:round=down`, '-q:v', '2', path.join(raw, '%05d.jpg')]);
  const files = (await readdir(raw)).filter((f) => f.endsWith('.jpg')).sort();
  const out: string[] = [];
  for (const [i, f] of files.entries()) {
    const seconds = i * everySeconds;
    const t = telemetryAt(cues, seconds * 1000) ?? {};
    const file = path.join(outDir, `${stem}_t${String(seconds).padStart(5, '0')}s.jpg`);
    await writeFile(file, await withTelemetry(await readFile(path.join(raw, f)), t));
    out.push(file);
  }
  return out;
}
