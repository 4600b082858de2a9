// Where a training run's crops come from: every reviewed case through `dataset:export --crops`, in
// process. A verdict target (`verdict_<type>`) trains on crops/<type>/confirmed|rejected/; an
// attribute target (`cover`) on the classes reviewers gave on the review page, crops/<attribute>/<value>/.
// Crops are named by camera or place, so the held-out split keeps a source on one side.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { exportDataset } from '../dataset/export.ts';
import type { Transport } from '../dataset/transport.ts';
import type { ReviewedCrops } from './training-job.ts';

const TARGET = /^[a-z][a-zA-Z0-9_]{0,63}$/;

export function exportedReviewCrops(transport: Transport): ReviewedCrops {
  return async (target, into) => {
    if (!TARGET.test(target)) throw new Error(`training target "${target}" is not an attribute name (a-z, digits, "_"), so no crops are exported for it`);
    const folder = /^verdict_(.+)$/.exec(target)?.[1] ?? target;
    await exportDataset(transport, { since: new Date(0), out: into, crops: true });
    const tree = path.join(into, 'crops', folder);
    if (!existsSync(tree)) throw new Error(`no reviewed crops for "${target}": the export has no crops/${folder}/ (no reviews of it yet)`);
    return tree;
  };
}
