// One door for every route: input the database cannot hold is refused with 400 and the field's
// path before any route sees it, instead of failing deep in a write as a 500. PostgreSQL refuses
// NUL in text and jsonb, and lone UTF-16 surrogates in jsonb; integer columns hold 32 bits; a
// structure nested thousands deep overflows the stack of whatever serialises it next. So:
//  - every string and every object key in the body, the path parameters and the query is checked
//    for NUL and lone surrogates (at any depth);
//  - nesting is bounded, and a number must be finite (JSON's 1e400 parses as Infinity, and the
//    schema's coercion makes "-Infinity" in a path a number);
//  - every integer a route's schema takes without an upper bound gets the int4 bounds, the
//    narrowest integer column we write; routes needing wider ids (bigint case ids) say so.
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';

/** Deeper than any body the API takes (a GeoJSON MultiPolygon in a FeatureCollection is 8). */
export const MAX_DEPTH = 64;
/** int4: the narrowest integer column behind any route. */
export const INT4 = { min: -2147483648, max: 2147483647 } as const;

export type InputPart = 'body' | 'params' | 'querystring';

export interface InputProblem {
  in: InputPart;
  /** Dotted path as the schema errors name fields (zones.0.name); empty for the whole part. */
  field: string;
  problem: string;
}

const SUSPECT = /[\u0000\ud800-\udfff]/;

/** Why a string cannot be stored as text, or undefined when it can. */
export function unstorableText(s: string): string | undefined {
  // Most text has neither; the scan below tells a lone surrogate from a pair (an emoji).
  if (!SUSPECT.test(s)) return undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0) return 'contains a NUL character (\\u0000), which cannot be stored';
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
      return `contains a lone UTF-16 surrogate (\\u${c.toString(16)}), which is not text`;
    }
    if (c >= 0xdc00 && c <= 0xdfff) return `contains a lone UTF-16 surrogate (\\u${c.toString(16)}), which is not text`;
  }
  return undefined;
}

/** A string as it can be shown in a message: escaped, and cut when long. */
export function shown(s: string, max = 40): string {
  const json = JSON.stringify(s.length > max ? `${s.slice(0, max)}…` : s);
  return json.slice(1, -1);
}

/** The first thing in `value` the store cannot hold, walking iteratively (deep input must not overflow the walk itself). */
export function findUnstorable(value: unknown, part: InputPart): InputProblem | undefined {
  const stack: Array<{ value: unknown; path: string[] }> = [{ value, path: [] }];
  while (stack.length > 0) {
    const { value: v, path } = stack.pop()!;
    const at = (problem: string): InputProblem => ({ in: part, field: path.join('.'), problem });
    if (typeof v === 'string') {
      const problem = unstorableText(v);
      if (problem) return at(problem);
    } else if (typeof v === 'number') {
      if (!Number.isFinite(v)) return at('is not a finite number');
    } else if (v !== null && typeof v === 'object') {
      if (path.length >= MAX_DEPTH) return at(`is nested deeper than ${MAX_DEPTH} levels`);
      if (Array.isArray(v)) {
        for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], path: [...path, String(i)] });
      } else {
        const keys = Object.keys(v);
        for (const key of keys) {
          const problem = unstorableText(key);
          if (problem) return at(`has a key "${shown(key)}" that ${problem}`);
        }
        for (let i = keys.length - 1; i >= 0; i--) stack.push({ value: (v as Record<string, unknown>)[keys[i]!], path: [...path, keys[i]!] });
      }
    }
  }
  return undefined;
}

export function describeProblem(p: InputProblem): string {
  const parts = p.field ? p.field.split('.') : [];
  // A path dozens of levels deep is shown by its ends; the field in the answer keeps all of it.
  const field = parts.length > 10 ? [...parts.slice(0, 4), `…(${parts.length} levels)…`, ...parts.slice(-2)].join('.') : p.field;
  return `${p.in}${field ? `.${field}` : ''}: ${p.problem}`;
}

/** Gives each unbounded integer of a request schema the int4 bounds; returns a copy, never touching shared schema objects. */
export function boundIntegers<T>(schema: T): T {
  if (Array.isArray(schema)) return schema.map((s) => boundIntegers(s)) as T;
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema as Record<string, unknown>)) {
    // enum and const hold values, not schemas.
    out[k] = k === 'enum' || k === 'const' || k === 'default' || k === 'examples' ? v : boundIntegers(v);
  }
  const types = Array.isArray(out.type) ? out.type : [out.type];
  if (types.includes('integer')) {
    if (out.maximum === undefined && out.exclusiveMaximum === undefined) out.maximum = INT4.max;
    if (out.minimum === undefined && out.exclusiveMinimum === undefined) out.minimum = INT4.min;
  }
  return out as T;
}

/** The earliest year a date-time may have: year 0 is no year to PostgreSQL, and drivers read years below 100 as 19xx/20xx. */
export const MIN_YEAR = 1900;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:[Zz]|[+-](\d{2})(?::?(\d{2}))?)$/;

/** An RFC 3339 date-time the store and JavaScript read as the same instant: a real calendar day, no leap second (the store moves it to the next day), a year from MIN_YEAR. */
export function isStorableDateTime(s: string): boolean {
  const m = DATE_TIME.exec(s);
  if (!m) return false;
  const [y, mo, d, h, mi, sec, oh, om] = m.slice(1).map((x) => (x === undefined ? 0 : Number(x))) as number[];
  const daysInMonth = new Date(Date.UTC(y!, mo!, 0)).getUTCDate();
  if (y! < MIN_YEAR || mo! < 1 || mo! > 12 || d! < 1 || d! > daysInMonth || h! > 23 || mi! > 59 || sec! > 59 || oh! > 23 || om! > 59) return false;
  return !Number.isNaN(Date.parse(s));
}

/** Makes the schemas' "date-time" format the storable one (fastify's ajv `onCreate`, after ajv-formats has added its own). */
export function storableDateTimeFormat(ajv: { addFormat(name: string, format: { type: 'string'; validate: (s: string) => boolean }): unknown }): void {
  ajv.addFormat('date-time', { type: 'string', validate: isStorableDateTime });
}

/** A route as the guard saw it registered: what it takes, and who may call it (the fuzz suite walks these). */
export interface RouteInputs {
  methods: string[];
  url: string;
  roles: unknown;
  body?: unknown;
  querystring?: unknown;
  params?: unknown;
  consumes?: string[];
}

const registries = new WeakMap<FastifyInstance, RouteInputs[]>();

/** Every route registered on `app` after the guard was installed, with its (bounded) input schemas. */
export function routeInputs(app: FastifyInstance): readonly RouteInputs[] {
  return registries.get(app) ?? [];
}

const PARTS: Array<[InputPart, (r: FastifyRequest) => unknown]> = [
  ['params', (r) => r.params],
  ['querystring', (r) => r.query],
  ['body', (r) => r.body],
];

export function installInputGuard(app: FastifyInstance): void {
  const routes: RouteInputs[] = [];
  registries.set(app, routes);
  app.addHook('onRoute', (route: RouteOptions) => {
    const schema = route.schema as Record<string, unknown> | undefined;
    if (schema) {
      route.schema = { ...schema };
      for (const part of ['body', 'querystring', 'params'] as const) {
        if (schema[part]) (route.schema as Record<string, unknown>)[part] = boundIntegers(schema[part]);
      }
    }
    const bounded = (route.schema ?? {}) as Record<string, unknown>;
    routes.push({
      methods: [route.method].flat(),
      url: route.url,
      roles: route.config?.roles,
      body: bounded.body,
      querystring: bounded.querystring,
      params: bounded.params,
      consumes: bounded.consumes as string[] | undefined,
    });
  });
  const guard = async (request: FastifyRequest, reply: FastifyReply) => {
    for (const [part, read] of PARTS) {
      const problem = findUnstorable(read(request), part);
      if (problem) return reply.code(400).send({ error: 'bad_request', message: describeProblem(problem), field: problem.field || part, in: part });
    }
  };
  // Before the schema (so a NUL is named as such, not as a pattern mismatch), and again after it:
  // ajv's type coercion turns "-Infinity" in a path or query into a number that passes its bounds.
  app.addHook('preValidation', guard);
  app.addHook('preHandler', guard);
}
