// Telemetry from drone JPEGs the tests make: EXIF GPS, DJI XMP in both namespaces, missing fields.
import { describe, expect, it } from 'vitest';
import { parseDjiMakerNote } from '../../pipeline/survey/dji-maker-note.ts';
import { cameraPose, distanceM, pixelToGround } from '../../pipeline/survey/georeference.ts';
import { readTelemetry } from '../../pipeline/survey/telemetry.ts';
import { droneJpeg } from './drone-jpeg.ts';

const dji = { RelativeAltitude: '+50.00', GimbalPitchDegree: '-90.00', GimbalYawDegree: '+0.00', FlightYawDegree: '+3.10', CalibratedFocalLength: '1000.0', AbsoluteAltitude: '+71.20' };

describe('drone telemetry', () => {
  it('reads EXIF GPS and drone-dji XMP written as signed strings', async () => {
    const jpeg = await droneJpeg({ gps: { lat: 22.5463, lon: 113.94, altitudeM: 71.2 }, xmp: dji });
    const t = await readTelemetry(jpeg, 400, 300);
    expect(t.notGeolocated).toBeUndefined();
    expect(t.telemetry.lat).toBeCloseTo(22.5463, 5);
    expect(t.telemetry.lon).toBeCloseTo(113.94, 5);
    expect(t.telemetry).toMatchObject({ relativeAltitudeM: 50, gimbalPitchDeg: -90, gimbalYawDeg: 0, flightYawDeg: 3.1, absoluteAltitudeM: 71.2 });
    expect(t.altitudeSource).toBe('xmp-relative-altitude');
    expect(t.focalLengthPx).toBe(1000);
  });

  it('reads the older DJI: namespace the same way', async () => {
    const jpeg = await droneJpeg({ gps: { lat: 36.7297, lon: 119.8433 }, xmp: { RelativeAltitude: '+37.70', GimbalPitchDegree: '+19.90', GimbalYawDegree: '+91.30' }, namespace: 'DJI' });
    const t = await readTelemetry(jpeg, 400, 300);
    expect(t.telemetry).toMatchObject({ relativeAltitudeM: 37.7, gimbalPitchDeg: 19.9, gimbalYawDeg: 91.3 });
  });

  it('places a known pixel: 200 px right of centre at 50 m with a 1000 px focal length is 10 m east', async () => {
    const jpeg = await droneJpeg({ gps: { lat: 22.5463, lon: 113.94 }, xmp: dji });
    const t = await readTelemetry(jpeg, 400, 300);
    const pose = cameraPose(t.telemetry, t.focalLengthPx, 400, 300);
    if (typeof pose === 'string') throw new Error(pose);
    const p = pixelToGround(pose, 400, 150)!;
    expect(p.eastM).toBeCloseTo(10, 6);
    expect(distanceM(t.telemetry as { lat: number; lon: number }, p)).toBeCloseTo(10, 1);
  });

  it('scales CalibratedFocalLength when the file was downsized from the sensor resolution', async () => {
    const jpeg = await droneJpeg({ gps: { lat: 1, lon: 1 }, xmp: { ...dji, CalibratedFocalLength: '3000' } });
    // The EXIF says 400 wide; pretend the pixels we analyse are a 200-wide copy.
    const t = await readTelemetry(jpeg, 200, 150);
    expect(t.focalLengthPx).toBeCloseTo(1500, 6);
  });

  it('an image with no position is still usable, reported as not geolocated with the reason', async () => {
    const t = await readTelemetry(await droneJpeg({ xmp: dji }), 400, 300);
    expect(t.notGeolocated).toBe('missing GPS position');
  });

  it('lists every missing field of a bare image', async () => {
    const t = await readTelemetry(await droneJpeg({}), 400, 300);
    expect(t.notGeolocated).toMatch(/^missing GPS position, height above ground .*, camera pitch, camera heading, focal length in pixels/);
  });

  it('uses the survey flight height when the image has no RelativeAltitude', async () => {
    const { RelativeAltitude: _, ...noHeight } = dji;
    const t = await readTelemetry(await droneJpeg({ gps: { lat: 1, lon: 1 }, xmp: noHeight }), 400, 300, { flightHeightM: 80 });
    expect(t.telemetry.relativeAltitudeM).toBe(80);
    expect(t.altitudeSource).toBe('survey-flight-height');
    expect(t.notGeolocated).toBeUndefined();
  });

  it('survives corrupt metadata and non-image bytes without throwing', async () => {
    const t = await readTelemetry(Buffer.from('not a jpeg'), 10, 10);
    expect(t.notGeolocated).toMatch(/^missing GPS position/);
  });
});

describe('DJI maker notes (Phantom 3/4 gimbal angles)', () => {
  const note = (entries: Array<[number, number, number | string]>) => {
    const b = Buffer.alloc(2 + entries.length * 12 + 4);
    b.writeUInt16LE(entries.length, 0);
    entries.forEach(([tag, type, value], i) => {
      const at = 2 + i * 12;
      b.writeUInt16LE(tag, at);
      b.writeUInt16LE(type, at + 2);
      b.writeUInt32LE(type === 2 ? 4 : 1, at + 4);
      if (typeof value === 'string') b.write(value, at + 8, 'latin1');
      else b.writeFloatLE(value, at + 8);
    });
    return new Uint8Array(b);
  };

  it('reads camera pitch and yaw', () => {
    expect(parseDjiMakerNote(note([[1, 2, 'DJI\0'], [0x09, 0x0b, -89.9], [0x0a, 0x0b, 3.8], [0x07, 0x0b, 4.2]]))).toEqual({ cameraPitchDeg: -89.9, cameraYawDeg: 3.8, flightYawDeg: 4.2 });
  });

  it('ignores other makers and broken notes', () => {
    expect(parseDjiMakerNote(note([[1, 2, 'XYZ\0'], [0x09, 0x0b, -89.9]]))).toBeUndefined();
    expect(parseDjiMakerNote(new Uint8Array([0xff, 0xff, 1, 2, 3]))).toBeUndefined();
    expect(parseDjiMakerNote(undefined)).toBeUndefined();
  });
});
