// Values made from a route's own JSON schema: mostly what the schema describes (so requests get past
// validation and into the handlers and the store), with hostile values put in at any node at the
// given rate (so every field, at every depth, gets its turn).
import fc from 'fast-check';
import { hostileGeometry, hostileValue, hostileZonePolygon } from './hostile-values.ts';

type Schema = Record<string, unknown>;

const SMALL = 1_000_000;

function bounded(n: unknown, fallback: number): number {
  return typeof n === 'number' ? n : fallback;
}

function stringFrom(s: Schema): fc.Arbitrary<string> {
  if (typeof s.pattern === 'string') {
    // Unicode classes make fast-check enumerate every letter on each draw: a few scripts stand in.
    const pattern = s.pattern.replace(/\\p\{L\}/g, 'a-zA-Z\u00c0-\u00ff\u4e00-\u9fa5').replace(/\\p\{N\}/g, '0-9');
    try {
      return fc.stringMatching(new RegExp(pattern, 'u'));
    } catch {
      // A pattern fast-check cannot generate from (Unicode classes): any short text, which it mostly refuses.
      return fc.string({ maxLength: 20 });
    }
  }
  if (s.format === 'date-time') return fc.date({ min: new Date('1900-01-01'), max: new Date('2200-01-01'), noInvalidDate: true }).map((d) => d.toISOString());
  const maxLength = Math.min(bounded(s.maxLength, 40), 40);
  return fc.string({ minLength: Math.min(bounded(s.minLength, 0), maxLength), maxLength });
}

/** Values that exist in the store under test (planted ids, evidence hashes), by property name: they let requests reach past "not found". */
export type Known = Record<string, string[]>;

/** What the schema itself describes, without hostility. */
function shapeFrom(s: Schema, rate: number, key: string, known: Known): fc.Arbitrary<unknown> {
  const existing = known[key];
  if (existing?.length && s.type === 'string') return fc.oneof(fc.constantFrom(...existing), shapeFrom(s, rate, '', known));
  if (Array.isArray(s.enum)) return fc.constantFrom(...(s.enum as unknown[]));
  if ('const' in s) return fc.constant(s.const);
  for (const k of ['oneOf', 'anyOf'] as const) {
    if (Array.isArray(s[k])) return fc.oneof(...(s[k] as Schema[]).map((x) => valueFrom(x, rate, key, known)));
  }
  if (typeof s.description === 'string' && s.description.includes('GeoJSON')) return hostileGeometry;
  if (key === 'polygon') return hostileZonePolygon;
  const type = Array.isArray(s.type) ? (s.type as string[])[0] : s.type;
  switch (type) {
    case 'string':
      return stringFrom(s);
    case 'integer':
      return fc.integer({ min: Math.max(bounded(s.minimum, -SMALL), -SMALL), max: Math.min(bounded(s.maximum, SMALL), SMALL) });
    case 'number':
      return fc.double({ min: bounded(s.minimum, -SMALL), max: bounded(s.maximum, SMALL), noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      const items = (s.items ?? {}) as Schema;
      const minLength = bounded(s.minItems, 0);
      return fc.array(valueFrom(items, rate, key, known), { minLength, maxLength: Math.max(minLength, Math.min(bounded(s.maxItems, 4), 4)) });
    }
    case 'object': {
      const properties = (s.properties ?? {}) as Record<string, Schema>;
      const names = Object.keys(properties);
      if (names.length === 0) return fc.dictionary(fc.string({ maxLength: 10 }), hostileValue, { maxKeys: 3 });
      const record = Object.fromEntries(names.map((n) => [n, valueFrom(properties[n]!, rate, n, known)]));
      const required = ((s.required ?? []) as string[]).filter((r) => names.includes(r));
      return fc.record(record, { requiredKeys: required });
    }
    default:
      return hostileValue;
  }
}

/** A value for `schema`: its shape, or (at `rate`) something hostile in its place. */
export function valueFrom(schema: unknown, rate: number, key = '', known: Known = {}): fc.Arbitrary<unknown> {
  const shape = shapeFrom((schema ?? {}) as Schema, rate, key, known);
  if (rate <= 0) return shape;
  const weight = Math.max(1, Math.round(1 / rate));
  return fc.oneof({ weight, arbitrary: shape }, { weight: 1, arbitrary: hostileValue });
}
