// `npm run eval -- change --pairs DIR [--json] [--min-area PX]`: the product's change detector on a
// folder of labelled pairs (A/ before, B/ after, label/ masks), per pair and overall.
import { DEFAULT_CHANGE_SETTINGS } from '../../pipeline/change/detect-change.ts';
import { parseCli, usageError, type Cli } from '../../scripts/cli/args.ts';
import { listChangePairs } from './change-pairs.ts';
import { formatChangeTable } from './report-change.ts';
import { evaluateChange } from './run-change.ts';

export async function evalChange(cli: Cli, args: string[]): Promise<number> {
  const { values } = parseCli({ ...cli, options: { pairs: { type: 'string' }, json: { type: 'boolean', default: false }, 'min-area': { type: 'string' } } }, args);
  if (!values.pairs) usageError(cli, '--pairs is required');
  const minAreaPx = values['min-area'] === undefined ? DEFAULT_CHANGE_SETTINGS.minAreaPx : Number(values['min-area']);
  if (!(minAreaPx >= 1)) usageError(cli, `--min-area must be a number of pixels, at least 1, got "${values['min-area']}"`);
  const pairs = await listChangePairs(values.pairs);
  process.stderr.write(`pairs: ${pairs.length} in ${values.pairs}; candidates of at least ${minAreaPx} px\n`);
  const evaluation = await evaluateChange(pairs, { minAreaPx }, (done, total) => {
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
