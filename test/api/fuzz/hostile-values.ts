// Values an attacker or a careless client sends where something else was expected: wrong types,
// text the store cannot hold, numbers past every column, very long strings, deep nesting, and
// polygons that are not areas. fast-check arbitraries, so a failure shrinks towards the smallest.
import fc from 'fast-check';

const NASTY_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\udfff',
  'x\ud800y',
  '\u202e\u0007',
  '../../../etc/passwd',
  '-Infinity',
  'NaN',
  '1e30',
  '99999999999999999999',
  '0000-00-00T00:00:00Z',
  '0000-01-01T00:00:00Z',
  '2026-12-31T23:59:60Z',
  '<script>alert(1)</script>',
  "'; DROP TABLE cases;--",
  '%00',
  '__proto__',
  'constructor',
  '{CAMERA_PASSWORD}',
];

const NASTY_NUMBERS = [0, -0, -1, 0.5, 1e308, -1e308, 2 ** 31, -(2 ** 31) - 1, 2 ** 53 + 2, Number.MAX_SAFE_INTEGER, 9007199254740993, 1e-320];

export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  // Far past every maxLength (200 at most), yet small enough that many fit in the time budget.
  { weight: 1, arbitrary: fc.constantFrom('x'.repeat(5_000), '字'.repeat(30_000)) },
);

export const hostileNumber: fc.Arbitrary<number> = fc.oneof(fc.constantFrom(...NASTY_NUMBERS), fc.double({ noNaN: true, noDefaultInfinity: true }));

/** Arrays or objects nested `depth` deep, the way a hostile body nests them. */
export function nested(depth: number, asObject: boolean): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = asObject ? { a: v } : [v];
  return v;
}

const hostileKey = fc.oneof(fc.constantFrom('\u0000', 'k\ud800', '__proto__', '', 'x'.repeat(300)), fc.string({ maxLength: 8 }));

export const hostileScalar: fc.Arbitrary<unknown> = fc.oneof(fc.constant(null), fc.boolean(), hostileNumber, hostileString);

export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: hostileScalar },
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 1, max: 3_000 }), fc.boolean()).map(([d, o]) => nested(d, o)) },
  { weight: 1, arbitrary: fc.array(hostileScalar, { maxLength: 4 }) },
  { weight: 1, arbitrary: fc.dictionary(hostileKey, hostileScalar, { maxKeys: 3 }) },
);

// Polygons: valid squares, then every way a ring can fail to be an area.
const lonLat = fc.tuple(fc.double({ min: -200, max: 200, noNaN: true }), fc.double({ min: -100, max: 100, noNaN: true }));
const SQUARE = [
  [121.47, 31.23],
  [121.48, 31.23],
  [121.48, 31.24],
  [121.47, 31.24],
  [121.47, 31.23],
];
const degenerateRing: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(SQUARE),
  fc.constant([SQUARE[0], SQUARE[2], SQUARE[1], SQUARE[3], SQUARE[0]]), // crosses itself
  fc.constant(SQUARE.slice(0, 4)), // open
  fc.constant([SQUARE[0], SQUARE[0], SQUARE[0], SQUARE[0]]), // one place
  fc.constant([[121.47, 31.23], [121.48, 31.24], [121.49, 31.25], [121.47, 31.23]]), // on a line
  fc.constant(Array.from({ length: 20_001 }, (_, i) => (i === 20_000 ? [121.47, 31.23] : [121.47 + 0.01 * Math.cos(i / 3183), 31.23 + 0.01 * Math.sin(i / 3183)]))),
  fc.array(lonLat, { minLength: 0, maxLength: 8 }),
  hostileValue,
);
const geometry: fc.Arbitrary<unknown> = fc.oneof(
  fc.array(degenerateRing, { maxLength: 2 }).map((rings) => ({ type: 'Polygon', coordinates: rings })),
  fc.array(fc.array(degenerateRing, { maxLength: 2 }), { maxLength: 2 }).map((polys) => ({ type: 'MultiPolygon', coordinates: polys })),
  fc.record({ type: fc.constantFrom('Point', 'Circle', 'Polygon'), coordinates: hostileValue }),
);
const feature = fc.record({ type: fc.constant('Feature'), geometry, properties: fc.oneof(fc.constant(null), fc.dictionary(hostileKey, hostileValue, { maxKeys: 2 })) });

/** A GeoJSON area or zone layer, mostly broken. */
export const hostileGeometry: fc.Arbitrary<unknown> = fc.oneof(geometry, feature, fc.array(feature, { maxLength: 3 }).map((features) => ({ type: 'FeatureCollection', features })), hostileValue);

/** Camera-zone points: normalised pairs, the same ways broken. */
export const hostileZonePolygon: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant([[0.1, 0.1], [0.9, 0.9], [0.9, 0.1], [0.1, 0.9]]),
  fc.constant([[0.5, 0.5], [0.5, 0.5], [0.5, 0.5]]),
  fc.array(fc.tuple(fc.double({ min: -1, max: 2, noNaN: true }), fc.double({ min: -1, max: 2, noNaN: true })), { maxLength: 8 }),
);

/** A whole request body that is not the JSON it claims to be, or JSON no schema expects. */
export const hostileRawBody: fc.Arbitrary<string> = fc.constantFrom(
  '',
  'null',
  '[]',
  '"text"',
  '{',
  '{"a":1e400}',
  '{"__proto__":{"polluted":1}}',
  '{"constructor":{"prototype":{"polluted":1}}}',
  `${'['.repeat(20_000)}${']'.repeat(20_000)}`,
  '{"name":"\\u0000"}',
  '{"name":"\\ud800"}',
  '\u0000',
);
