// The window a report covers: from and to as the caller typed them (a date means local midnight in
// the city's time zone, a date-time is taken as it is), checked so that a reversed or over-long
// range is a clear 400 naming the problem instead of an empty or very slow report.
import { zonedToUtc } from '../case/deadline.ts';

/** At most a year, leap day included: a longer report is two reports. */
export const MAX_REPORT_DAYS = 366;
const DAY_MS = 86_400_000;

export interface ReportRange {
  from: Date;
  to: Date;
}

/** A range the caller must fix; the route answers 400 with the field and the message. */
export class ReportRangeError extends Error {
  override name = 'ReportRangeError';
  constructor(
    readonly field: 'from' | 'to',
    message: string,
  ) {
    super(message);
  }
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i;

function daysIn(y: number, m: number): number {
  return [31, y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1] ?? 0;
}

/** "2026-03-02" (local midnight in timeZone) or an ISO 8601 date-time with its offset. */
export function parseReportTime(value: string, field: 'from' | 'to', timeZone: string): Date {
  const date = DATE.exec(value);
  const isDate = date !== null && value.length === 10;
  if (!isDate && !DATE_TIME.test(value)) {
    throw new ReportRangeError(field, `${field} "${value}" is neither a date (2026-03-02) nor a date-time with its offset (2026-03-02T08:00:00+08:00)`);
  }
  const [y, m, d] = [Number(date![1]), Number(date![2]), Number(date![3])];
  // Checked by hand: Date would roll 30 February over into March without a word.
  if (m < 1 || m > 12 || d < 1 || d > daysIn(y, m)) throw new ReportRangeError(field, `${field} "${value}" is not a calendar date`);
  if (y < 1970) throw new ReportRangeError(field, `${field} "${value}" is before 1970: no case is that old`);
  const t = isDate ? new Date(zonedToUtc(y, m, d, '00:00', timeZone)) : new Date(value);
  if (Number.isNaN(t.getTime())) throw new ReportRangeError(field, `${field} "${value}" is not a time`);
  return t;
}

/** The checked window; without from/to, the 7 days up to now. */
export function reportRange(query: { from?: string; to?: string }, now: Date, timeZone: string): ReportRange {
  const to = query.to !== undefined ? parseReportTime(query.to, 'to', timeZone) : now;
  const from = query.from !== undefined ? parseReportTime(query.from, 'from', timeZone) : new Date(to.getTime() - 7 * DAY_MS);
  if (from.getTime() >= to.getTime()) {
    throw new ReportRangeError('to', `the range is reversed or empty: from (${from.toISOString()}) must be before to (${to.toISOString()})`);
  }
  const days = (to.getTime() - from.getTime()) / DAY_MS;
  if (days > MAX_REPORT_DAYS) {
    throw new ReportRangeError('to', `the range is ${Math.ceil(days)} days long; a report covers at most ${MAX_REPORT_DAYS} days (one year)`);
  }
  return { from, to };
}
