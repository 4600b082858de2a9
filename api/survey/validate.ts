// Surveys are checked twice, as cameras are: the JSON schema at the edge for shape, then here for
// what a schema cannot say: geometry that is a real area on the map (the check camera zones get,
// contracts/polygon.ts) and a time zone that exists. The error names the field from the body.
import type { SurveyInput, SurveyZones } from '../../contracts/survey.ts';
import { checkPolygonGeometry, checkPolygonLayer, SurveyGeometryError } from '../../contracts/survey-geometry.ts';
import { describeValue } from '../../contracts/polygon.ts';
import { canonicalTimeZone } from '../../contracts/time-zone.ts';

export class SurveyInputInvalid extends Error {
  override name = 'SurveyInputInvalid';
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`body.${field} ${problem}`);
  }
}

const LAYERS = ['noParking', 'sidewalks', 'permittedBuildings'] as const;

function geometry<T>(check: () => T): T {
  try {
    return check();
  } catch (err) {
    if (err instanceof SurveyGeometryError) throw new SurveyInputInvalid(err.field, err.problem);
    throw err;
  }
}

/** The zone layers of a body, checked; `prefix` is where they sit in it ("zones" or "" for the zones route). */
export function checkSurveyZones(zones: SurveyZones, prefix: string): SurveyZones {
  for (const layer of LAYERS) {
    const value = zones[layer];
    if (value !== undefined) geometry(() => checkPolygonLayer(value, prefix ? `${prefix}.${layer}` : layer));
  }
  return zones;
}

/** A new survey, checked; the time zone comes back in the runtime's own spelling. */
export function checkSurveyInput(input: SurveyInput): SurveyInput {
  const out = { ...input };
  if (input.area !== undefined) geometry(() => checkPolygonGeometry(input.area, 'area'));
  if (input.zones !== undefined) checkSurveyZones(input.zones, 'zones');
  if (input.timezone !== undefined) {
    const zone = canonicalTimeZone(input.timezone);
    if (!zone) throw new SurveyInputInvalid('timezone', `must be an IANA time zone name such as "Asia/Shanghai", got ${describeValue(input.timezone)}`);
    out.timezone = zone;
  }
  return out;
}
