// Compares two orthomosaics of the same place (GeoTIFF, each optionally with its surface model)
// and lists the places that changed, largest score first:
//   npm run survey:compare -- --before A.tif --after B.tif [--before-dsm A_dsm.tif --after-dsm B_dsm.tif] [--json]
// Candidates are lon/lat polygons with area in m²; the report says which inputs were used and
// what was reprojected, resampled or realigned to compare them. Bad input exits 1 naming the file.
// With --cases, candidates outside the --permitted layer and above --min-case-area become
// illegal_construction cases on the dispatch queue, and the ranked list of them is printed.
import { compareOrthomosaics, DEFAULT_ORTHO_SETTINGS, type OrthoSettings } from '../pipeline/change/compare-orthomosaics.ts';
import { ChangeInputError } from '../pipeline/change/load-image.ts';
import { parseCli, usageError } from './cli/args.ts';
import { raiseCases, raisePhotoCases, readPermitted } from './survey-compare/raise-cases.ts';
import { comparePhotoFolders, photoLines } from './survey-compare/photos.ts';
import { canonicalTimeZone } from '../contracts/time-zone.ts';
import { DEFAULT_CONSTRUCTION_RULE } from '../pipeline/change/construction-rule.ts';
import type { ConstructionReport } from '../pipeline/change/construction-cases.ts';

const cli = {
  command: 'npm run survey:compare',
  usage: `usage: npm run survey:compare -- --before A.tif --after B.tif [--before-dsm A_dsm.tif --after-dsm B_dsm.tif]
       npm run survey:compare -- --before-photos DIR --after-photos DIR [--min-area M2] [--json] [--cases …]   (photos with telemetry, no orthomosaic)
         [--min-rise M (${DEFAULT_ORTHO_SETTINGS.minRise})] [--min-rise-area M2 (${DEFAULT_ORTHO_SETTINGS.minRiseArea})] [--min-area M2 (${DEFAULT_ORTHO_SETTINGS.minChangeArea})] [--min-width M (${DEFAULT_ORTHO_SETTINGS.minChangeWidth})]
         [--max-offset M (${DEFAULT_ORTHO_SETTINGS.maxOffset})] [--detect-resolution M (${DEFAULT_ORTHO_SETTINGS.detectResolution})] [--json]
         [--cases --before-date ISO --after-date ISO [--before-name N --after-name N] [--before-survey ID --after-survey ID]
          [--permitted buildings.geojson] [--min-case-area M2 (${DEFAULT_CONSTRUCTION_RULE.minAreaM2})] [--redis URL] [--prefix P] [--timezone Asia/Shanghai]]`,
};

const { values } = parseCli({
  ...cli,
  options: {
    before: { type: 'string' },
    after: { type: 'string' },
    'before-photos': { type: 'string' },
    'after-photos': { type: 'string' },
    'before-dsm': { type: 'string' },
    'after-dsm': { type: 'string' },
    'min-rise': { type: 'string' },
    'min-rise-area': { type: 'string' },
    'min-area': { type: 'string' },
    'min-width': { type: 'string' },
    'max-offset': { type: 'string' },
    'detect-resolution': { type: 'string' },
    json: { type: 'boolean', default: false },
    cases: { type: 'boolean', default: false },
    'before-date': { type: 'string' },
    'after-date': { type: 'string' },
    'before-name': { type: 'string' },
    'after-name': { type: 'string' },
    'before-survey': { type: 'string' },
    'after-survey': { type: 'string' },
    permitted: { type: 'string' },
    'min-case-area': { type: 'string' },
    redis: { type: 'string', default: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
    prefix: { type: 'string', default: process.env.QUEUE_PREFIX },
    timezone: { type: 'string' },
  },
});

const photos = Boolean(values['before-photos'] || values['after-photos']);
if (photos) {
  if (!values['before-photos'] || !values['after-photos']) usageError(cli, 'both --before-photos and --after-photos are needed');
  if (values.before || values.after) usageError(cli, '--before-photos/--after-photos compare photo folders: not with --before/--after');
} else if (!values.before || !values.after) usageError(cli, 'both --before and --after are needed (or --before-photos and --after-photos)');

function metres(option: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) usageError(cli, `--${option} must be a number ≥ 0, got "${value}"`);
  return n;
}

const settings: Partial<OrthoSettings> = Object.fromEntries(
  Object.entries({
    minRise: metres('min-rise', values['min-rise']),
    minRiseArea: metres('min-rise-area', values['min-rise-area']),
    minChangeArea: metres('min-area', values['min-area']),
    minChangeWidth: metres('min-width', values['min-width']),
    maxOffset: metres('max-offset', values['max-offset']),
    detectResolution: metres('detect-resolution', values['detect-resolution']),
  }).filter(([, v]) => v !== undefined),
);

function date(option: string, value: string | undefined): Date {
  const d = new Date(value ?? '');
  if (!value || Number.isNaN(d.getTime())) usageError(cli, `--${option} must be the survey's date (ISO 8601, e.g. 2026-03-01), got ${value === undefined ? 'nothing' : `"${value}"`}`);
  return d;
}

const side = (role: 'before' | 'after') => {
  const file = (role === 'before' ? (values.before ?? values['before-photos']) : (values.after ?? values['after-photos']))!.replace(/\/+$/, '');
  const id = values[`${role}-survey`];
  return { name: values[`${role}-name`] ?? file.split('/').pop()!, date: date(`${role}-date`, values[`${role}-date`]), ...(id ? { surveyId: id } : {}) };
};
const raise = values.cases ? { before: side('before'), after: side('after'), minAreaM2: metres('min-case-area', values['min-case-area']) } : undefined;
if (values.timezone !== undefined && !canonicalTimeZone(values.timezone)) usageError(cli, `--timezone must be an IANA time zone name such as Asia/Shanghai, got "${values.timezone}"`);
if (!values.cases) {
  for (const option of ['permitted', 'min-case-area', 'before-date', 'after-date'] as const) if (values[option] !== undefined) usageError(cli, `--${option} is for --cases`);
}

function rankedLines(report: ConstructionReport): string[] {
  return [
    `${report.cases.length} illegal_construction case(s) raised, ${report.dropped.length} candidate(s) not`,
    ...report.cases.map((c) => `${String(c.rank).padStart(3)}. ${c.areaM2.toFixed(1).padStart(8)} m²  score ${c.score.toFixed(2)}  at ${c.location.lon.toFixed(6)}, ${c.location.lat.toFixed(6)}  case ${c.dedupeKey}`),
    ...report.dropped.map((d) => `  not raised: ${d.areaM2.toFixed(1)} m², ${d.reason}`),
  ];
}

if (photos) {
  try {
    const permittedBuildings = raise && values.permitted ? await readPermitted(values.permitted) : undefined;
    const minChangeArea = metres('min-area', values['min-area']);
    const result = await comparePhotoFolders(values['before-photos']!, values['after-photos']!, minChangeArea !== undefined ? { minChangeArea } : {});
    const cases = raise
      ? await raisePhotoCases(result, { redisUrl: values.redis!, prefix: values.prefix, ...raise, ...(permittedBuildings ? { permittedBuildings } : {}), ...(values.timezone ? { timezone: values.timezone } : {}) })
      : undefined;
    const { cropOf: _crops, ...report } = result;
    process.stdout.write(values.json ? `${JSON.stringify(cases ? { ...report, cases } : report, null, 2)}\n` : `${[...photoLines(result), ...(cases ? rankedLines(cases) : [])].join('\n')}\n`);
    process.exit(0);
  } catch (error) {
    if (!(error instanceof ChangeInputError)) throw error;
    process.stderr.write(`survey-compare: ${error.message}\n`);
    process.exit(1);
  }
}

try {
  // Read first: a broken layer is refused before minutes of comparison.
  const permittedBuildings = raise && values.permitted ? await readPermitted(values.permitted) : undefined;
  const result = await compareOrthomosaics({ before: values.before!, after: values.after!, beforeDsm: values['before-dsm'], afterDsm: values['after-dsm'] }, settings);
  const cases = raise
    ? await raiseCases(result, { redisUrl: values.redis!, prefix: values.prefix, ...raise, ...(permittedBuildings ? { permittedBuildings } : {}), ...(values.timezone ? { timezone: values.timezone } : {}) })
    : undefined;
  if (values.json) {
    process.stdout.write(`${JSON.stringify(cases ? { ...result, cases } : result, null, 2)}\n`);
  } else {
    const { inputs, grid, alignment, notes, candidates } = result;
    const lines = [
      `before ${inputs.before}${inputs.beforeDsm ? ` (DSM ${inputs.beforeDsm})` : ''}`,
      `after  ${inputs.after}${inputs.afterDsm ? ` (DSM ${inputs.afterDsm})` : ''}`,
      `grid   EPSG:${grid.epsg}, ${grid.resolution} m/px, ${grid.width} × ${grid.height} px; ${inputs.surfaceModels ? 'images and surface models' : 'images only'}`,
      `after realigned by ${alignment.east.toFixed(2)} m east, ${alignment.north.toFixed(2)} m north`,
      ...notes.map((n) => `note   ${n}`),
      `${candidates.length} candidate(s)`,
      ...candidates.map((c, i) => {
        const [lon, lat] = c.polygon.reduce(([x, y], [px, py]) => [x + px / c.polygon.length, y + py / c.polygon.length], [0, 0]);
        return `${String(i + 1).padStart(3)}. ${c.kind.padEnd(10)} ${c.areaM2.toFixed(1).padStart(8)} m²  score ${c.score.toFixed(2)}${c.rise !== undefined ? `  rise ${c.rise.toFixed(1)} m` : ''}  at ${lon.toFixed(6)}, ${lat.toFixed(6)}`;
      }),
      ...(cases ? rankedLines(cases) : []),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  }
} catch (error) {
  if (!(error instanceof ChangeInputError)) throw error;
  process.stderr.write(`survey-compare: ${error.message}\n`);
  process.exit(1);
}
