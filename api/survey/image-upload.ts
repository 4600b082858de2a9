// What a survey accepts as an image, decided from the bytes (never the file name): JPEG, PNG or
// TIFF by their magic numbers, a header sharp can read, and no more pixels than the limit. Only
// the header is parsed here; the worker decodes the pixels and reports an image that turns out
// corrupt as failed, on its own.
import { checkImage, DEFAULT_MAX_PIXELS, ImageInputError } from '../../pipeline/detect/image-input.ts';

export const SURVEY_FORMATS = { jpeg: 'image/jpeg', png: 'image/png', tiff: 'image/tiff' } as const;
export type SurveyFormat = keyof typeof SURVEY_FORMATS;

/** A file the survey refuses: HTTP status and the problem in words (the route adds the file name). */
export class UploadRefused extends Error {
  override name = 'UploadRefused';
  constructor(
    readonly status: 400 | 413 | 415 | 422,
    readonly problem: string,
  ) {
    super(problem);
  }
}

export function sniffFormat(bytes: Buffer): SurveyFormat | undefined {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (bytes.length >= 8 && bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'png';
  if (bytes.length >= 4) {
    const head = bytes.subarray(0, 4).toString('hex');
    // Classic TIFF and BigTIFF, either byte order.
    if (['49492a00', '4d4d002a', '49492b00', '4d4d002b'].includes(head)) return 'tiff';
  }
  return undefined;
}

/** A few bytes shown when a file is not an image: enough to recognise text, HTML or a zip. */
function describeStart(bytes: Buffer): string {
  const head = bytes.subarray(0, 12);
  const printable = head.every((b) => b === 9 || b === 10 || b === 13 || (b >= 32 && b < 127));
  return printable ? `text ${JSON.stringify(head.toString('latin1'))}` : `bytes ${head.toString('hex')}`;
}

export interface AcceptedImage {
  format: SurveyFormat;
  contentType: string;
  width: number;
  height: number;
  warnings: string[];
}

export async function checkSurveyImage(bytes: Buffer, maxPixels: number = DEFAULT_MAX_PIXELS): Promise<AcceptedImage> {
  if (bytes.length === 0) throw new UploadRefused(422, 'empty file (0 bytes)');
  const format = sniffFormat(bytes);
  if (!format) throw new UploadRefused(415, `not a JPEG, PNG or TIFF image (it starts with ${describeStart(bytes)})`);
  let checked;
  try {
    checked = await checkImage(bytes, 'upload', maxPixels);
  } catch (err) {
    if (err instanceof ImageInputError) {
      // A header that claims too many pixels is a size problem; anything else is an unreadable file.
      throw new UploadRefused(/above the .* limit/.test(err.problem) ? 413 : 422, err.problem);
    }
    throw err;
  }
  if (checked.format !== format) throw new UploadRefused(422, `starts like ${format.toUpperCase()} but reads as ${checked.format}`);
  const warnings: string[] = [];
  if (format === 'jpeg' && bytes.subarray(Math.max(0, bytes.length - 4096)).lastIndexOf(Buffer.from([0xff, 0xd9])) < 0) {
    // Seen on real thermal DJI files: the picture decodes, only its end is missing. Refusing would
    // lose the telemetry and the rest of the picture; the report says so instead.
    warnings.push('the file ends without a JPEG end marker (cut short?): the missing part of the picture decodes as grey; re-copy it if the card holds the whole file');
  }
  return { format, contentType: SURVEY_FORMATS[format], width: checked.width, height: checked.height, warnings };
}
