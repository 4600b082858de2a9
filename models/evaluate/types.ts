// What an evaluation compares: boxes a person drew (ground truth) and boxes a model found, per image.
import type { Box } from '../../contracts/types.ts';

export interface LabelledBox {
  label: string;
  box: Box;
  /** Marked difficult (VOC) or crowd (COCO): a detection on it is neither right nor wrong. */
  ignore?: boolean;
}

export interface LabelledImage {
  /** Path of the image file. */
  image: string;
  boxes: LabelledBox[];
}

export interface DetectedBox {
  label: string;
  score: number;
  box: Box;
}

/** A label file that cannot be read; the message names the file and, where there is one, the line. */
export class LabelFileError extends Error {
  override name = 'LabelFileError';
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    problem: string,
  ) {
    super(line === undefined ? `${file}: ${problem}` : `${file}:${line}: ${problem}`);
  }
}
