// Time zones are IANA names ("Asia/Shanghai", "UTC"), checked against the zone database the
// runtime carries, so schedules, EXIF times and working hours are read in a zone that exists.
// Anything else ("", "+08:00", a path) is refused rather than passed on to a clock that throws later.

/** The runtime's own spelling of an IANA zone name, or undefined when it is not one. */
export function canonicalTimeZone(name: unknown): string | undefined {
  if (typeof name !== 'string' || !/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(name)) return undefined;
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

export function isTimeZone(name: unknown): name is string {
  return canonicalTimeZone(name) !== undefined;
}
