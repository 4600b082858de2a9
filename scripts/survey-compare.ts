// Compares two orthomosaics of the same place (GeoTIFF, each optionally with its surface model)
// and lists the places that changed, largest score first:
//   npm run survey:compare -- --before A.tif --after B.tif [--before-dsm A_dsm.tif --after-dsm B_dsm.tif] [--json]
// Candidates are lon/lat polygons with area in m²; the report says which inputs were used and
// what was reprojected, resampled or realigned to compare them. Bad input exits 1 naming the file.
import { compareOrthomosaics, DEFAULT_ORTHO_SETTINGS, type OrthoSettings } from '../pipeline/change/compare-orthomosaics.ts';
import { ChangeInputError } from '../pipeline/change/load-image.ts';
import { parseCli, usageError } from './cli/args.ts';

const cli = {
  command: 'npm run survey:compare',
  usage: `usage: npm run survey:compare -- --before A.tif --after B.tif [--before-dsm A_dsm.tif --after-dsm B_dsm.tif]
         [--min-rise M (${DEFAULT_ORTHO_SETTINGS.minRise})] [--min-rise-area M2 (${DEFAULT_ORTHO_SETTINGS.minRiseArea})] [--min-area M2 (${DEFAULT_ORTHO_SETTINGS.minChangeArea})]
         [--max-offset M (${DEFAULT_ORTHO_SETTINGS.maxOffset})] [--detect-resolution M (${DEFAULT_ORTHO_SETTINGS.detectResolution})] [--json]`,
};

const { values } = parseCli({
  ...cli,
  options: {
    before: { type: 'string' },
    after: { type: 'string' },
    'before-dsm': { type: 'string' },
    'after-dsm': { type: 'string' },
    'min-rise': { type: 'string' },
    'min-rise-area': { type: 'string' },
    'min-area': { type: 'string' },
    'max-offset': { type: 'string' },
    'detect-resolution': { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});

if (!values.before || !values.after) usageError(cli, 'both --before and --after are needed');

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
    maxOffset: metres('max-offset', values['max-offset']),
    detectResolution: metres('detect-resolution', values['detect-resolution']),
  }).filter(([, v]) => v !== undefined),
);

try {
  const result = await compareOrthomosaics({ before: values.before, after: values.after, beforeDsm: values['before-dsm'], afterDsm: values['after-dsm'] }, settings);
  if (values.json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
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
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  }
} catch (error) {
  if (!(error instanceof ChangeInputError)) throw error;
  process.stderr.write(`survey-compare: ${error.message}\n`);
  process.exit(1);
}
