// The second stage of two-stage detection: every detection whose label a classifier applies to is
// cropped out of the frame and classified, and the result becomes an attribute of the detection
// (`cover: "uncovered"`), with the score and the model that decided it beside it.
import type { Detection, Frame } from '../../contracts/types.ts';
import { toRawImage, type RawImage } from '../detect/crop.ts';
import type { Classifier } from './classifier.ts';
import { isVerdictAttribute } from '../cases/verdict.ts';

/**
 * Returns new detections (the input is not modified). For attribute `cover` it sets `cover` (the
 * label), `coverScore`, `coverModelId` and `coverModelSha256`. A crop that falls outside the image
 * gets no attribute: "not classified" must not read as either answer.
 */
export async function classifyDetections(
  image: Frame | RawImage | Buffer,
  detections: readonly Detection[],
  classifiers: readonly Classifier[],
): Promise<Detection[]> {
  // Verdicts ("would a reviewer confirm this?") are asked once per reported sighting
  // (pipeline/cases/verdict.ts), not of every car on every frame: a verdict model per type would
  // otherwise run on each detection its labels match, many times a second per camera.
  const wanted = (d: Detection) => classifiers.filter((c) => !isVerdictAttribute(c.model.attribute) && c.model.appliesTo.includes(d.label));
  if (!detections.some((d) => wanted(d).length > 0)) return detections.map((d) => ({ ...d }));
  const raw = await toRawImage(image);
  const out: Detection[] = [];
  for (const detection of detections) {
    const attributes = { ...detection.attributes };
    for (const classifier of wanted(detection)) {
      const result = await classifier.classifyBox(raw, detection.box);
      if (!result) continue;
      const name = classifier.model.attribute;
      attributes[name] = result.label;
      attributes[`${name}Score`] = result.score;
      attributes[`${name}ModelId`] = classifier.model.id;
      attributes[`${name}ModelSha256`] = classifier.model.sha256;
    }
    out.push(Object.keys(attributes).length > 0 ? { ...detection, attributes } : { ...detection });
  }
  return out;
}
