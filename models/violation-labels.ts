// Which detector labels mean which violation type (DESIGN.md: "a detector's labels map to violation
// types through config, not code"). models/violation-labels.json holds the mapping; a city that
// installs a garbage model whose class is called "refuse" adds that name here, nothing else.
//
// One entry per violation type. `labels` are detector labels whose objects the type's rule judges
// (any detector in the manifest may supply them); the other fields are that rule's knobs:
//   street_vending        requiresLabels: labels that must be detectable too (the vendor: person)
//   exposed_garbage       minAreaRatio: smallest box, as a fraction of the frame's area;
//                         persistSeconds: how long it must stay before it is a violation
//   uncovered_muck_truck  attribute/value: the classifier result that means "uncovered";
//                         uncoveredFrames of ofLastFrames: how many recent sightings must say so
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ViolationType } from '../contracts/types.ts';
import { MODELS_DIR } from './manifest.ts';

export const DEFAULT_VIOLATION_LABELS = path.join(MODELS_DIR, 'violation-labels.json');

export interface TypeMapping {
  labels: string[];
  requiresLabels?: string[];
  minAreaRatio?: number;
  persistSeconds?: number;
  attribute?: string;
  value?: string;
  uncoveredFrames?: number;
  ofLastFrames?: number;
}

export interface ViolationLabels {
  /** The file it was read from, for messages. */
  path: string;
  types: Partial<Record<ViolationType, TypeMapping>>;
}

// A record, so that adding a type to the contract without deciding its mapping fails to compile.
const TYPES: Record<ViolationType, true> = {
  street_vending: true,
  illegal_parking: true,
  exposed_garbage: true,
  illegal_construction: true,
  uncovered_muck_truck: true,
};
export const VIOLATION_TYPE_LIST = Object.keys(TYPES) as ViolationType[];

export class ViolationLabelsError extends Error {
  override name = 'ViolationLabelsError';
}

export async function loadViolationLabels(file: string = DEFAULT_VIOLATION_LABELS): Promise<ViolationLabels> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new ViolationLabelsError(`${file}: cannot read the label → violation mapping (${(error as Error).message})`);
  }
  return parseViolationLabels(raw, file);
}

export function parseViolationLabels(raw: unknown, file: string): ViolationLabels {
  const fail = (where: string, problem: string) => new ViolationLabelsError(`${file}: ${where}: ${problem}`);
  if (!isObject(raw)) throw fail('top level', `must be an object keyed by violation type (${VIOLATION_TYPE_LIST.join(', ')})`);
  const types: ViolationLabels['types'] = {};
  for (const [type, value] of Object.entries(raw)) {
    if (!(type in TYPES)) throw fail(type, `not a violation type (known: ${VIOLATION_TYPE_LIST.join(', ')})`);
    if (!isObject(value)) throw fail(type, 'must be an object with "labels"');
    const known = ['labels', 'requiresLabels', 'minAreaRatio', 'persistSeconds', 'attribute', 'value', 'uncoveredFrames', 'ofLastFrames'];
    // A typo ("persistSecond") would otherwise silently keep the rule's default.
    for (const key of Object.keys(value)) if (!known.includes(key)) throw fail(`${type}.${key}`, `unknown field (known: ${known.join(', ')})`);
    const labelList = (key: string, required: boolean): string[] | undefined => {
      const v = value[key];
      if (v === undefined && !required) return undefined;
      if (!Array.isArray(v) || v.length === 0 || !v.every((l) => typeof l === 'string' && l.trim() !== '')) {
        throw fail(`${type}.${key}`, 'must be a non-empty list of detector labels');
      }
      return v as string[];
    };
    const number = (key: string, ok: (n: number) => boolean, what: string): number | undefined => {
      const v = value[key];
      if (v === undefined) return undefined;
      if (typeof v !== 'number' || !ok(v)) throw fail(`${type}.${key}`, `must be ${what}`);
      return v;
    };
    const text = (key: string): string | undefined => {
      const v = value[key];
      if (v === undefined) return undefined;
      if (typeof v !== 'string' || v === '') throw fail(`${type}.${key}`, 'must be a non-empty string');
      return v;
    };
    const mapping: TypeMapping = { labels: labelList('labels', true)! };
    const optional: Partial<TypeMapping> = {
      requiresLabels: labelList('requiresLabels', false),
      minAreaRatio: number('minAreaRatio', (n) => n >= 0 && n < 1, 'a fraction of the frame area, from 0 to below 1'),
      persistSeconds: number('persistSeconds', (n) => n >= 0, 'a number of seconds, 0 or more'),
      attribute: text('attribute'),
      value: text('value'),
      uncoveredFrames: number('uncoveredFrames', (n) => Number.isInteger(n) && n >= 1, 'a positive integer'),
      ofLastFrames: number('ofLastFrames', (n) => Number.isInteger(n) && n >= 1, 'a positive integer'),
    };
    for (const [k, v] of Object.entries(optional)) if (v !== undefined) (mapping as unknown as Record<string, unknown>)[k] = v;
    if ((mapping.attribute === undefined) !== (mapping.value === undefined)) {
      throw fail(type, '"attribute" and "value" go together (e.g. "cover" and "uncovered")');
    }
    if (mapping.uncoveredFrames !== undefined && mapping.ofLastFrames !== undefined && mapping.uncoveredFrames > mapping.ofLastFrames) {
      throw fail(`${type}.uncoveredFrames`, `must not exceed ofLastFrames (${mapping.ofLastFrames})`);
    }
    types[type as ViolationType] = mapping;
  }
  return { path: file, types };
}

/** The violation types whose rules judge objects with this detector label. */
export function violationTypesForLabel(mapping: ViolationLabels, label: string): ViolationType[] {
  return VIOLATION_TYPE_LIST.filter((t) => mapping.types[t]?.labels.includes(label));
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
