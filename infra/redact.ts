// Camera URLs often carry credentials (rtsp://admin:pass@10.0.0.5/stream1). Anything shown to a
// person or written to a log goes through here first.

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
