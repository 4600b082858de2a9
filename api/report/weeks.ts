// Weeks as a city counts them: Monday to Sunday in its own time zone, named by the Monday's date.
// A report's trend has one bucket per week the range touches, so an empty week shows as 0.

const DAY_MS = 86_400_000;

function localDate(at: Date, timeZone: string): { y: number; m: number; d: number } {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: 'numeric', day: 'numeric' }).formatToParts(at);
  const get = (type: string) => Number(parts.find((p) => p.type === type)!.value);
  return { y: get('year'), m: get('month'), d: get('day') };
}

const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The local date (YYYY-MM-DD) of an instant. */
export function localDay(at: Date, timeZone: string): string {
  const { y, m, d } = localDate(at, timeZone);
  return iso(Date.UTC(y, m - 1, d));
}

/** The local Monday (YYYY-MM-DD) of the week an instant falls in. */
export function weekOf(at: Date, timeZone: string): string {
  const { y, m, d } = localDate(at, timeZone);
  const day = Date.UTC(y, m - 1, d);
  const weekday = (new Date(day).getUTCDay() + 6) % 7; // Monday 0
  return iso(day - weekday * DAY_MS);
}

/** Every week from the one holding `from` to the one holding the last instant before `to`. */
export function weeksBetween(from: Date, to: Date, timeZone: string): string[] {
  const first = Date.parse(`${weekOf(from, timeZone)}T00:00:00Z`);
  const last = Date.parse(`${weekOf(new Date(to.getTime() - 1), timeZone)}T00:00:00Z`);
  const weeks: string[] = [];
  for (let w = first; w <= last; w += 7 * DAY_MS) weeks.push(iso(w));
  return weeks;
}
