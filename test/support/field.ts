// The loop after review, for tests: units to dispatch to, field keys bound to one, and handling a
// case the only way the API takes it (an uploaded after-photo, then the handle move with a note).
import sharp from 'sharp';
import { createKey } from '../../api/auth/keys.ts';
import type { TestApi } from './api.ts';

export async function addUnits(api: TestApi, ...ids: string[]): Promise<void> {
  for (const id of ids) {
    const res = await api.app.inject({ method: 'PUT', url: `/v1/units/${encodeURIComponent(id)}`, headers: api.headers('operator'), payload: { name: id } });
    if (res.statusCode >= 300) throw new Error(`unit ${id}: ${res.body}`);
  }
}

export async function fieldKey(api: TestApi, unit: string, name = `field ${unit}`): Promise<string> {
  return (await createKey(api.app.db, 'field', name, unit)).key;
}

let photoCount = 0;

/** A real JPEG photo, different each call (its colour). */
export async function afterPhotoJpeg(width = 320, height = 240): Promise<Buffer> {
  const n = ++photoCount;
  return sharp({ create: { width, height, channels: 3, background: { r: (n * 37) % 256, g: (n * 91) % 256, b: (n * 53) % 256 } } }).jpeg().toBuffer();
}

export async function uploadAfterPhoto(api: TestApi, caseId: number, key: string, bytes: Buffer, contentType = 'image/jpeg') {
  return api.app.inject({ method: 'POST', url: `/v1/cases/${caseId}/after-photos`, headers: { authorization: `Bearer ${key}`, 'content-type': contentType }, payload: bytes });
}

/** Uploads a new photo and reports the case handled; returns the handle answer. */
export async function handleWithPhoto(api: TestApi, caseId: number, key: string = api.keys.admin, note = '已清理 cleared') {
  const photo = await uploadAfterPhoto(api, caseId, key, await afterPhotoJpeg());
  if (photo.statusCode >= 300) throw new Error(`after-photo for case ${caseId}: ${photo.body}`);
  return api.app.inject({ method: 'POST', url: `/v1/cases/${caseId}/handle`, headers: { authorization: `Bearer ${key}` }, payload: { note, photos: [photo.json().sha256] } });
}
