// Reads a camera config file (JSON, or YAML for hand-written ones) and validates it; every error
// names the file, the camera, the zone and the field.
import { readFile } from 'node:fs/promises';
import YAML from 'yaml';
import { CameraConfigError, parseCameraConfig, type CameraConfig } from '../../contracts/camera.ts';

export async function loadCameraConfig(file: string): Promise<CameraConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new CameraConfigError(file, undefined, undefined, '(file)', `cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  let raw: unknown;
  try {
    raw = /\.ya?ml$/i.test(file) ? YAML.parse(text) : JSON.parse(text);
  } catch (error) {
    throw new CameraConfigError(file, undefined, undefined, '(file)', `not valid ${/\.ya?ml$/i.test(file) ? 'YAML' : 'JSON'} (${(error as Error).message.split('\n')[0]})`);
  }
  return parseCameraConfig(raw, file);
}
