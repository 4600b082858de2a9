// `npm run bench:train -- detector [--steps 3] [--batch 8]`: what fine-tuning the detector costs on
// this machine, measured in one run: training images per second at the base's input size (416 px)
// on 2 threads, every weight trained and with the backbone frozen, on labelme-examples' photos and
// boxes (from Debian, samples/cache). Figures only; the machine's load average is printed beside them.
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { findModel, loadManifest } from '../models/manifest.ts';
import { runPythonModule } from '../models/train/detector-python.ts';
import { labelmeYolo, tempDir } from '../models/train/detector-sample-dataset.ts';
import { parseCli } from './cli/args.ts';

const { values } = parseCli({
  command: 'npm run bench:train -- detector',
  usage: 'usage: npm run bench:train -- detector [--steps 3] [--batch 8]',
  options: { steps: { type: 'string', default: '3' }, batch: { type: 'string', default: '8' } },
}, process.argv.slice(3));
const base = findModel(await loadManifest());
const dataset = await labelmeYolo(await tempDir('bench'));
const labels = path.join(dataset, 'base-labels.txt');
await writeFile(labels, `${base.labels.join('\n')}\n`);
const run = await runPythonModule('bench', [base.file, labels, dataset, values.steps, values.batch]);
if (run.code !== 0) {
  console.error(run.stderr.trim());
  process.exit(1);
}
const r = JSON.parse(run.stdout) as { steps: number; batch: number; threads: number; imagesPerSecond: { all: number; backboneFrozen: number } };
console.log(`detector fine-tuning (${base.id}, ${base.input.width}x${base.input.height}, batch ${r.batch}, ${r.steps} steps, ${r.threads} threads; load average ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} cores)`);
console.log(`  every weight trained: ${r.imagesPerSecond.all.toFixed(2)} images/s`);
console.log(`  backbone frozen:      ${r.imagesPerSecond.backboneFrozen.toFixed(2)} images/s`);
