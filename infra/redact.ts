// Camera URLs often carry credentials (rtsp://admin:pass@10.0.0.5/stream1). Anything shown to a
// person or written to a log goes through here first.
import { joinCredentials, splitCredentials } from './url-credentials.ts';

/** The URL with user name and password replaced by "***"; a string that is not a URL gets the same masking by pattern. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (!u.username && !u.password) return url;
    u.username = '***';
    u.password = '';
    return u.toString();
  } catch {
    return url.replace(/\/\/[^/@\s]*@/, '//***@');
  }
}

/** Masks every credential-bearing URL inside free text, such as an ffmpeg error message. */
export function redactText(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi, '$1***@');
}

/** The mask a camera URL's password is shown as; a PUT that sends it back keeps the stored password. */
export const PASSWORD_MASK = '***';

/** A password that only names secrets ({CAMERA_PASSWORD_GATE3}) holds none, and is shown as it is. */
const NAMES_ONLY = /^(\{[A-Za-z_][A-Za-z0-9_]*\})+$/;

/**
 * For API responses: the URL with its password replaced by "***" and the user name kept
 * (rtsp://admin:***@10.0.0.5/stream1), so a person recognises the camera and an edit form can send
 * the URL back unchanged. A password that only names a secret is not one and stays.
 */
export function maskPassword(url: string): string {
  const parts = splitCredentials(url);
  if (!parts || parts.password === undefined || NAMES_ONLY.test(parts.password)) return url;
  return joinCredentials({ ...parts, password: PASSWORD_MASK });
}
