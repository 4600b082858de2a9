// Camera passwords in the API: sealed before they are stored, masked in every answer, and a masked
// URL sent back by an edit form keeps the stored password. The ingest role (the camera sync loop)
// also gets `sealedUrl`, the stored form with the password sealed, which it puts on the
// camera-streams queue for workers holding the same key to open.
import type { CameraConfig } from '../../contracts/camera.ts';
import type { CameraSecretKey } from '../../infra/camera-secret-key.ts';
import { passwordForm, sealUrl, secretNameProblem, secretNames } from '../../infra/camera-secrets.ts';
import { maskPassword, PASSWORD_MASK, redactUrl } from '../../infra/redact.ts';
import { hostOf, joinCredentials, splitCredentials } from '../../infra/url-credentials.ts';
import type { Role } from '../case/actor.ts';
import type { Db } from '../store/db.ts';
import { listCameras, updateCamera } from './store.ts';
import { CameraConfigInvalid } from './validate.ts';

/** The API's logger, as far as the start-up sealing uses it. */
type StartLog = { info(fields: object, message: string): void; warn(fields: object, message: string): void };

export type CameraAnswer = CameraConfig & { sealedUrl?: string };

/** A stored camera as `role` sees it: the password masked (reviewers: the user name too). */
export function cameraForRole(camera: CameraConfig, role: Role): CameraAnswer {
  const answer: CameraAnswer = { ...camera, url: role === 'reviewer' ? redactUrl(camera.url) : maskPassword(camera.url) };
  // Only a sealed (or no) password goes out, even to the pipeline.
  if (role === 'ingest' && passwordForm(camera.url) !== 'clear') answer.sealedUrl = camera.url;
  const snapshotUrl = camera.analysis?.snapshotUrl;
  if (snapshotUrl !== undefined) {
    // A patrol camera's snapshot URL: the pipeline takes it sealed, as it is stored; everyone else masked.
    const shown = role === 'ingest' && passwordForm(snapshotUrl) !== 'clear' ? snapshotUrl : role === 'reviewer' ? redactUrl(snapshotUrl) : maskPassword(snapshotUrl);
    answer.analysis = { ...camera.analysis, snapshotUrl: shown };
  }
  return answer;
}

/**
 * The URL as it is stored: a literal password sealed, "***" replaced by the stored password (same
 * user and host only, so a masked password cannot be sent to another server), secret names
 * checked. Throws CameraConfigInvalid with the message a caller can act on.
 */
export function urlToStore(url: string, cameraId: string, storedUrl: string | undefined, key: CameraSecretKey | undefined, field = 'url'): string {
  const bad = (message: string): never => {
    throw new CameraConfigInvalid(`camera ${cameraId}: ${field} ${message}`);
  };
  for (const name of secretNames(url)) {
    const problem = secretNameProblem(name);
    if (problem) bad(problem);
  }
  const parts = splitCredentials(url);
  const form = passwordForm(url);
  if (form === 'sealed') bad('holds a password in the form the API stores it ({sealed:…}); send the password itself, or *** to keep the stored one');
  if (parts?.password === PASSWORD_MASK) return keepStoredPassword(url, cameraId, storedUrl, key, bad);
  if (form !== 'clear') return url;
  if (!key) bad('holds a password, and this API has no camera secret key (CAMERA_SECRET_KEY) to keep it encrypted; name a secret instead, e.g. rtsp://user:{CAMERA_PASSWORD_GATE3}@host/…');
  return sealUrl(url, key!, cameraId);
}

function keepStoredPassword(url: string, cameraId: string, storedUrl: string | undefined, key: CameraSecretKey | undefined, bad: (m: string) => never): string {
  const given = splitCredentials(url)!;
  const kept = storedUrl !== undefined ? splitCredentials(storedUrl) : undefined;
  if (!kept?.password || passwordForm(storedUrl!) === 'names') {
    bad(`has the password *** (a masked one), and camera ${cameraId} has no stored password to keep; give the password`);
  }
  if (kept!.scheme.toLowerCase() !== given.scheme.toLowerCase() || kept!.user !== given.user || hostOf(kept!) !== hostOf(given)) {
    bad('keeps the stored password (***) only for the same scheme, user and host; give the password again to use it with another');
  }
  const merged = joinCredentials({ ...given, password: kept!.password });
  return key ? sealUrl(merged, key, cameraId) : merged;
}

/**
 * Cameras stored before passwords were sealed: sealed on start. Without a key they are kept as
 * they are (answers still mask them) and the log says how many wait for one; nothing is lost.
 */
export async function sealStoredPasswords(db: Db, key: CameraSecretKey | undefined, log: StartLog, now: Date): Promise<string[]> {
  const clear = (await listCameras(db)).filter((c) => passwordForm(c.url) === 'clear').map((c) => c.id);
  if (clear.length === 0) return [];
  if (!key) {
    log.warn({ cameras: clear }, 'cameras hold passwords in clear and this API has no camera secret key (CAMERA_SECRET_KEY) to encrypt them; kept as they are');
    return [];
  }
  for (const id of clear) await updateCamera(db, id, (c) => ({ ...c, url: sealUrl(c.url, key, c.id) }), now);
  log.info({ cameras: clear, key: key.id }, 'camera passwords stored in clear are now encrypted');
  return clear;
}
