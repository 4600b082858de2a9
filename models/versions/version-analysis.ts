// Which violation types each trained version makes analysable: the product manifest with the
// version in place of any classifier setting the same attribute, against the product manifest
// alone. Read from the versions' folders (DATA_DIR/models/versions/<id>/manifest.json), so the CLI
// needs no database; "live" is whether the workers' manifest declares it.
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { analysableTypes } from '../analysable.ts';
import { loadManifest, type ClassifierEntry, type Manifest } from '../manifest.ts';
import type { ViolationLabels } from '../violation-labels.ts';
import { liveManifestPath } from './live-manifest.ts';
import { versionsDir } from './promotion.ts';

export interface VersionAnalysis {
  id: string;
  attribute: string;
  appliesTo: string[];
  live: boolean;
  /** Types analysed with this version that are not without it. */
  makesAnalysable: string[];
  /** Verdict models score a type's cases rather than making it analysable. */
  scoresType?: string;
}

export async function analyseVersions(modelsDir: string, base: Manifest, mapping: ViolationLabels): Promise<VersionAnalysis[]> {
  const dir = versionsDir(modelsDir);
  if (!existsSync(dir)) return [];
  const liveIds = existsSync(liveManifestPath(modelsDir))
    ? new Set((await loadManifest(liveManifestPath(modelsDir))).classifiers.map((c) => c.id))
    : new Set<string>();
  const without = new Set(analysableTypes(base, mapping).filter((a) => a.analysed).map((a) => a.type));
  const out: VersionAnalysis[] = [];
  for (const id of (await readdir(dir)).sort()) {
    const file = path.join(dir, id, 'manifest.json');
    if (!existsSync(file)) continue;
    const entry = (await loadManifest(file)).classifiers.find((c) => c.id === id);
    if (!entry) continue;
    const withIt = analysableTypes(withClassifier(base, entry), mapping).filter((a) => a.analysed).map((a) => a.type);
    const verdict = /^verdict_(.+)$/.exec(entry.attribute)?.[1];
    out.push({
      id,
      attribute: entry.attribute,
      appliesTo: entry.appliesTo,
      live: liveIds.has(id),
      makesAnalysable: withIt.filter((t) => !without.has(t)),
      ...(verdict ? { scoresType: verdict } : {}),
    });
  }
  return out;
}

function withClassifier(base: Manifest, entry: ClassifierEntry): Manifest {
  const classifiers = [...base.classifiers.filter((c) => c.attribute !== entry.attribute), entry];
  return { ...base, classifiers, entries: [...base.entries.filter((e) => e.kind !== 'classifier'), ...classifiers] };
}

/** One line per version, as `npm run models -- status` prints it. */
export function describeVersion(v: VersionAnalysis): string {
  const what = v.makesAnalysable.length > 0
    ? `makes analysable: ${v.makesAnalysable.join(', ')}`
    : v.scoresType
      ? `scores ${v.scoresType} cases (likely confirmed); makes no type analysable by itself`
      : 'makes no violation type analysable';
  return `version ${v.id} (${v.attribute} on ${v.appliesTo.join(', ')}${v.live ? ', live' : ''}): ${what}`;
}
