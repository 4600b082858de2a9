// Two versions of one target side by side, measured now on the same held-out reviews: those kept
// with the newer of the two (its folder's held-out/). Held-out sources are chosen by a stable hash of
// the source (training-job.ts), so the older version never trained on them either.
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Queryable } from '../../api/store/db.ts';
import { metricsJson } from '../train/train-classifier.ts';
import { readImageFolder } from '../train/image-folder.ts';
import { measureOn } from './evaluate-version.ts';
import { entryOf, HELD_OUT_DIR } from './training-job.ts';
import { getVersion, VersionConflictError, type ModelVersion } from './version-store.ts';

export interface VersionComparison {
  target: string;
  heldOut: { of: string; crops: number };
  versions: Array<{ id: string; live: boolean; createdAt: string; metrics: ReturnType<typeof metricsJson> }>;
}

export async function compareVersions(db: Queryable, modelsDir: string, a: string, b: string, threads = 1): Promise<VersionComparison> {
  if (a === b) throw new VersionConflictError(`compare needs two different versions (got "${a}" twice)`);
  const [va, vb] = [await getVersion(db, a), await getVersion(db, b)];
  if (va.target !== vb.target) {
    throw new VersionConflictError(`"${a}" sets ${va.target} and "${b}" sets ${vb.target}: only versions of one target can be measured on the same reviews`);
  }
  const newer = newerOf(va, vb);
  const heldOutDir = path.join(modelsDir, newer.dir, HELD_OUT_DIR);
  if (!existsSync(heldOutDir)) throw new VersionConflictError(`"${newer.id}" kept no held-out reviews (${heldOutDir}), so the two cannot be measured on the same set`);
  const tree = await readImageFolder(heldOutDir, 1);
  const versions: VersionComparison['versions'] = [];
  for (const v of [va, vb]) {
    versions.push({ id: v.id, live: v.live, createdAt: v.createdAt, metrics: metricsJson(await measureOn(await entryOf({ modelsDir }, v), tree, threads)) });
  }
  return { target: va.target, heldOut: { of: newer.id, crops: tree.crops.length }, versions };
}

function newerOf(a: ModelVersion, b: ModelVersion): ModelVersion {
  return a.createdAt > b.createdAt || (a.createdAt === b.createdAt && a.id > b.id) ? a : b;
}
