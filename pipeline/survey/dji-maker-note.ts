// Older DJI cameras (Phantom 3/4 FC300X, FC330, …) write no XMP: the gimbal angles live only in
// DJI's maker note, a small little-endian IFD whose float tags are 0x09 CameraPitch, 0x0a CameraYaw
// and 0x0b CameraRoll (0x06-0x08 are the aircraft's). exifr hands us the raw bytes.

export interface DjiMakerNote {
  cameraPitchDeg?: number;
  cameraYawDeg?: number;
  cameraRollDeg?: number;
  flightYawDeg?: number;
}

const FLOAT = 0x0b;
const TAGS: Record<number, keyof DjiMakerNote> = { 0x07: 'flightYawDeg', 0x09: 'cameraPitchDeg', 0x0a: 'cameraYawDeg', 0x0b: 'cameraRollDeg' };

/** Undefined when the bytes are not a DJI maker note (other makers, or a broken one: never throws). */
export function parseDjiMakerNote(bytes: Uint8Array | undefined): DjiMakerNote | undefined {
  if (!bytes || bytes.length < 2 + 12) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = view.getUint16(0, true);
  if (count === 0 || count > 64 || 2 + count * 12 > bytes.length) return undefined;
  const out: DjiMakerNote = {};
  let isDji = false;
  for (let i = 0; i < count; i++) {
    const at = 2 + i * 12;
    const tag = view.getUint16(at, true);
    const type = view.getUint16(at + 2, true);
    const n = view.getUint32(at + 4, true);
    if (tag === 0x01 && type === 2 && n === 4) isDji = String.fromCharCode(...bytes.subarray(at + 8, at + 11)) === 'DJI';
    const key = TAGS[tag];
    if (key && type === FLOAT && n === 1) {
      const value = view.getFloat32(at + 8, true);
      if (Number.isFinite(value) && Math.abs(value) <= 360) out[key] = Math.round(value * 100) / 100;
    }
  }
  return isDji ? out : undefined;
}
