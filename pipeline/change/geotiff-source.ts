// One GeoTIFF (an orthomosaic or a surface model) opened for windowed reading: its size, bands,
// georeferencing (origin, pixel size, EPSG code from the GeoKeys), and windows of pixels read on
// demand, so a comparison never holds a whole survey in memory. Every error names the file.
import { stat } from 'node:fs/promises';
import { fromFile, type GeoTIFF, type GeoTIFFImage } from 'geotiff';
import { isSupported } from './crs.ts';
import { ChangeInputError } from './load-image.ts';

export interface GeoTiffSource {
  file: string;
  width: number;
  height: number;
  bands: number;
  epsg: number;
  /** Map coordinates of the top-left corner of pixel (0, 0). */
  origin: [number, number];
  /** Map units per pixel along x and y (y is negative for the usual north-up image). */
  resolution: [number, number];
  /** The value that marks "no data" (GDAL_NODATA; DSMs outside the flown area), if any. */
  noData: number | null;
  /** Band 4 of an RGBA orthomosaic: 0 marks pixels outside the mosaic. */
  alpha: boolean;
  image: GeoTIFFImage;
  tiff: GeoTIFF;
}

export async function openGeoTiff(file: string): Promise<GeoTiffSource> {
  let tiff: GeoTIFF, image: GeoTIFFImage;
  try {
    tiff = await fromFile(file);
    image = await tiff.getImage();
  } catch (error) {
    throw new ChangeInputError(`${file}: not a readable GeoTIFF (${(error as Error).message})`);
  }
  let origin: number[], resolution: number[];
  try {
    origin = image.getOrigin();
    resolution = image.getResolution();
  } catch {
    throw new ChangeInputError(`${file}: has no georeferencing (no ModelTiepoint/ModelPixelScale or ModelTransformation): cannot place it on the map`);
  }
  const keys = image.getGeoKeys() ?? {};
  const epsg = Number(keys.ProjectedCSTypeGeoKey ?? keys.GeographicTypeGeoKey ?? NaN);
  if (!Number.isFinite(epsg)) throw new ChangeInputError(`${file}: has no coordinate reference system (no EPSG code in its GeoKeys)`);
  if (!isSupported(epsg)) throw new ChangeInputError(`${file}: EPSG:${epsg} is not supported (EPSG:4326, EPSG:3857 and WGS 84 UTM 326xx/327xx are)`);
  if (!(resolution[0]! > 0) || resolution[1] === 0) throw new ChangeInputError(`${file}: pixel size ${resolution.join(' × ')} is not usable`);
  await checkComplete(file, image);
  return {
    file, tiff, image, epsg,
    width: image.getWidth(), height: image.getHeight(), bands: image.getSamplesPerPixel(),
    noData: image.getGDALNoData(), alpha: image.getSamplesPerPixel() >= 4,
    origin: [origin[0]!, origin[1]!], resolution: [resolution[0]!, resolution[1]!],
  };
}

/** Bands of the window [x0, y0, x1, y1) (pixels, end exclusive), one array per band, as numbers. */
export async function readWindow(src: GeoTiffSource, window: [number, number, number, number], bands: number[]): Promise<ArrayLike<number>[]> {
  try {
    const rasters = await src.image.readRasters({ window, samples: bands, interleave: false });
    return Array.from(rasters as unknown as ArrayLike<number>[]);
  } catch (error) {
    throw new ChangeInputError(`${src.file}: could not read pixels ${window.join(',')} (${(error as Error).message}): the file may be truncated or corrupt`);
  }
}

/**
 * A file cut short (an interrupted copy or upload) still opens, and geotiff reads the missing
 * pixels as zeros: a survey that silently turns black. Every strip or tile must lie inside the file.
 */
async function checkComplete(file: string, image: GeoTIFFImage): Promise<void> {
  const ifd = image.getFileDirectory();
  const tiled = ifd.hasTag('TileOffsets');
  const offsets = (await ifd.loadValue(tiled ? 'TileOffsets' : 'StripOffsets')) as ArrayLike<number> | undefined;
  const counts = (await ifd.loadValue(tiled ? 'TileByteCounts' : 'StripByteCounts')) as ArrayLike<number> | undefined;
  if (!offsets || !counts) throw new ChangeInputError(`${file}: has no ${tiled ? 'tile' : 'strip'} offsets: the file is corrupt`);
  let end = 0;
  for (let i = 0; i < offsets.length; i++) end = Math.max(end, Number(offsets[i]) + Number(counts[i] ?? 0));
  const size = (await stat(file)).size;
  if (end > size) throw new ChangeInputError(`${file}: is truncated or corrupt (its pixels run to byte ${end} but the file has ${size} bytes)`);
}
