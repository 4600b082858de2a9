// Scenario files for `npm run eval -- rules`: which footage to replay through the camera pipeline,
// with which camera config, and which violations a person expects from it. JSON or YAML; every
// error names the file, the line and the field, e.g.
// `samples/scenarios/x.json:12: scenarios[0].expect[1].within: must be [from, to] seconds or "any"`.
// Paths inside a file are relative to the file.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import YAML from 'yaml';
import { VIOLATION_TYPES } from '../../contracts/camera.ts';
import type { ViolationType } from '../../contracts/types.ts';
import type { ExpectedViolation } from './violation-metrics.ts';

export type ScenarioSource =
  | { kind: 'video'; path: string }
  /** One picture shown for `seconds`, made into a video at run time. */
  | { kind: 'still'; path: string; seconds: number; fps: number }
  /** A folder of frames (sorted by name) at `fps` frames per second. */
  | { kind: 'frames'; dir: string; fps: number }
  /** Footage composed at run time from real vehicle photos over a real background (street-footage.ts). */
  | { kind: 'compose'; path: string };

export interface Scenario {
  name: string;
  source: ScenarioSource;
  /** Camera config file (absolute). */
  camera: string;
  /** Scene time of the first frame (zone schedules use it). */
  start: Date;
  expected: ExpectedViolation[];
  /** "None of type X". */
  none: ViolationType[];
  /** Where the scenario and each expected entry are written, for later errors (e.g. an unknown zone). */
  line?: number;
  expectedLines: Array<number | undefined>;
}

export interface ScenarioFile {
  file: string;
  scenarios: Scenario[];
}

/** A scenario file that cannot be used: `<file>:<line>: <field>: <problem>`. */
export class ScenarioFileError extends Error {
  override name = 'ScenarioFileError';
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    readonly field: string | undefined,
    problem: string,
  ) {
    super(`${file}${line === undefined ? '' : `:${line}`}: ${field ? `${field}: ` : ''}${problem}`);
  }
}

/** Scene start when a scenario gives none: a weekday morning, inside usual no-parking hours. */
export const DEFAULT_SCENE_START = '2026-05-04T09:00:00+08:00';
const STILL_FPS = 5;
const SCENARIO_FIELDS = ['name', 'video', 'still', 'seconds', 'frames', 'fps', 'compose', 'camera', 'start', 'expect', 'note'];
const EXPECT_FIELDS = ['type', 'zone', 'within', 'none', 'count', 'note'];

type Path = Array<string | number>;
const fieldName = (p: Path) => p.reduce<string>((s, k) => (typeof k === 'number' ? `${s}[${k}]` : s ? `${s}.${k}` : k), '');

export async function loadScenarioFile(file: string): Promise<ScenarioFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ScenarioFileError(file, undefined, undefined, `cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  return parseScenarioFile(text, file);
}

export function parseScenarioFile(text: string, file: string): ScenarioFile {
  const isJson = !/\.ya?ml$/i.test(file);
  if (isJson) {
    try {
      JSON.parse(text);
    } catch (error) {
      const message = (error as Error).message;
      const position = /position (\d+)/.exec(message);
      const lineMatch = /line (\d+)/.exec(message);
      const line = position ? text.slice(0, Number(position[1])).split('\n').length : lineMatch ? Number(lineMatch[1]) : undefined;
      throw new ScenarioFileError(file, line, undefined, `not valid JSON (${message.split('\n')[0]})`);
    }
  }
  // JSON is read through the YAML parser too: it keeps where every value is written.
  const lineCounter = new YAML.LineCounter();
  const doc = YAML.parseDocument(text, { lineCounter, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    throw new ScenarioFileError(file, e.linePos?.[0].line, undefined, `not valid ${isJson ? 'JSON' : 'YAML'} (${e.message.split('\n')[0]})`);
  }
  const root: unknown = doc.toJS();
  const lineOf = (p: Path): number | undefined => {
    for (let n = p.length; n >= 0; n--) {
      const node = n === 0 ? doc.contents : doc.getIn(p.slice(0, n), true);
      const range = (node as { range?: [number, number, number] } | undefined)?.range;
      if (range) return lineCounter.linePos(range[0]).line;
    }
    return undefined;
  };
  const fail = (p: Path, problem: string): never => {
    throw new ScenarioFileError(file, lineOf(p), p.length ? fieldName(p) : undefined, problem);
  };
  const dir = path.dirname(path.resolve(file));

  // A bare list of scenarios, or { scenarios: [...] }.
  let list: unknown;
  let base: Path;
  if (Array.isArray(root)) {
    list = root;
    base = [];
  } else if (isObject(root)) {
    const extra = Object.keys(root).filter((k) => k !== 'scenarios');
    if (extra.length) fail([extra[0]!], 'unknown field (the file holds "scenarios": [...])');
    list = root.scenarios;
    base = ['scenarios'];
    if (!Array.isArray(list)) fail(base, 'must be a list of scenarios');
  } else {
    return fail([], 'must be a list of scenarios, or an object with "scenarios": [...]');
  }
  const items = list as unknown[];
  if (items.length === 0) fail(base, 'no scenarios');

  const names = new Set<string>();
  const scenarios = items.map((raw, i): Scenario => {
    const at: Path = [...base, i];
    if (!isObject(raw)) return fail(at, 'must be an object');
    for (const k of Object.keys(raw)) if (!SCENARIO_FIELDS.includes(k)) fail([...at, k], `unknown field (allowed: ${SCENARIO_FIELDS.join(', ')})`);
    const name = raw.name === undefined ? `scenario ${i + 1}` : raw.name;
    if (typeof name !== 'string' || !name.trim()) fail([...at, 'name'], 'must be a non-empty string');
    if (names.has(name as string)) fail([...at, 'name'], `"${name}" is used by an earlier scenario`);
    names.add(name as string);

    const given = (['video', 'still', 'frames', 'compose'] as const).filter((k) => raw[k] !== undefined);
    if (given.length !== 1) fail(given.length ? [...at, given[1]!] : at, 'give exactly one of "video", "still" (with "seconds"), "frames" (with "fps") or "compose" (a footage composition file)');
    const kind = given[0]!;
    const rel = raw[kind];
    if (typeof rel !== 'string' || !rel) fail([...at, kind], 'must be a path (relative to the scenario file)');
    const abs = path.resolve(dir, rel as string);
    const positive = (k: string, max: number): number => {
      const v = raw[k];
      if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || v > max) return fail([...at, k], `must be a number above 0 and at most ${max}`);
      return v;
    };
    const refuse = (k: string, why: string) => raw[k] !== undefined && fail([...at, k], why);
    let source: ScenarioSource;
    if (kind === 'video' || kind === 'compose') {
      refuse('seconds', kind === 'video' ? 'only for a "still"' : 'only for a "still" (a composition says how long it lasts)');
      refuse('fps', kind === 'video' ? 'only for "frames" or a "still" (a video has its own frame rate)' : 'only for "frames" or a "still" (a composition has its own frame rate)');
      source = { kind, path: abs };
    } else if (kind === 'still') {
      if (raw.seconds === undefined) fail([...at, 'seconds'], 'a "still" needs "seconds": how long the picture is shown');
      source = { kind, path: abs, seconds: positive('seconds', 24 * 3600), fps: raw.fps === undefined ? STILL_FPS : positive('fps', 60) };
    } else {
      refuse('seconds', 'only for a "still" ("frames" last as long as their count at "fps")');
      if (raw.fps === undefined) fail([...at, 'fps'], '"frames" need "fps": the frame rate they were taken at');
      source = { kind, dir: abs, fps: positive('fps', 120) };
    }

    if (typeof raw.camera !== 'string' || !raw.camera) fail([...at, 'camera'], 'must be the path of a camera config file (relative to the scenario file)');
    let start = new Date(DEFAULT_SCENE_START);
    if (raw.start !== undefined) {
      start = typeof raw.start === 'string' && /\d{4}-\d\d-\d\dT\d\d:\d\d/.test(raw.start) ? new Date(raw.start) : new Date(Number.NaN);
      if (Number.isNaN(start.getTime())) fail([...at, 'start'], 'must be an ISO date-time with its offset, e.g. 2026-05-04T09:00:00+08:00');
    }

    if (!Array.isArray(raw.expect)) fail([...at, 'expect'], 'must be a list of expected violations ([] when none are expected)');
    const expected: ExpectedViolation[] = [];
    const expectedLines: Array<number | undefined> = [];
    const none: ViolationType[] = [];
    (raw.expect as unknown[]).forEach((e, j) => {
      const ep: Path = [...at, 'expect', j];
      if (!isObject(e)) return fail(ep, 'must be an object such as {"type": "illegal_parking", "zone": "kerb", "within": [60, 90]} or {"none": "street_vending"}');
      for (const k of Object.keys(e)) if (!EXPECT_FIELDS.includes(k)) fail([...ep, k], `unknown field (allowed: ${EXPECT_FIELDS.join(', ')})`);
      const violationType = (k: 'type' | 'none'): ViolationType => {
        if (!VIOLATION_TYPES.includes(e[k] as ViolationType)) return fail([...ep, k], `must be one of ${VIOLATION_TYPES.join(', ')}`);
        return e[k] as ViolationType;
      };
      if (e.none !== undefined) {
        for (const k of ['type', 'zone', 'within', 'count']) if (e[k] !== undefined) fail([...ep, k], 'not with "none" (which says no violation of that type at all)');
        none.push(violationType('none'));
        return;
      }
      const type = violationType('type');
      if (typeof e.zone !== 'string' || !e.zone) fail([...ep, 'zone'], 'must be the id of a zone of the camera config');
      let window: ExpectedViolation['window'];
      if (e.within === undefined || e.within === 'any') window = undefined;
      else if (Array.isArray(e.within) && e.within.length === 2 && e.within.every((v) => typeof v === 'number' && Number.isFinite(v) && v >= 0) && e.within[0] <= e.within[1]) {
        window = { from: e.within[0] as number, to: e.within[1] as number };
      } else fail([...ep, 'within'], 'must be [from, to] seconds from the start (from ≤ to), or "any"');
      const count = e.count === undefined ? 1 : e.count;
      if (!Number.isInteger(count) || (count as number) < 1 || (count as number) > 1000) fail([...ep, 'count'], 'must be a whole number from 1 to 1000');
      for (let c = 0; c < (count as number); c++) {
        expected.push({ type, zone: e.zone as string, ...(window ? { window } : {}) });
        expectedLines.push(lineOf(ep));
      }
    });
    return { name: name as string, source, camera: path.resolve(dir, raw.camera as string), start, expected, none, line: lineOf(at), expectedLines };
  });
  return { file, scenarios };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
