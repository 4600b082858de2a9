// `npm run dataset:export -- --since <date> --out <dir> [--until <date>] [--api URL --key KEY | --data-dir DIR] [--val-fraction 0.2] [--survey-tile 640] [--force]`
//
// Writes the reviewed evidence, and the reviewed drone survey images cut into tiles, as a
// YOLO-format dataset (models/dataset/export.ts; models/README.md says how to train on it and bring
// the model back). It reads through the API:
//   --api URL --key KEY   a running API (key: reviewer or admin; API_KEY works too)
//   --data-dir DIR        no API running: the embedded store in DIR (default DATA_DIR or data/),
//                         opened in this process and read through the same routes, with the
//                         machine's reviewer key (data/keys/reviewer.key). Not while the demo or
//                         an API uses that folder: PGlite is one process's; use --api then.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../api/config.ts';
import { DatasetExportError, exportDataset, httpTransport, parseDateArg, type Transport } from '../models/dataset/export.ts';
import { DEFAULT_SURVEY_TILE, MAX_SURVEY_TILE, MIN_SURVEY_TILE } from '../models/dataset/survey-tiles.ts';
import { parseCli, usageError } from './cli/args.ts';

const USAGE = [
  'usage: npm run dataset:export -- --since <YYYY-MM-DD|ISO time> --out <dir> [--until <date>] [--api URL --key KEY | --data-dir DIR] [--val-fraction 0.2] [--survey-tile 640] [--crops] [--force]',
  '',
  '  Reviewed cases (their evidence images) and reviewed drone survey images (cut into tiles) as a YOLO dataset.',
  '  --since, --until   review time window; YYYY-MM-DD is midnight UTC+8',
  '  --out DIR          the dataset folder (new or empty; --force replaces an earlier export there)',
  '  --api URL --key K  a running API and a reviewer or admin key (API_URL, API_KEY)',
  '  --data-dir DIR     no API running: the embedded store in DIR (default DATA_DIR or data/)',
  '  --val-fraction F   share of cameras/places in val, 0 to 1 (default 0.2)',
  `  --survey-tile PX   side of the square tiles survey images are cut into, ${MIN_SURVEY_TILE}-${MAX_SURVEY_TILE} (default ${DEFAULT_SURVEY_TILE});`,
  '                     20% overlap; a box is labelled on a tile when at least half of it is inside;',
  '                     every tile is written, tiles without boxes as true negatives, and the',
  '                     whole image scaled to one tile with every box (the worker\'s whole-image pass)',
  '  --crops            also crops/<type>/confirmed|rejected/<source>__c<case>-<n>.jpg: verdict data for npm run train',
].join('\n');

function die(message: string, code = 2): never {
  process.stderr.write(`dataset:export: ${message}\n`);
  process.exit(code);
}

const cli = { command: 'npm run dataset:export', usage: USAGE };
const { values } = parseCli({
  ...cli,
  options: {
    since: { type: 'string' },
    until: { type: 'string' },
    out: { type: 'string' },
    force: { type: 'boolean', default: false },
    api: { type: 'string', default: process.env.API_URL },
    key: { type: 'string', default: process.env.API_KEY },
    'data-dir': { type: 'string' },
    'val-fraction': { type: 'string', default: '0.2' },
    'page-size': { type: 'string', default: '100' },
    'survey-tile': { type: 'string', default: String(DEFAULT_SURVEY_TILE) },
    crops: { type: 'boolean', default: false },
  },
});
if (!values.since) usageError(cli, '--since is required');
if (!values.out) usageError(cli, '--out is required');
if (values.api && values['data-dir']) die('give either --api (a running API) or --data-dir (the embedded store), not both');
const valFraction = Number(values['val-fraction']);
if (!/^\d*\.?\d+$/.test(values['val-fraction']) || !(valFraction >= 0 && valFraction <= 1)) die(`--val-fraction ${JSON.stringify(values['val-fraction'])} must be a number from 0 to 1`);
const pageSize = Number(values['page-size']);
if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 500) die('--page-size must be an integer from 1 to 500');
const surveyTile = Number(values['survey-tile']);
if (!/^\d+$/.test(values['survey-tile']) || surveyTile < MIN_SURVEY_TILE || surveyTile > MAX_SURVEY_TILE) {
  die(`--survey-tile ${JSON.stringify(values['survey-tile'])} must be an integer number of pixels from ${MIN_SURVEY_TILE} to ${MAX_SURVEY_TILE} (the tile side; ${DEFAULT_SURVEY_TILE} by default)`);
}

let since: Date;
let until: Date | undefined;
try {
  since = parseDateArg('--since', values.since);
  until = values.until ? parseDateArg('--until', values.until) : undefined;
} catch (err) {
  die((err as Error).message);
}

let transport: Transport;
let close = async () => {};
if (values.api) {
  if (!values.key) die('--api needs a key with the reviewer or admin role (--key or API_KEY)');
  transport = httpTransport(values.api, values.key);
} else {
  const dataDir = path.resolve(values['data-dir'] ?? process.env.DATA_DIR ?? path.join(REPO_ROOT, 'data'));
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir };
  if (!env.DATABASE_URL && !existsSync(path.join(env.PGLITE_DIR ?? path.join(dataDir, 'pglite')))) {
    die(`no embedded store in ${dataDir} (no pglite folder): pass --api URL --key KEY for a running API, or --data-dir for the folder the demo used`);
  }
  // Loaded only here: the whole API is not needed to read one over HTTP.
  const [{ buildApi }, { configFromEnv }, { localKey }] = await Promise.all([import('../api/app.ts'), import('../api/config.ts'), import('../api/embedded.ts')]);
  const app = await buildApi({ ...configFromEnv(env), bootstrapAdminKey: false, logLevel: 'warn', docs: false, surveys: {} });
  const key = await localKey(app.db, path.join(dataDir, 'keys'), 'reviewer', 'embedded reviewer');
  transport = async (url) => {
    const res = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${key}` } });
    return { status: res.statusCode, body: res.rawPayload };
  };
  close = () => app.close();
}

try {
  const summary = await exportDataset(transport, { since, until, out: values.out, force: values.force, valFraction, pageSize, surveyTile, crops: values.crops, log: (line) => process.stderr.write(`dataset:export: ${line}\n`) });
  const { train, val } = summary.counts;
  console.log(`wrote ${summary.out}`);
  console.log(`  classes (${summary.names.length}): ${summary.names.join(', ') || '(none)'}`);
  console.log(`  train: ${train.images} images (${train.positives} positive, ${train.negatives} hard negative), ${train.boxes} boxes, ${train.sources} camera(s)/place(s)`);
  console.log(`  val:   ${val.images} images (${val.positives} positive, ${val.negatives} hard negative), ${val.boxes} boxes, ${val.sources} camera(s)/place(s)`);
  const tiles = summary.images.filter((i) => i.tile && i.view === 'tile');
  const tilesWithBoxes = tiles.filter((i) => i.decision === 'positive').length;
  const wholes = summary.images.filter((i) => i.tile && i.view === 'whole').length;
  console.log(
    `  survey: ${summary.surveyImages} reviewed image(s) as ${tiles.length} tile(s) of ${summary.surveyTiles.size} px (${tilesWithBoxes} with boxes, ${tiles.length - tilesWithBoxes} empty: true negatives) and ${wholes} whole-image view(s); train ${train.surveyImages} image(s) / ${train.surveyTiles} file(s), val ${val.surveyImages} / ${val.surveyTiles}`,
  );
  if (summary.surveyBoxesInNoTile > 0) {
    console.log(`  note: ${summary.surveyBoxesInNoTile} survey box(es) have under half their area in every tile: labelled on the whole-image views only (a larger --survey-tile puts them on tiles too)`);
  }
  if (summary.duplicates > 0) console.log(`  ${summary.duplicates} image(s) skipped: the same bytes were already exported (a survey image or an earlier case)`);
  if (summary.annotated > 0) {
    console.log(`  warning: ${summary.annotated} image(s) carry our drawn box and caption (start frames, which are kept drawn only, and frames of cases from before clean frames were kept); export.json marks them "annotated": true, and no crop is cut from them`);
  }
  if (values.crops) console.log(`  crops: ${path.join(summary.out, 'crops')}/<type>/confirmed|rejected/ (npm run train -- classifier --crops ${path.join(summary.out, 'crops', '<type>')} …)`);
  console.log(`  next: yolo detect train data=${path.join(summary.out, 'data.yaml')} model=yolo11n.pt imgsz=640  (models/README.md)`);
} catch (err) {
  if (err instanceof DatasetExportError) die(err.message, 1);
  throw err;
} finally {
  await close();
}
