// Where a training run's crops come from: every reviewed case through `dataset:export --crops`, in
// process. A verdict target (`verdict_<type>`) trains on crops/<type>/confirmed|rejected/; a camera's
// verdict target (`verdict_<type>@<camera id>`) on the crops of that tree cut from its cases only; an
// attribute target (`cover`) on the classes reviewers gave on the review page, crops/<attribute>/<value>/.
// Crops are named by camera or place, so the held-out split keeps a source on one side.
import { existsSync } from 'node:fs';
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { exportDataset } from '../dataset/export.ts';
import { sourcePart } from '../dataset/export-crops.ts';
import { splitKeyOf } from '../dataset/split.ts';
import type { Transport } from '../dataset/transport.ts';
import { isAttributeName } from '../manifest.ts';
import { readImageFolder } from '../train/image-folder.ts';
import { readDetectorScores, writeDetectorScores } from '../train/verdict-scores.ts';
import { verdictTargetOf } from '../../pipeline/cases/verdict.ts';
import type { ReviewedCrops } from './training-job.ts';

export function exportedReviewCrops(transport: Transport): ReviewedCrops {
  return async (target, into) => {
    if (!isAttributeName(target) || target.length > 200) throw new Error(`training target "${target}" is not an attribute name (a-z, digits, "_"), so no crops are exported for it (a camera's verdict target is "verdict_<type>@<camera id>")`);
    const verdict = verdictTargetOf(target);
    const folder = verdict?.type ?? target;
    await exportDataset(transport, { since: new Date(0), out: into, crops: true });
    const tree = path.join(into, 'crops', folder);
    if (!existsSync(tree)) throw new Error(`no reviewed crops for "${target}": the export has no crops/${folder}/ (no reviews of it yet)`);
    return verdict?.camera === undefined ? tree : cameraCrops(tree, verdict.camera, path.join(into, 'camera', folder), target);
  };
}

/**
 * The crops of `tree` cut from one camera's cases, with their detector scores, as a tree of their own.
 * The export names a crop by its source in file-name form (sourcePart), not by the camera id, so
 * that form is what is compared: ids differing only in characters it replaces ("cam:1", "cam_1")
 * share their crops, as they already share a held-out side.
 */
async function cameraCrops(tree: string, camera: string, out: string, target: string): Promise<string> {
  const source = sourcePart(splitKeyOf({ source: { kind: 'camera', id: camera }, location: null }));
  const all = await readImageFolder(tree, 1);
  const mine = all.crops.filter((c) => c.source === source);
  if (mine.length === 0) throw new Error(`no reviewed crops for "${target}": none of crops/${path.basename(tree)}/ is from camera "${camera}" (files ${source}__*)`);
  const files = mine.map((c) => ({ file: c.file, as: `${all.classes[c.label]!}/${path.basename(c.file)}` }));
  for (const f of files) {
    await mkdir(path.join(out, path.dirname(f.as)), { recursive: true });
    await copyFile(f.file, path.join(out, f.as));
  }
  const scores = await readDetectorScores(tree);
  if (scores) await writeDetectorScores(out, scores, files);
  return out;
}
