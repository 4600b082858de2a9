// When a dispatched case is due: its type's handling limit, counted in working time (暴露垃圾: 4
// working hours) or clock time, from the moment it was dispatched. The calendar is data (the
// working_calendar setting) so a city sets its own hours, holidays and make-up days (调休).

export interface WorkingCalendar {
  /** IANA time zone the hours are in. */
  timezone: string;
  /** ISO weekdays 1 (Monday) to 7 (Sunday) that are working days. */
  days: number[];
  /** Working periods of a working day, "HH:MM" local time, in order. */
  periods: Array<{ start: string; end: string }>;
  /** Local dates (YYYY-MM-DD) that are not working days although their weekday is. */
  holidays: string[];
  /** Local dates that are working days although their weekday is not (调休). */
  workdays: string[];
}

export function dueAt(start: Date, limitMinutes: number, workingTime: boolean, calendar: WorkingCalendar): Date {
  return workingTime ? addWorkingMinutes(start, limitMinutes, calendar) : new Date(start.getTime() + limitMinutes * 60_000);
}

const DAY_MS = 86_400_000;

export function addWorkingMinutes(start: Date, minutes: number, cal: WorkingCalendar): Date {
  let remaining = minutes * 60_000;
  let cursor = start.getTime();
  let { y, m, d } = localDate(cursor, cal.timezone);
  // Ten years of days without a working minute means the calendar is unusable, not a long wait.
  for (let i = 0; i < 3660; i++) {
    const iso = `${y}-${pad(m)}-${pad(d)}`;
    const weekday = ((new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7) + 1;
    const working = cal.workdays.includes(iso) || (cal.days.includes(weekday) && !cal.holidays.includes(iso));
    if (working) {
      for (const p of cal.periods) {
        const from = zonedToUtc(y, m, d, p.start, cal.timezone);
        const to = zonedToUtc(y, m, d, p.end, cal.timezone);
        if (cursor >= to) continue;
        const begin = Math.max(cursor, from);
        if (remaining <= to - begin) return new Date(begin + remaining);
        remaining -= to - begin;
        cursor = to;
      }
    }
    ({ y, m, d } = fromUtcDay(Date.UTC(y, m - 1, d) + DAY_MS));
  }
  throw new Error('the working calendar has no working time in the next ten years');
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

function fromUtcDay(ms: number): { y: number; m: number; d: number } {
  const t = new Date(ms);
  return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate() };
}

function parts(ms: number, timeZone: string): Record<string, number> {
  const fmt = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
  const out: Record<string, number> = {};
  for (const p of fmt.formatToParts(new Date(ms))) if (p.type !== 'literal') out[p.type] = Number(p.value);
  return out;
}

function localDate(ms: number, timeZone: string): { y: number; m: number; d: number } {
  const p = parts(ms, timeZone);
  return { y: p.year!, m: p.month!, d: p.day! };
}

/** Offset of the zone from UTC at an instant, in ms. */
function offsetAt(ms: number, timeZone: string): number {
  const p = parts(ms, timeZone);
  return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!) - Math.floor(ms / 1000) * 1000;
}

/** The instant at local wall time y-m-d hh:mm in the zone. */
export function zonedToUtc(y: number, m: number, d: number, hhmm: string, timeZone: string): number {
  const [hh, mm] = hhmm.split(':').map(Number) as [number, number];
  const wall = Date.UTC(y, m - 1, d, hh, mm);
  let guess = wall - offsetAt(wall, timeZone);
  // Once more at the guess, for zones whose offset changes (DST) between the two instants.
  guess = wall - offsetAt(guess, timeZone);
  return guess;
}

export function isCalendar(value: unknown): value is WorkingCalendar {
  const v = value as WorkingCalendar;
  return !!v && typeof v.timezone === 'string' && Array.isArray(v.days) && Array.isArray(v.periods);
}
