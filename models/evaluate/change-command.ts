// `npm run eval -- change --pairs DIR [--json] [--min-area PX] [--min-width PX]`: the product's change detector on a
// folder of labelled pairs (A/ before, B/ after, label/ masks), per pair and overall.
import { DEFAULT_CHANGE_SETTINGS } from '../../pipeline/change/detect-change.ts';
import { parseCli, usageError, type Cli } from '../../scripts/cli/args.ts';
import { listChangePairs } from './change-pairs.ts';
import { formatChangeTable } from './report-change.ts';
import { evaluateChange } from './run-change.ts';

export async function evalChange(cli: Cli, args: string[]): Promise<number> {
  const { values } = parseCli({ ...cli, options: { pairs: { type: 'string' }, json: { type: 'boolean', default: false }, 'min-area': { type: 'string' }, 'min-width': { type: 'string' } } }, args);
  if (!values.pairs) usageError(cli, '--pairs is required');
  const minAreaPx = values['min-area'] === undefined ? DEFAULT_CHANGE_SETTINGS.minAreaPx : Number(values['min-area']);
  if (!(minAreaPx >= 1)) usageError(cli, `--min-area must be a number of pixels, at least 1, got "${values['min-area']}"`);
  const minWidthPx = values['min-width'] === undefined ? DEFAULT_CHANGE_SETTINGS.minWidthPx : Number(values['min-width']);
  if (!(minWidthPx >= 0)) usageError(cli, `--min-width must be a number of pixels, at least 0, got "${values['min-width']}"`);
  const pairs = await listChangePairs(values.pairs);
  process.stderr.write(`pairs: ${pairs.length} in ${values.pairs}; candidates of at least ${minAreaPx} px and ${minWidthPx} px mean width\n`);
  const evaluation = await evaluateChange(pairs, { minAreaPx, minWidthPx }, (done, total) => {
    if (process.stderr.isTTY) process.stderr.write(`\r${done}/${total}\x1b[K${done === total ? '\n' : ''}`);
  });
  if (values.json) {
    const { pairs: count, pixelF1, objectRecall, falseCandidatesPerPair, precision, recall, perPair } = evaluation;
    console.log(JSON.stringify({ pairs: count, pixelF1, objectRecall, falseCandidatesPerPair, precision, recall, perPair }, null, 2));
  } else {
    console.log(formatChangeTable(evaluation));
  }
  return 0;
}
