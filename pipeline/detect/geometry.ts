// The one place that knows how a source image was fitted into the model input, so preprocessing and
// box mapping cannot disagree. Preprocessing should resize to resizedWidth x resizedHeight exactly and
// then pad by padLeft/padTop (and the remainder right/bottom); toSourceBox undoes exactly that.
//
// Coordinates are continuous pixel coordinates: an image of width W spans [0, W], pixel i covers
// [i, i + 1). That is why clipping is to [0, W] and not [0, W - 1].

import type { Box } from '../../contracts/types.ts';

export type ResizeMode = 'stretch' | 'letterbox';

export interface InputTransform {
  mode: ResizeMode;
  srcWidth: number;
  srcHeight: number;
  dstWidth: number;
  dstHeight: number;
  /** Model pixels per source pixel along x: resizedWidth / srcWidth. */
  scaleX: number;
  /** Model pixels per source pixel along y: resizedHeight / srcHeight. */
  scaleY: number;
  /** Padding columns left of the resized image (letterbox), 0 for stretch. */
  padLeft: number;
  /** Padding rows above the resized image (letterbox), 0 for stretch. */
  padTop: number;
  resizedWidth: number;
  resizedHeight: number;
}

/**
 * Plans how a srcW x srcH image becomes a dstW x dstH model input.
 *
 * stretch: the image is resized to dstW x dstH, aspect ratio not kept.
 * letterbox: uniform scale r = min(dstW/srcW, dstH/srcH); resized dims are Math.round(src * r)
 * (half rounds up, Python's round() rounds half to even: they can differ by one pixel on exact
 * halves); padding is split with left/top = floor(pad / 2), the odd pixel going right/bottom, as
 * Ultralytics' LetterBox does.
 *
 * scaleX/scaleY are the scales the resampler really applied (resized / src), not r: after rounding,
 * the content spans exactly resizedWidth x resizedHeight pixels, so these map boxes back exactly.
 * They differ from r by under half a pixel over the whole image.
 */
export function planResize(
  srcW: number,
  srcH: number,
  dstW: number,
  dstH: number,
  mode: ResizeMode,
): InputTransform {
  for (const [name, value] of [
    ['srcW', srcW],
    ['srcH', srcH],
    ['dstW', dstW],
    ['dstH', dstH],
  ] as const) {
    if (!Number.isInteger(value) || value <= 0) {
      throw new RangeError(`planResize: ${name} must be a positive integer, got ${value}`);
    }
  }

  if (mode !== 'stretch' && mode !== 'letterbox') {
    throw new RangeError(`planResize: unknown resize mode "${String(mode)}" (known: stretch, letterbox)`);
  }
  let resizedWidth = dstW;
  let resizedHeight = dstH;
  if (mode === 'letterbox') {
    const r = Math.min(dstW / srcW, dstH / srcH);
    // A tiny side can round to 0 (e.g. 1x1000 into 640x640); keep at least one pixel of content.
    resizedWidth = Math.min(dstW, Math.max(1, Math.round(srcW * r)));
    resizedHeight = Math.min(dstH, Math.max(1, Math.round(srcH * r)));
  }
  return {
    mode,
    srcWidth: srcW,
    srcHeight: srcH,
    dstWidth: dstW,
    dstHeight: dstH,
    scaleX: resizedWidth / srcW,
    scaleY: resizedHeight / srcH,
    // Zero for stretch, which fills the input exactly.
    padLeft: Math.floor((dstW - resizedWidth) / 2),
    padTop: Math.floor((dstH - resizedHeight) / 2),
    resizedWidth,
    resizedHeight,
  };
}

/** Maps a box from model-input pixels back to source pixels and clips it to the source image. */
export function toSourceBox(box: readonly [number, number, number, number], t: InputTransform): Box {
  const x1 = (box[0] - t.padLeft) / t.scaleX;
  const y1 = (box[1] - t.padTop) / t.scaleY;
  const x2 = (box[2] - t.padLeft) / t.scaleX;
  const y2 = (box[3] - t.padTop) / t.scaleY;
  return [clamp(x1, t.srcWidth), clamp(y1, t.srcHeight), clamp(x2, t.srcWidth), clamp(y2, t.srcHeight)];
}

function clamp(v: number, max: number): number {
  return v < 0 ? 0 : v > max ? max : v;
}
