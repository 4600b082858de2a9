// A folder of change pairs as the literature ships them (LEVIR-CD, WHU-CD, DSIFN-CD): A/ before,
// B/ after, label/ change masks (0/255), with the same file names. Every pair is checked to be
// complete before any is compared, so a missing file is reported up front.
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { ChangeInputError } from '../../pipeline/change/load-image.ts';

export interface ChangePair {
  name: string;
  before: string;
  after: string;
  label: string;
}

const IMAGE = /\.(png|jpe?g|tiff?|webp)$/i;

export async function listChangePairs(dir: string): Promise<ChangePair[]> {
  const folder = async (sub: string) => {
    const full = path.join(dir, sub);
    const info = await stat(full).catch(() => undefined);
    if (!info?.isDirectory()) throw new ChangeInputError(`${full}: missing (a pairs folder holds A/ (before), B/ (after) and label/ (change masks) with the same file names)`);
    return (await readdir(full)).filter((f) => IMAGE.test(f)).sort();
  };
  const [a, b, label] = [await folder('A'), await folder('B'), await folder('label')];
  if (a.length === 0) throw new ChangeInputError(`${path.join(dir, 'A')}: no images`);
  for (const [sub, names] of [['B', b], ['label', label]] as const) {
    const missing = a.filter((n) => !names.includes(n));
    if (missing.length > 0) throw new ChangeInputError(`${path.join(dir, sub)}: no ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ` (and ${missing.length - 5} more)` : ''} to match A/`);
  }
  return a.map((name) => ({ name: name.replace(IMAGE, ''), before: path.join(dir, 'A', name), after: path.join(dir, 'B', name), label: path.join(dir, 'label', name) }));
}
