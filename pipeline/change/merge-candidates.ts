// Candidates found tile by tile, joined across tile borders: the tiles overlap, so a structure on a
// border is seen (whole or in part) by each tile around it, and its pieces overlap. Pieces of the
// same kind whose outlines overlap or touch are redrawn as one outline over their union.
import type { ChangeCandidate } from './candidates.ts';
import { connectedComponents } from './components.ts';
import { fillPolygon, polygonArea, simplify, traceOutline, type Point } from './polygon.ts';

export interface PlacedCandidate extends ChangeCandidate {
  kind: 'appearance' | 'rise';
  /** Mean rise, metres (rise candidates). */
  rise?: number;
}

export function mergeAcrossTiles(pieces: readonly PlacedCandidate[]): PlacedCandidate[] {
  const parent = pieces.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i]!)));
  for (let i = 0; i < pieces.length; i++) {
    for (let j = i + 1; j < pieces.length; j++) {
      if (pieces[i]!.kind === pieces[j]!.kind && touches(pieces[i]!.box, pieces[j]!.box)) parent[find(i)] = find(j);
    }
  }
  const groups = new Map<number, PlacedCandidate[]>();
  pieces.forEach((p, i) => groups.set(find(i), [...(groups.get(find(i)) ?? []), p]));
  return [...groups.values()].flatMap((g) => (g.length === 1 ? g : unite(g))).sort((a, b) => b.score - a.score);
}

function touches(a: ChangeCandidate['box'], b: ChangeCandidate['box']): boolean {
  return a[0] <= b[2] && b[0] <= a[2] && a[1] <= b[3] && b[1] <= a[3];
}

/** The union of a group's outlines, as one candidate per connected piece of the union. */
function unite(group: PlacedCandidate[]): PlacedCandidate[] {
  const x0 = Math.min(...group.map((c) => c.box[0])) - 1, y0 = Math.min(...group.map((c) => c.box[1])) - 1;
  const w = Math.max(...group.map((c) => c.box[2])) - x0 + 2, h = Math.max(...group.map((c) => c.box[3])) - y0 + 2;
  const mask = new Uint8Array(w * h);
  const owner = new Int32Array(w * h).fill(-1);
  group.forEach((c, k) => {
    const local = new Uint8Array(w * h);
    fillPolygon(c.polygon.map(([x, y]) => [x - x0, y - y0] as Point), local, w, h);
    for (let i = 0; i < local.length; i++) if (local[i]) { mask[i] = 1; owner[i] = k; }
  });
  const { labels, components } = connectedComponents(mask, w, h);
  return components.map((comp) => {
    let first = -1;
    const weight = new Float64Array(group.length);
    for (let i = 0; i < labels.length; i++) {
      if (labels[i] !== comp.label) continue;
      if (first < 0) first = i;
      weight[owner[i]!]!++;
    }
    const polygon = simplify(traceOutline(labels, w, h, comp.label, first), 1).map(([x, y]) => [x + x0, y + y0] as Point);
    const total = weight.reduce((a, b) => a + b, 0);
    const mean = (f: (c: PlacedCandidate) => number) => group.reduce((s, c, k) => s + f(c) * weight[k]!, 0) / total;
    const [bx1, by1, bx2, by2] = comp.box;
    const merged: PlacedCandidate = { kind: group[0]!.kind, polygon, areaPx: polygonArea(polygon), score: mean((c) => c.score), box: [bx1 + x0, by1 + y0, bx2 + x0 + 1, by2 + y0 + 1] };
    if (merged.kind === 'rise') merged.rise = mean((c) => c.rise ?? 0);
    return merged;
  });
}
