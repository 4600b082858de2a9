// The change metrics on masks and outlines made by hand, where every figure can be counted.
import { describe, expect, it } from 'vitest';
import { countPair, overallMetrics, pairMetrics } from '../../models/evaluate/change-metrics.ts';
import { connectedComponents } from '../../pipeline/change/components.ts';
import { fillPolygon, polygonArea, simplify, traceOutline, type Point } from '../../pipeline/change/polygon.ts';

const W = 40, H = 30;
function rect(x: number, y: number, w: number, h: number): Point[] {
  return [[x, y], [x + w, y], [x + w, y + h], [x, y + h]];
}
function labelWith(...rects: Point[][]): Uint8Array {
  const m = new Uint8Array(W * H);
  for (const r of rects) fillPolygon(r, m, W, H);
  return m;
}

describe('change metrics', () => {
  // Changed: a 10x10 building (a region), a 12x8 one (a region) and a 5x5 shed (25 px, below the
  // 64 px a region needs, but its pixels count for precision and recall).
  const label = labelWith(rect(2, 2, 10, 10), rect(20, 4, 12, 8), rect(30, 22, 5, 5));

  it('counts pixels, regions half covered and candidates touching no change, exactly', () => {
    const candidates = [
      { polygon: rect(2, 2, 5, 10) }, // half the first building: 50 px, found (exactly half)
      { polygon: rect(20, 4, 5, 8) }, // 40 of the second's 96 px: not found
      { polygon: rect(14, 20, 6, 5) }, // 30 px on unchanged ground: a false candidate
      { polygon: rect(28, 20, 4, 4) }, // 4 px of the shed, 12 off it: touches change, not false
    ];
    const c = countPair(label, W, H, candidates);
    expect(c).toEqual({ truePositivePx: 94, falsePositivePx: 42, falseNegativePx: 100 + 96 + 25 - 94, regions: 2, regionsFound: 1, candidates: 4, falseCandidates: 1 });
    const m = pairMetrics('hand', c);
    expect(m.precision).toBeCloseTo(94 / 136, 12);
    expect(m.recall).toBeCloseTo(94 / 221, 12);
    expect(m.pixelF1).toBeCloseTo((2 * 94) / (136 + 221), 12);
    expect(m.objectRecall).toBe(0.5);
  });

  it('adds pairs up by pixels, regions and candidates, and reads an empty pair as nothing missed, nothing wrong', () => {
    const empty = pairMetrics('empty', countPair(new Uint8Array(W * H), W, H, []));
    expect(empty).toMatchObject({ precision: 1, recall: 1, pixelF1: 1, objectRecall: 1, falseCandidates: 0 });
    const hand = pairMetrics('hand', countPair(label, W, H, [{ polygon: rect(2, 2, 10, 10) }, { polygon: rect(0, 20, 8, 8) }]));
    const all = overallMetrics([hand, empty]);
    expect(all.pairs).toBe(2);
    expect(all.precision).toBeCloseTo(100 / 164, 12);
    expect(all.recall).toBeCloseTo(100 / 221, 12);
    expect(all.objectRecall).toBe(0.5);
    expect(all.falseCandidatesPerPair).toBe(0.5);
  });

  it('outlines a region so that filling the outline gives the region back', () => {
    // An L-shaped roof with a diagonal neighbour (8-connected: one region).
    const m = labelWith(rect(3, 3, 12, 4), rect(3, 7, 4, 10));
    m[17 * W + 7] = 1;
    const { labels, components } = connectedComponents(m, W, H);
    expect(components).toHaveLength(1);
    const first = labels.findIndex((l) => l === 1);
    const outline = traceOutline(labels, W, H, 1, first);
    expect(polygonArea(outline)).toBe(components[0]!.area);
    const back = new Uint8Array(W * H);
    fillPolygon(outline, back, W, H);
    expect(back).toEqual(m);
    // Simplifying a pixel-edge outline of straight walls keeps its corners and its area.
    expect(polygonArea(simplify(outline, 0.5))).toBe(components[0]!.area);
  });
});
