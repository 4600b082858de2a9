// Changed pixels to candidate regions: morphological opening drops specks and thin slivers
// (misregistered edges, cars, single trees), closing joins the pieces of one structure, and each
// connected region becomes one outline.
import { connectedComponents, type Component } from './components.ts';
import { maxFilter, minFilter } from './filters.ts';
import { simplify, traceOutline, type Point } from './polygon.ts';
import { raster } from './raster.ts';

export interface Region {
  component: Component;
  /** Outline in pixel-corner coordinates of the compared grid. */
  polygon: Point[];
}

export function regionsOf(mask: Uint8Array, width: number, height: number, opening: number, closing: number): { regions: Region[]; labels: Int32Array } {
  let m = mask;
  if (opening > 0) m = dilate(erode(m, width, height, opening), width, height, opening);
  if (closing > 0) m = erode(dilate(m, width, height, closing), width, height, closing);
  const { labels, components } = connectedComponents(m, width, height);
  const firstPixel = new Int32Array(components.length + 1).fill(-1);
  for (let i = 0; i < labels.length; i++) if (labels[i]! > 0 && firstPixel[labels[i]!] === -1) firstPixel[labels[i]!] = i;
  const regions = components.map((component) => ({
    component,
    polygon: simplify(traceOutline(labels, width, height, component.label, firstPixel[component.label]!), 1),
  }));
  return { regions, labels };
}

function erode(mask: Uint8Array, w: number, h: number, r: number): Uint8Array {
  return morph(mask, w, h, r, minFilter);
}

function dilate(mask: Uint8Array, w: number, h: number, r: number): Uint8Array {
  return morph(mask, w, h, r, maxFilter);
}

function morph(mask: Uint8Array, w: number, h: number, r: number, f: typeof minFilter): Uint8Array {
  const src = raster(w, h);
  for (let i = 0; i < mask.length; i++) src.data[i] = mask[i]!;
  const out = f(src, r);
  return Uint8Array.from(out.data, (v) => (v > 0.5 ? 1 : 0));
}
