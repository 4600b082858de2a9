// The user-info part of a URL (rtsp://user:password@host/…) taken apart as text. The WHATWG URL
// parser would percent-encode what it does not expect there ({CAMERA_…} secret names, sealed
// passwords), so credentials are split by hand: everything before the last "@" of the authority.

export interface UrlCredentials {
  /** "rtsp://" */
  scheme: string;
  user: string;
  /** Absent when the URL names only a user (rtsp://admin@host/…). */
  password?: string;
  /** "host:port/path?query" after the "@". */
  rest: string;
}

const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

/** undefined when the URL has no user-info (or is not a URL at all). */
export function splitCredentials(url: string): UrlCredentials | undefined {
  const scheme = SCHEME.exec(url)?.[0];
  if (!scheme) return undefined;
  const afterScheme = url.slice(scheme.length);
  const authorityEnd = afterScheme.search(/[/?#]/);
  const authority = authorityEnd < 0 ? afterScheme : afterScheme.slice(0, authorityEnd);
  const at = authority.lastIndexOf('@');
  if (at < 0) return undefined;
  const userInfo = authority.slice(0, at);
  const colon = userInfo.indexOf(':');
  return {
    scheme,
    user: colon < 0 ? userInfo : userInfo.slice(0, colon),
    ...(colon < 0 ? {} : { password: userInfo.slice(colon + 1) }),
    rest: afterScheme.slice(at + 1),
  };
}

export function joinCredentials(parts: UrlCredentials): string {
  const userInfo = parts.password === undefined ? parts.user : `${parts.user}:${parts.password}`;
  return `${parts.scheme}${userInfo}@${parts.rest}`;
}

/** The host and port the credentials are sent to ("10.0.0.5:554"), lower-cased. */
export function hostOf(parts: UrlCredentials): string {
  const end = parts.rest.search(/[/?#]/);
  return (end < 0 ? parts.rest : parts.rest.slice(0, end)).toLowerCase();
}
