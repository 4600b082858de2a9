// Drone-style JPEGs made by the tests: EXIF GPS as cameras write it, plus DJI XMP in either
// namespace, with the values as DJI writes them (signed strings).
import sharp from 'sharp';

export interface DroneJpegOptions {
  width?: number;
  height?: number;
  gps?: { lat: number; lon: number; altitudeM?: number };
  /** XMP attributes without prefix, e.g. { RelativeAltitude: '+50.0' }. */
  xmp?: Record<string, string>;
  namespace?: 'drone-dji' | 'DJI';
  focalLengthMm?: number;
  background?: string;
  /** A real photo to start from (path), resized to width × height (stretched), or to one of them keeping its aspect, instead of a plain background. */
  photo?: string;
  /** Squares painted on the picture (e.g. earth-brown ones a colour fixture detector reports). */
  patches?: Array<{ left: number; top: number; size: number; colour: string }>;
}

const dms = (v: number) => {
  const a = Math.abs(v);
  const d = Math.floor(a);
  const m = Math.floor((a - d) * 60);
  const s = Math.round(((a - d) * 60 - m) * 60 * 10000);
  return `${d}/1 ${m}/1 ${s}/10000`;
};

export async function droneJpeg(o: DroneJpegOptions = {}): Promise<Buffer> {
  const exif: Record<string, Record<string, string>> = { IFD0: { Make: 'DJI', Model: 'FC6310' } };
  if (o.focalLengthMm) exif.IFD2 = { FocalLength: `${Math.round(o.focalLengthMm * 100)}/100` };
  if (o.gps) {
    exif.IFD3 = {
      GPSLatitudeRef: o.gps.lat >= 0 ? 'N' : 'S',
      GPSLatitude: dms(o.gps.lat),
      GPSLongitudeRef: o.gps.lon >= 0 ? 'E' : 'W',
      GPSLongitude: dms(o.gps.lon),
      ...(o.gps.altitudeM !== undefined ? { GPSAltitudeRef: '0', GPSAltitude: `${Math.round(o.gps.altitudeM * 100)}/100` } : {}),
    };
  }
  let img = o.photo
    ? sharp(o.photo).resize(o.width ?? null, o.height ?? null, o.width && o.height ? { fit: 'fill' } : {})
    : sharp({ create: { width: o.width ?? 400, height: o.height ?? 300, channels: 3, background: o.background ?? '#6b6b6b' } });
  if (o.patches?.length) {
    // Composite first, into a plain raw image: sharp applies composites after metadata otherwise.
    const { data, info } = await img
      .composite(o.patches.map((p) => ({ input: { create: { width: p.size, height: p.size, channels: 3 as const, background: p.colour } }, left: p.left, top: p.top })))
      .raw()
      .toBuffer({ resolveWithObject: true });
    img = sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } });
  }
  img = img.withExif(exif);
  if (o.xmp) {
    const ns = o.namespace ?? 'drone-dji';
    const uri = ns === 'DJI' ? 'http://ns.dji.com/drone-dji/1.0/' : 'http://www.dji.com/drone-dji/1.0/';
    const attrs = Object.entries(o.xmp).map(([k, v]) => `${ns}:${k}="${v}"`).join(' ');
    img = img.withXmp(
      `<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">` +
        `<rdf:Description rdf:about="DJI Meta Data" xmlns:${ns}="${uri}" ${attrs}/></rdf:RDF></x:xmpmeta><?xpacket end="w"?>`,
    );
  }
  return img.jpeg().toBuffer();
}
