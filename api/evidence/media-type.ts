// What stored media really is, read from its first bytes. A declared content type is only a claim:
// an ingest key could call an SVG (which runs script when a browser opens it) "image/jpeg" or
// "image/svg+xml". Evidence and survey images reach browsers only as the raster types the product
// makes, so the type served is always the one sniffed here, never the one stored beside the bytes.

/**
 * The policy on every evidence and survey image response: a document made from these bytes is
 * sandboxed (an opaque origin, no script) and may load nothing; inline style only for the
 * browser's own image viewer.
 */
export const MEDIA_CSP = "sandbox; default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'";

export const EVIDENCE_MEDIA_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'video/mp4'] as const;
export type EvidenceMediaType = (typeof EVIDENCE_MEDIA_TYPES)[number];

/** Survey uploads also accept TIFF (checked by content at upload): a raster no browser runs script from. */
export const SURVEY_MEDIA_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'image/tiff'] as const;
export type SniffedMediaType = EvidenceMediaType | 'image/tiff';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const TIFF_HEADS = ['49492a00', '4d4d002a', '49492b00', '4d4d002b'];
// ISO base media brands that are MP4 video; HEIF/AVIF images and QuickTime share the box layout.
const MP4_BRANDS = new Set(['isom', 'iso2', 'iso3', 'iso4', 'iso5', 'iso6', 'mp41', 'mp42', 'avc1', 'dash', 'mmp4', 'M4V ']);

export function sniffMediaType(bytes: Buffer): SniffedMediaType | undefined {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (bytes.length >= 8 && bytes.subarray(0, 8).equals(PNG_SIGNATURE)) return 'image/png';
  if (bytes.length >= 12 && bytes.toString('latin1', 0, 4) === 'RIFF' && bytes.toString('latin1', 8, 12) === 'WEBP') return 'image/webp';
  if (bytes.length >= 12 && bytes.toString('latin1', 4, 8) === 'ftyp' && MP4_BRANDS.has(bytes.toString('latin1', 8, 12))) return 'video/mp4';
  if (bytes.length >= 4 && TIFF_HEADS.includes(bytes.subarray(0, 4).toString('hex'))) return 'image/tiff';
  return undefined;
}

/** The sniffed type when it is one of `allowed`, else undefined. */
export function allowedMediaType<T extends SniffedMediaType>(bytes: Buffer, allowed: readonly T[]): T | undefined {
  const sniffed = sniffMediaType(bytes);
  return sniffed !== undefined && (allowed as readonly SniffedMediaType[]).includes(sniffed) ? (sniffed as T) : undefined;
}

/** A few words about bytes that are none of the allowed types: enough to recognise SVG, HTML or text. */
export function describeContent(bytes: Buffer): string {
  const sniffed = sniffMediaType(bytes);
  if (sniffed) return sniffed;
  const head = bytes.subarray(0, 256).toString('latin1').trimStart().toLowerCase();
  if (head.startsWith('<svg') || (head.startsWith('<?xml') && head.includes('<svg'))) return 'SVG';
  if (head.startsWith('<!doctype html') || head.startsWith('<html')) return 'HTML';
  if (head.startsWith('<')) return 'markup (XML/HTML)';
  const start = bytes.subarray(0, 8);
  const printable = start.every((b) => b === 9 || b === 10 || b === 13 || (b >= 32 && b < 127));
  return printable ? `text starting ${JSON.stringify(start.toString('latin1'))}` : `bytes starting ${start.toString('hex')}`;
}
