// `npm run detect -- <image...> [--out DIR] [--model ID] [--threshold 0.4 | label=0.5]... [--threads N]`
// One JSON object per image on stdout; errors name the file and go on; exit 1 if any image failed.
import { findModel, loadManifest } from '../models/manifest.ts';
import { detectFiles } from '../pipeline/detect/detect-files.ts';
import { createDetector } from '../pipeline/detect/detector.ts';
import { parseThresholdArgs } from '../pipeline/detect/thresholds.ts';
import { parseCli, usageError } from './cli/args.ts';

const cli = {
  command: 'npm run detect',
  usage: 'usage: npm run detect -- <image...> [--out DIR] [--model ID] [--manifest FILE] [--threshold 0.4|label=0.5]... [--threads N]',
};

async function main(): Promise<number> {
  const { values, positionals } = parseCli({
    ...cli,
    positionals: true,
    options: {
      out: { type: 'string' },
      model: { type: 'string' },
      manifest: { type: 'string' },
      threshold: { type: 'string', multiple: true },
      threads: { type: 'string' },
    },
  });
  if (positionals.length === 0) usageError(cli, 'no image given');
  const threads = values.threads === undefined ? undefined : Number(values.threads);
  if (threads !== undefined && !(Number.isInteger(threads) && threads > 0)) usageError(cli, `--threads must be a positive integer, got "${values.threads}"`);
  const manifest = await loadManifest(values.manifest);
  const model = findModel(manifest, values.model);
  const detector = await createDetector(model, {
    thresholds: parseThresholdArgs(values.threshold ?? []),
    ...(threads ? { threads } : {}),
  });
  let failed = 0;
  let done = 0;
  const showProgress = positionals.length > 1 && process.stderr.isTTY;
  for await (const result of detectFiles(detector, positionals, values.out)) {
    done++;
    if ('error' in result) {
      failed++;
      console.error(`error: ${result.error}`);
    }
    process.stdout.write(`${JSON.stringify(roundResult(result))}\n`);
    if (showProgress) process.stderr.write(`\r[${done}/${positionals.length}] ${result.image}\x1b[K`);
  }
  if (showProgress) process.stderr.write('\n');
  await detector.close();
  if (failed > 0) console.error(`${failed} of ${positionals.length} images failed`);
  return failed > 0 ? 1 : 0;
}

// Pixels to one decimal and scores to three keep the JSON readable without losing anything useful.
function roundResult<T extends object>(result: T): T {
  return JSON.parse(JSON.stringify(result, (key, value) =>
    typeof value === 'number' && !Number.isInteger(value) ? Number(value.toFixed(key === 'score' ? 3 : 1)) : value,
  )) as T;
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`error: ${error.message}`);
    process.exit(2);
  },
);
