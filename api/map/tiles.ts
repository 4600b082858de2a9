// Base tiles for the map come from the city's own tile server (its GIS, or 天地图 with its key), named
// by a URL template; with none configured the map draws its vector layers alone and fetches no
// tile from anywhere. The template reaches the browser (it must fetch the tiles), so the page's
// Content-Security-Policy admits exactly the template's origins for images, nothing wider.

export interface TileSettings {
  /** e.g. https://tiles.example.gov.cn/{z}/{x}/{y}.png; {s} takes each of subdomains. */
  url: string;
  attribution: string;
  subdomains: string[];
  maxZoom: number;
}

export interface TileEnv {
  tileUrl?: string;
  tileAttribution?: string;
  /** Letters or comma-separated names {s} stands for (default "abc", Leaflet's). */
  tileSubdomains?: string;
  tileMaxZoom?: number;
}

export class TileSettingsError extends Error {
  override name = 'TileSettingsError';
}

export function tileSettings(env: TileEnv | undefined): TileSettings | null {
  const url = env?.tileUrl?.trim();
  if (!url) return null;
  const fail = (problem: string): never => {
    // The template may carry an access key (天地图 tk=…): its query is never repeated back.
    throw new TileSettingsError(`MAP_TILE_URL ${problem} (e.g. https://tiles.example.gov.cn/{z}/{x}/{y}.png)`);
  };
  for (const part of ['{z}', '{x}', '{y}']) if (!url.includes(part)) fail(`has no ${part}: it must be a tile URL template`);
  let parsed: URL;
  try {
    parsed = new URL(url.replace(/\{[a-z]+\}/g, 'p'));
  } catch {
    return fail('is not a URL');
  }
  if (parsed!.protocol !== 'http:' && parsed!.protocol !== 'https:') fail(`must be http:// or https://, got ${parsed!.protocol}`);
  const raw = env?.tileSubdomains?.trim() || 'abc';
  const subdomains = raw.includes(',') ? raw.split(',').map((s) => s.trim()).filter(Boolean) : [...raw];
  const maxZoom = env?.tileMaxZoom ?? 19;
  if (!Number.isInteger(maxZoom) || maxZoom < 1 || maxZoom > 24) fail(`max zoom (MAP_TILE_MAX_ZOOM) must be a whole number from 1 to 24, got ${maxZoom}`);
  return { url, attribution: env?.tileAttribution?.trim() ?? '', subdomains, maxZoom };
}

/** The origins tiles are fetched from, for img-src: one per subdomain when the host has {s}. */
export function tileOrigins(tiles: TileSettings | null): string[] {
  if (!tiles) return [];
  const hosts = tiles.url.includes('{s}') ? tiles.subdomains.map((s) => tiles.url.replaceAll('{s}', s)) : [tiles.url];
  return [...new Set(hosts.map((u) => new URL(u.replace(/\{[a-z]+\}/g, '0')).origin))];
}
