// When a drone photo was taken. EXIF times carry no zone: the drone's clock is local time, so the
// survey says which zone (default Asia/Shanghai) unless OffsetTimeOriginal is written. A clock that
// was never set (1970, 2000, or weeks away from the flight) is not trusted: the survey's flownAt is
// used instead, with a warning, because dedupe windows depend on the time.
import exifr from 'exifr';

const TRUST_DAYS = 2;

export interface CaptureTime {
  at: Date;
  source: 'exif' | 'survey';
  warning?: string;
}

export async function captureTime(bytes: Buffer, flownAt: Date, timezone: string): Promise<CaptureTime> {
  let tags: Record<string, unknown> = {};
  try {
    tags = ((await exifr.parse(bytes, { pick: ['DateTimeOriginal', 'CreateDate', 'OffsetTimeOriginal'], reviveValues: false })) ?? {}) as Record<string, unknown>;
  } catch {
    // No EXIF at all is normal for PNG/TIFF exports.
  }
  const text = typeof tags.DateTimeOriginal === 'string' ? tags.DateTimeOriginal : typeof tags.CreateDate === 'string' ? tags.CreateDate : undefined;
  const m = text ? /^(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})/.exec(text) : null;
  if (!m) return { at: flownAt, source: 'survey' };
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const offset = typeof tags.OffsetTimeOriginal === 'string' ? /^([+-])(\d{2}):(\d{2})$/.exec(tags.OffsetTimeOriginal) : null;
  const wall = Date.UTC(y, mo - 1, d, h, mi, s);
  const at = offset
    ? new Date(wall - (offset[1] === '-' ? -1 : 1) * (Number(offset[2]) * 60 + Number(offset[3])) * 60_000)
    : new Date(wall - zoneOffsetMs(wall, timezone));
  if (Number.isNaN(at.getTime()) || Math.abs(at.getTime() - flownAt.getTime()) > TRUST_DAYS * 86_400_000) {
    return { at: flownAt, source: 'survey', warning: `the photo's clock says ${text}, more than ${TRUST_DAYS} days from the survey's flight time; the flight time is used` };
  }
  return { at, source: 'exif' };
}

/** Offset of `timeZone` from UTC at about this instant, in ms (positive east of Greenwich). */
function zoneOffsetMs(utcMs: number, timeZone: string): number {
  const at = (ms: number) => {
    const p = Object.fromEntries(
      new Intl.DateTimeFormat('en-GB', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' })
        .formatToParts(ms)
        .map((x) => [x.type, Number(x.value)]),
    ) as Record<'year' | 'month' | 'day' | 'hour' | 'minute' | 'second', number>;
    return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - ms;
  };
  // Treating the wall time as UTC first, then correcting once, is exact except within a DST jump.
  const first = at(utcMs);
  return at(utcMs - first);
}
