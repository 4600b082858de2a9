// Coordinate reference systems the orthomosaic comparison understands, by EPSG code, through proj4:
// WGS 84 longitude/latitude, web Mercator, and the WGS 84 UTM zones that photogrammetry tools
// (OpenDroneMap, DJI Terra, Pix4D) write by default. Comparison grids are always UTM, so that a
// pixel is a fixed number of metres on the ground and areas come out in m².
import proj4 from 'proj4';

export type Converter = (xy: [number, number]) => [number, number];

export function isSupported(epsg: number): boolean {
  return epsg === 4326 || epsg === 3857 || utmZone(epsg) !== undefined;
}

export function isUtm(epsg: number): boolean {
  return utmZone(epsg) !== undefined;
}

function utmZone(epsg: number): { zone: number; south: boolean } | undefined {
  if (epsg > 32600 && epsg <= 32660) return { zone: epsg - 32600, south: false };
  if (epsg > 32700 && epsg <= 32760) return { zone: epsg - 32700, south: true };
  return undefined;
}

function definition(epsg: number): string {
  if (epsg === 4326) return 'EPSG:4326';
  if (epsg === 3857) return 'EPSG:3857';
  const utm = utmZone(epsg);
  if (!utm) throw new Error(`EPSG:${epsg} is not supported (EPSG:4326, EPSG:3857 and WGS 84 UTM 326xx/327xx are)`);
  return `+proj=utm +zone=${utm.zone}${utm.south ? ' +south' : ''} +datum=WGS84 +units=m +no_defs`;
}

/** Map coordinates from one EPSG code to another ([x, y]; longitude first for EPSG:4326). */
export function converter(from: number, to: number): Converter {
  if (from === to) return (xy) => xy;
  const p = proj4(definition(from), definition(to));
  return (xy) => p.forward(xy) as [number, number];
}

/** The UTM zone (as an EPSG code) holding a longitude/latitude. */
export function utmFor(lon: number, lat: number): number {
  const zone = Math.min(60, Math.max(1, Math.floor((lon + 180) / 6) + 1));
  return (lat >= 0 ? 32600 : 32700) + zone;
}
