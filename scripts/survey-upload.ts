// Uploads a folder of drone photos to a survey, then waits for the analysis and prints the report:
//   npm run survey:upload -- <dir> --survey <id> [--retry-failed] [--api URL] [--key KEY]
//   npm run survey:upload -- <dir> --create "East district 3 March" [--flown-at ISO] [--flight-height 80] [--zones zones.json]
//
// A video in the folder with its DJI .srt beside it (DJI_0007.MP4 + DJI_0007.SRT) is sent as frames,
// one every --video-every seconds (default 2), each carrying the position of its moment. Without
// --flown-at the photos' own clocks say when the survey was flown (else the upload time, said so).
//
// Resumable: it asks the survey which images (by sha256) it already has and sends only the others,
// so an interrupted upload is simply run again. The key needs the operator role (API_KEY env works
// too). --retry-failed also analyses the survey's failed images again (after an outage, or once
// their cause is fixed). Progress goes to stderr, the report to stdout (--json for the whole report as JSON).
import { rmSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { listImages, surveyApiClient, SurveyUploadError, uploadSurveyImages } from '../pipeline/survey/upload-folder.ts';
import { framesFromVideo, srtBeside, VIDEO_NAME } from '../pipeline/survey/video-frames.ts';
import { parseCli, usageError } from './cli/args.ts';

const cli = {
  command: 'npm run survey:upload',
  usage: `usage: npm run survey:upload -- <dir> (--survey <id> [--retry-failed] | --create <name> [--flown-at ISO] [--flight-height M] [--zones FILE] [--operator NAME])
         [--video-every SECONDS] [--api URL] [--key KEY] [--wait SECONDS] [--json]`,
};

const { values, positionals } = parseCli({
  ...cli,
  positionals: true,
  options: {
    survey: { type: 'string' },
    create: { type: 'string' },
    api: { type: 'string', default: process.env.API_URL ?? 'http://127.0.0.1:8080' },
    key: { type: 'string', default: process.env.API_KEY },
    'flown-at': { type: 'string' },
    'flight-height': { type: 'string' },
    zones: { type: 'string' },
    operator: { type: 'string' },
    wait: { type: 'string', default: '600', description: 'seconds to wait for the analysis (0: do not wait)' },
    json: { type: 'boolean', default: false },
    'retry-failed': { type: 'boolean', default: false },
    'video-every': { type: 'string', default: '2', description: 'seconds between the frames taken from a video (with its .srt)' },
  },
});

function die(message: string, code = 2): never {
  process.stderr.write(`survey-upload: ${message}\n`);
  process.exit(code);
}

const dir = positionals[0];
if (!dir) usageError(cli, 'no folder of images given');
if (positionals.length > 1) usageError(cli, `one folder at a time, got ${positionals.length}`);
if (!values.survey === !values.create) usageError(cli, 'give either --survey <id> or --create <name>');
if (!values.key) usageError(cli, 'an API key with the operator role is needed (--key or API_KEY)');

const client = surveyApiClient(values.api!, values.key);
async function api<T>(method: string, route: string, body?: unknown): Promise<T> {
  try {
    return await client.call<T>(method, route, body);
  } catch (err) {
    die((err as Error).message);
  }
}

function progress(done: number, total: number, bytes: number, totalBytes: number, name: string): void {
  const width = 24;
  const filled = total ? Math.round((width * done) / total) : width;
  const mb = (n: number) => (n / 1024 / 1024).toFixed(1);
  process.stderr.write(`\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total} files  ${mb(bytes)}/${mb(totalBytes)} MB  ${name.slice(0, 40).padEnd(40)}`);
}

const listed = await listImages(path.resolve(dir));
const images = [...listed.images];
// Videos with their DJI .srt beside them go up as frames carrying the telemetry of their moment.
const framesDir = await mkdtemp(path.join(os.tmpdir(), 'survey-upload-frames-'));
process.on('exit', () => rmSync(framesDir, { recursive: true, force: true }));
for (const s of listed.skipped) {
  const shown = path.relative(process.cwd(), s);
  if (!VIDEO_NAME.test(s)) {
    if (!/\.srt$/i.test(s)) process.stderr.write(`skipping ${shown}: not a JPEG, PNG, TIFF or video by its name\n`);
    continue;
  }
  const srt = srtBeside(s);
  if (!srt) {
    process.stderr.write(`skipping ${shown}: a video is placed by the DJI .srt beside it, and there is none (${path.basename(s).replace(VIDEO_NAME, '.SRT')})\n`);
    continue;
  }
  try {
    const frames = await framesFromVideo(s, srt, framesDir, Number(values['video-every']));
    process.stderr.write(`${shown}: ${frames.length} frames, one every ${values['video-every']} s, positions from ${path.basename(srt)}\n`);
    images.push(...frames);
  } catch (err) {
    process.stderr.write(`skipping ${shown}: ${(err as Error).message}\n`);
  }
}
if (images.length === 0) die(`no JPEG, PNG or TIFF files, nor videos with their .srt, in ${dir}`);

let upload: Awaited<ReturnType<typeof uploadSurveyImages>>;
try {
  upload = await uploadSurveyImages({
    api: values.api!,
    key: values.key,
    images,
    survey: values.create
      ? {
          create: {
            name: values.create,
            ...(values['flown-at'] ? { flownAt: values['flown-at'] } : {}),
            ...(values['flight-height'] ? { flightHeightM: Number(values['flight-height']) } : {}),
            ...(values.operator ? { operator: values.operator } : {}),
            ...(values.zones ? { zones: JSON.parse(await readFile(values.zones, 'utf8')) } : {}),
          },
        }
      : { id: values.survey! },
    onCreated: (id) => process.stderr.write(`created survey ${id} "${values.create}"\n`),
    onProgress: progress,
    onRefused: (message) => process.stderr.write(`\nrefused ${message}\n`),
    onFlownAt: (flownAt, source, detail) => process.stderr.write(`flown at ${flownAt} (${source === 'photos' ? 'from' : 'the upload time:'} ${detail})\n`),
  });
} catch (err) {
  die(err instanceof SurveyUploadError ? err.message : String(err));
}
const { surveyId, sent, already, refused } = upload;
process.stderr.write(`\nsurvey ${surveyId}: ${sent} uploaded, ${already} already there, ${refused.length} refused\n`);
if (values['retry-failed']) {
  const retried = await api<{ requeued: Array<{ fileName: string }> }>('POST', `/v1/surveys/${surveyId}/retry-failed`);
  process.stderr.write(`retrying ${retried.requeued.length} failed image(s)${retried.requeued.length ? `: ${retried.requeued.map((i) => i.fileName).join(', ')}` : ''}\n`);
}

type Report = {
  id: string; name: string;
  progress: { images: number; queued: number; analysing?: number; done: number; failed: number; complete: boolean };
  failed: Array<{ fileName: string; error: string }>;
  cases: { found: number; byType: Record<string, number>; violationsReported: number; awaitingDelivery: number };
  detector: { statement: string };
  analysis: Array<{ type: string; analysed: boolean; detail: string }> | { statement: string };
  images?: Array<{
    fileName: string; status: string; error?: string; warnings: string[];
    telemetry?: { read: boolean; absent?: string; lat?: number; lon?: number; relativeAltitudeM?: number; altitudeSource?: string; gimbalPitchDeg?: number };
    geolocated?: boolean; notGeolocated?: string;
    detections: Array<{ label: string; score: number; kept: boolean; location?: { lat: number; lon: number; accuracyM: number } }>;
    violations: unknown[];
  }>;
};

const waitSeconds = Number(values.wait);
const deadline = Date.now() + waitSeconds * 1000;
let report = await api<Report>('GET', `/v1/surveys/${surveyId}`);
while (waitSeconds > 0 && (!report.progress.complete || report.cases.awaitingDelivery > 0) && Date.now() < deadline) {
  const p = report.progress;
  const now = p.analysing !== undefined ? ` (${p.analysing} being analysed)` : '';
  process.stderr.write(`\ranalysing: ${p.done} done, ${p.failed} failed, ${p.queued} queued${now}; ${report.cases.awaitingDelivery} cases on their way   `);
  await new Promise((r) => setTimeout(r, 1000));
  report = await api<Report>('GET', `/v1/surveys/${surveyId}`);
}
process.stderr.write('\n');

if (values.json) {
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
} else {
  const p = report.progress;
  const out: string[] = [];
  out.push(`survey ${report.id} "${report.name}": ${p.images} images, ${p.done} done, ${p.failed} failed, ${p.queued} queued${p.complete ? '' : ' (not finished: is a survey worker running?)'}`);
  out.push(`cases found: ${report.cases.found}${Object.keys(report.cases.byType).length ? ` (${Object.entries(report.cases.byType).map(([t, n]) => `${t} ${n}`).join(', ')})` : ''}; sightings reported ${report.cases.violationsReported}, awaiting delivery ${report.cases.awaitingDelivery}`);
  out.push(`detector: ${report.detector.statement}`);
  if (Array.isArray(report.analysis)) for (const a of report.analysis) out.push(`  ${a.type}: ${a.detail}`);
  else out.push(`  ${report.analysis.statement}`);
  for (const img of report.images ?? []) {
    out.push(`${img.fileName}: ${img.status}${img.error ? ` — ${img.error}` : ''}`);
    const t = img.telemetry;
    if (t) {
      out.push(
        t.read
          ? `  telemetry: ${t.lat !== undefined ? `${t.lat.toFixed(6)}, ${t.lon!.toFixed(6)}` : 'no position'}${t.relativeAltitudeM !== undefined ? `, ${t.relativeAltitudeM} m above ground (${t.altitudeSource})` : ''}${t.gimbalPitchDeg !== undefined ? `, pitch ${t.gimbalPitchDeg}°` : ''}`
          : `  telemetry: none — ${t.absent}`,
      );
      out.push(img.geolocated ? '  geolocated: yes' : `  geolocated: no — ${img.notGeolocated}`);
    }
    for (const w of img.warnings) out.push(`  warning: ${w}`);
    for (const d of img.detections) {
      out.push(`  ${d.kept ? '*' : ' '} ${d.label} ${d.score.toFixed(2)}${d.location ? ` at ${d.location.lat.toFixed(6)}, ${d.location.lon.toFixed(6)} ±${d.location.accuracyM} m` : ' (not located)'}`);
    }
  }
  for (const r of refused) out.push(`refused at upload: ${r}`);
  if (p.failed > 0) out.push(`${p.failed} image(s) failed: once the cause is fixed, run again with --survey ${report.id} --retry-failed`);
  process.stdout.write(`${out.join('\n')}\n`);
}
process.exit(refused.length > 0 || report.progress.failed > 0 ? 1 : 0);
