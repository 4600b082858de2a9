// Where a box is and whether a zone's rules apply right now. A box is in a zone by its
// bottom-centre point: that is where a car's tyres or a stall's legs touch the ground, so a tall
// truck whose roof reaches over a zone edge is still judged by where it stands.
import type { Zone, ZoneSchedule } from '../../contracts/camera.ts';
import type { Box } from '../../contracts/types.ts';

export const DEFAULT_TIMEZONE = 'Asia/Shanghai';

export interface FrameSize {
  width: number;
  height: number;
}

/** The point where the object meets the ground, in normalised image coordinates. */
export function groundPoint(box: Box, size: FrameSize): [number, number] {
  const [x, y] = bottomCentre(box);
  return [x / size.width, y / size.height];
}

/** Where an object stands, in pixels: the middle of its box's bottom edge (tyres, a stall's legs). */
export function bottomCentre(box: Box): [number, number] {
  return [(box[0] + box[2]) / 2, box[3]];
}

/** Even-odd ray casting; a point exactly on an edge counts as inside, so a zone drawn along a kerb keeps the car that stands on it. */
export function pointInPolygon(point: readonly [number, number], polygon: ReadonlyArray<readonly [number, number]>): boolean {
  const [px, py] = point;
  let inside = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const [xi, yi] = polygon[i]!;
    const [xj, yj] = polygon[j]!;
    if (onSegment(px, py, xi, yi, xj, yj)) return true;
    if (yi > py !== yj > py && px < ((xj - xi) * (py - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

function onSegment(px: number, py: number, x1: number, y1: number, x2: number, y2: number): boolean {
  const cross = (px - x1) * (y2 - y1) - (py - y1) * (x2 - x1);
  if (Math.abs(cross) > 1e-9) return false;
  return px >= Math.min(x1, x2) - 1e-12 && px <= Math.max(x1, x2) + 1e-12 && py >= Math.min(y1, y2) - 1e-12 && py <= Math.max(y1, y2) + 1e-12;
}

export function boxInZone(box: Box, zone: Zone, size: FrameSize): boolean {
  return pointInPolygon(groundPoint(box, size), zone.polygon);
}

/**
 * Where a vehicle's far-side wheels meet the road, above its box's bottom edge, as a share of the
 * box height: about a fifth for a camera mounted above the street looking down at the row.
 */
export const FAR_WHEELS_HEIGHT = 0.2;

/**
 * A vehicle is in a zone when its wheels are: the near wheels (the bottom centre of its box) and
 * the far ones (FAR_WHEELS_HEIGHT above). A vehicle of the next row whose box only grazes the
 * zone's edge (its bottom dips in by a bumper, a shadow or a loose box) stands outside it.
 */
export function wheelsInZone(box: Box, zone: Zone, size: FrameSize): boolean {
  const [x, y] = bottomCentre(box);
  const hub = y - FAR_WHEELS_HEIGHT * (box[3] - box[1]);
  return pointInPolygon([x / size.width, y / size.height], zone.polygon) && pointInPolygon([x / size.width, hub / size.height], zone.polygon);
}

/**
 * Whether a ground point (pixels) is in the zone. A point below the picture (a canopy projected to
 * the pavement under it) is taken at the bottom edge: the ground goes on where the frame stops.
 */
export function standsInZone(point: readonly [number, number], zone: Zone, size: FrameSize): boolean {
  const x = Math.min(Math.max(point[0], 0), size.width);
  const y = Math.min(Math.max(point[1], 0), size.height);
  return pointInPolygon([x / size.width, y / size.height], zone.polygon);
}

// ---------------------------------------------------------------------------------------------
// Schedules. A 禁停 sign's "07:00-20:00" is local time where the camera stands, whatever the
// server's time zone, so every check converts the instant into the camera's wall clock.

interface LocalTime {
  /** ISO weekday, 1 Monday .. 7 Sunday. */
  weekday: number;
  /** Minutes since local midnight. */
  minutes: number;
  /** Seconds into the current minute (with fraction), to find where a window began. */
  seconds: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

function localTime(at: Date, timeZone: string): LocalTime {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', weekday: 'short', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formatters.set(timeZone, f);
  }
  const parts = Object.fromEntries(f.formatToParts(at).map((p) => [p.type, p.value]));
  return {
    weekday: WEEKDAYS[parts.weekday!]!,
    minutes: Number(parts.hour) * 60 + Number(parts.minute),
    seconds: Number(parts.second) + (at.getTime() % 1000) / 1000,
  };
}

function hhmm(text: string): number {
  const [h, m] = text.split(':').map(Number);
  return h! * 60 + m!;
}

/**
 * How many seconds ago the zone's current active window began, or null when the zone is not active
 * at `at`. A zone without a schedule is always active (Infinity: it never began). Rules count a
 * dwell from the later of "the object stopped" and "the window began", so a car parked at 06:50
 * under a 07:00-20:00 sign is legal until 07:00 and its dwell starts then.
 */
export function activeForSeconds(schedule: readonly ZoneSchedule[] | undefined, at: Date, timeZone = DEFAULT_TIMEZONE): number | null {
  if (!schedule || schedule.length === 0) return Infinity;
  const t = localTime(at, timeZone);
  const nowMin = t.minutes;
  let best: number | null = null;
  for (const w of schedule) {
    const start = hhmm(w.start);
    const end = hhmm(w.end);
    let sinceStartMin: number | null = null;
    if (start < end) {
      if (nowMin >= start && nowMin < end && dayOk(w, t.weekday)) sinceStartMin = nowMin - start;
    } else {
      // Overnight window (e.g. 22:00-06:00): it belongs to the day it starts on.
      if (nowMin >= start && dayOk(w, t.weekday)) sinceStartMin = nowMin - start;
      else if (nowMin < end && dayOk(w, t.weekday === 1 ? 7 : t.weekday - 1)) sinceStartMin = nowMin + 1440 - start;
    }
    if (sinceStartMin !== null) {
      const seconds = sinceStartMin * 60 + t.seconds;
      if (best === null || seconds > best) best = seconds;
    }
  }
  return best;
}

function dayOk(w: ZoneSchedule, weekday: number): boolean {
  return !w.days || w.days.includes(weekday);
}

export function isZoneActive(zone: Zone, at: Date, timeZone = DEFAULT_TIMEZONE): boolean {
  return activeForSeconds(zone.schedule, at, timeZone) !== null;
}
