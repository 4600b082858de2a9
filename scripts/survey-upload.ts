// Uploads a folder of drone photos to a survey, then waits for the analysis and prints the report:
//   npm run survey:upload -- <dir> --survey <id> [--api URL] [--key KEY]
//   npm run survey:upload -- <dir> --create "East district 3 March" [--flown-at ISO] [--flight-height 80] [--zones zones.json]
//
// Resumable: it asks the survey which images (by sha256) it already has and sends only the others,
// so an interrupted upload is simply run again. The key needs the operator role (API_KEY env works
// too). Progress goes to stderr, the report to stdout (--json for the whole report as JSON).
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';

const IMAGE_NAME = /\.(jpe?g|png|tiff?)$/i;

const { values, positionals } = parseArgs({
  allowPositionals: true,
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
  },
});

function die(message: string, code = 2): never {
  process.stderr.write(`survey-upload: ${message}\n`);
  process.exit(code);
}

const dir = positionals[0];
if (!dir) die('usage: survey:upload -- <dir> (--survey <id> | --create <name>) [--api URL] [--key KEY]');
if (!values.survey === !values.create) die('give either --survey <id> or --create <name>');
if (!values.key) die('an API key with the operator role is needed (--key or API_KEY)');
const base = values.api!.replace(/\/$/, '');
const headers = { authorization: `Bearer ${values.key}` };

async function api<T>(method: string, route: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${base}${route}`, {
      method,
      headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  } catch (err) {
    die(`API unreachable at ${base}: ${(err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message}`);
  }
  const text = await res.text();
  if (!res.ok) die(`${method} ${route}: ${res.status} ${text.slice(0, 500)}`);
  return JSON.parse(text) as T;
}

async function listImages(root: string): Promise<{ images: string[]; skipped: string[] }> {
  const images: string[] = [];
  const skipped: string[] = [];
  const walk = async (d: string) => {
    for (const e of (await readdir(d, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) (IMAGE_NAME.test(e.name) ? images : skipped).push(p);
    }
  };
  await walk(root);
  return { images, skipped };
}

function sha256File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(file).on('data', (c) => h.update(c)).on('end', () => resolve(h.digest('hex'))).on('error', reject);
  });
}

function progress(done: number, total: number, bytes: number, totalBytes: number, name: string): void {
  const width = 24;
  const filled = total ? Math.round((width * done) / total) : width;
  const mb = (n: number) => (n / 1024 / 1024).toFixed(1);
  process.stderr.write(`\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total} files  ${mb(bytes)}/${mb(totalBytes)} MB  ${name.slice(0, 40).padEnd(40)}`);
}

const { images, skipped } = await listImages(path.resolve(dir));
for (const s of skipped) process.stderr.write(`skipping ${path.relative(process.cwd(), s)}: not a JPEG, PNG or TIFF by its name\n`);
if (images.length === 0) die(`no JPEG, PNG or TIFF files in ${dir}`);

let surveyId = values.survey;
if (values.create) {
  const zones = values.zones ? JSON.parse(await readFile(values.zones, 'utf8')) : undefined;
  const created = await api<{ id: string }>('POST', '/v1/surveys', {
    name: values.create,
    flownAt: values['flown-at'] ?? new Date().toISOString(),
    ...(values['flight-height'] ? { flightHeightM: Number(values['flight-height']) } : {}),
    ...(values.operator ? { operator: values.operator } : {}),
    ...(zones ? { zones } : {}),
  });
  surveyId = String(created.id);
  process.stderr.write(`created survey ${surveyId} "${values.create}"\n`);
}

const have = new Set((await api<{ items: Array<{ sha256: string }> }>('GET', `/v1/surveys/${surveyId}/images`)).items.map((i) => i.sha256));
const sizes = await Promise.all(images.map(async (f) => (await stat(f)).size));
const totalBytes = sizes.reduce((a, b) => a + b, 0);
let sent = 0;
let bytesDone = 0;
let already = 0;
const refused: string[] = [];
for (const [i, file] of images.entries()) {
  const name = path.basename(file);
  progress(i, images.length, bytesDone, totalBytes, name);
  const sha = await sha256File(file);
  if (have.has(sha)) {
    already++;
  } else {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(await readFile(file))]), name);
    const res = await fetch(`${base}/v1/surveys/${surveyId}/images`, { method: 'POST', headers, body: form }).catch((err: Error) => die(`upload of ${name} failed: ${err.message}`));
    const body = (await res.json().catch(() => ({}))) as { message?: string };
    if (res.ok) sent++;
    else {
      refused.push(`${name}: ${body.message ?? res.status}`);
      process.stderr.write(`\nrefused ${body.message ?? `${name}: HTTP ${res.status}`}\n`);
    }
  }
  bytesDone += sizes[i]!;
}
progress(images.length, images.length, bytesDone, totalBytes, 'done');
process.stderr.write(`\nsurvey ${surveyId}: ${sent} uploaded, ${already} already there, ${refused.length} refused\n`);

type Report = {
  id: string; name: string;
  progress: { images: number; queued: number; done: number; failed: number; complete: boolean };
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
  process.stderr.write(`\ranalysing: ${report.progress.done} done, ${report.progress.failed} failed, ${report.progress.queued} queued; ${report.cases.awaitingDelivery} cases on their way   `);
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
  process.stdout.write(`${out.join('\n')}\n`);
}
process.exit(refused.length > 0 || report.progress.failed > 0 ? 1 : 0);
