// What a field team sees: its unit's dispatched cases, nearest first when the phone says where it
// is (else soonest due first), each with what it needs on the street: a thumbnail, the place, the
// due time, a geo: link for the navigation app, and the last note it was sent (a dispatcher's, or
// the verifier's "still there").
import type { Db } from '../store/db.ts';
import { CASE_COLUMNS, toCaseRecord, type CaseRecord } from './record.ts';

export interface FieldCase extends CaseRecord {
  /** Metres from the position given, when both are known. */
  distanceM: number | null;
  /** geo:lat,lon URI (RFC 5870) for the phone's map app, when the case has a place. */
  geoUri: string | null;
  thumbSha256: string | null;
  /** The latest note sent to the unit with the case (dispatch note or the verifier's). */
  lastNote: { at: string; actor: string; action: string; text: string } | null;
}

const EARTH_RADIUS_M = 6_371_008.8;

export function distanceM(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

export function geoUri(location: { lat: number; lon: number } | null, label: string): string | null {
  if (!location) return null;
  const ll = `${location.lat.toFixed(6)},${location.lon.toFixed(6)}`;
  return `geo:${ll}?q=${ll}(${encodeURIComponent(label)})`;
}

export async function fieldCases(db: Db, unit: string, now: Date, here?: { lat: number; lon: number }, limit = 200): Promise<FieldCase[]> {
  const rows = await db.query(
    `SELECT ${CASE_COLUMNS},
       (SELECT e.sha256 FROM evidence e WHERE e.case_id = c.id AND e.kind = 'crop' ORDER BY e.id DESC LIMIT 1) AS thumb_sha256,
       (SELECT row_to_json(a) FROM (SELECT at, actor, action, note FROM audit WHERE case_id = c.id AND note IS NOT NULL
          AND action IN ('dispatch', 'still_there') ORDER BY id DESC LIMIT 1) a) AS last_note
     FROM cases c LEFT JOIN case_types t ON t.type = c.type
     WHERE c.unit = $1 AND c.status = 'dispatched' ORDER BY c.due_at NULLS LAST, c.id LIMIT $2`,
    [unit, limit],
  );
  const items = rows.map((r): FieldCase => {
    const rec = toCaseRecord(r, now);
    const note = r.last_note as { at: string; actor: string; action: string; note: string } | null;
    return {
      ...rec,
      distanceM: here && rec.location ? Math.round(distanceM(here, rec.location)) : null,
      geoUri: geoUri(rec.location, `#${rec.id} ${rec.typeName ?? rec.type}`),
      thumbSha256: (r.thumb_sha256 as string | null) ?? null,
      lastNote: note ? { at: new Date(note.at).toISOString(), actor: note.actor, action: note.action, text: note.note } : null,
    };
  });
  if (here) items.sort((a, b) => (a.distanceM ?? Infinity) - (b.distanceM ?? Infinity));
  return items;
}
