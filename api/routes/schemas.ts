// Schema pieces and role lists shared by the route plugins.
import { CASE_STATUSES, VIOLATION_TYPES } from '../../contracts/case.ts';
import type { Role } from '../case/actor.ts';

/** Who may do what; admin may always. */
export const ROLES = {
  ingest: ['ingest'],
  readCases: ['reviewer', 'operator', 'dispatcher'],
  review: ['reviewer'],
  lifecycle: ['reviewer', 'dispatcher'],
  /** A field key (one unit's cases) and, on the unit's behalf, dispatchers. */
  field: ['field', 'dispatcher'],
  readCameras: ['ingest', 'operator', 'reviewer'],
  configure: ['operator'],
  readTypes: ['ingest', 'operator', 'reviewer'],
  admin: [],
} satisfies Record<string, Role[]>;

export const errorSchema = {
  type: 'object',
  additionalProperties: true,
  properties: {
    error: { type: 'string' },
    message: { type: 'string' },
    field: { type: 'string', description: 'the offending field, as a dotted path' },
    status: { type: 'string', description: 'invalid move: the case status' },
    allowed: { type: 'array', items: { type: 'string' }, description: 'invalid move: the moves allowed from that status' },
  },
} as const;

/** Moves whose body is optional: an empty POST means an empty object. */
export async function emptyBodyIsObject(request: { body: unknown }): Promise<void> {
  if (request.body === undefined || request.body === null) request.body = {};
}

/** Case ids are bigint in the store; past 2^53 a JS number is no longer the id that was typed, so that is the bound. */
export const caseIdParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'case id' } },
} as const;

export const noteBody = {
  type: 'object',
  additionalProperties: false,
  properties: { note: { type: 'string', maxLength: 2000 } },
} as const;

export const statusEnum = { type: 'string', enum: [...CASE_STATUSES] } as const;
export const typeEnum = { type: 'string', enum: [...VIOLATION_TYPES] } as const;

/** Query filters shared by the list and the export. Comma-separated lists are split before validation. */
export const caseFilterQuery = {
  status: { type: 'array', items: statusEnum, description: 'one or more statuses (repeat or comma-separate)' },
  type: { type: 'array', items: typeEnum },
  source: { type: 'string', description: 'camera or survey id' },
  sourceKind: { type: 'string', enum: ['camera', 'survey'] },
  from: { type: 'string', format: 'date-time', description: 'seen at or after' },
  to: { type: 'string', format: 'date-time', description: 'seen before' },
  bbox: {
    type: 'string',
    pattern: '^-?\\d+(\\.\\d+)?,-?\\d+(\\.\\d+)?,-?\\d+(\\.\\d+)?,-?\\d+(\\.\\d+)?$',
    description: 'minLon,minLat,maxLon,maxLat',
  },
  overdue: { type: 'boolean' },
  unit: { type: 'string', maxLength: 200, description: 'dispatched to this unit' },
  zone: { type: 'string', maxLength: 200, description: 'zone id' },
  q: { type: 'string', maxLength: 64, description: 'case number (123 or #123) or part of a plate' },
  held: {
    type: 'boolean',
    description: "true: only the 'likely false alarm' list (verdict score below the type's hold threshold); false: leave those out",
  },
} as const;

export const moveResultSchema = {
  type: 'object',
  properties: {
    caseId: { type: 'integer' },
    from: { type: 'string' },
    to: { type: 'string' },
    auditId: { type: 'integer' },
    dueAt: { type: ['string', 'null'], description: 'dispatch: when the unit must have handled it' },
  },
} as const;

export function splitCommaLists(query: Record<string, unknown>, keys: string[]): void {
  for (const k of keys) {
    const v = query[k];
    if (typeof v === 'string') query[k] = v.split(',').filter(Boolean);
    else if (Array.isArray(v)) query[k] = v.flatMap((x) => (typeof x === 'string' ? x.split(',').filter(Boolean) : [x]));
  }
}

export interface FilterQuery {
  status?: string[];
  type?: string[];
  source?: string;
  sourceKind?: 'camera' | 'survey';
  from?: string;
  to?: string;
  bbox?: string;
  overdue?: boolean;
  unit?: string;
  zone?: string;
  q?: string;
  held?: boolean;
}

export function toFilter(q: FilterQuery) {
  return {
    status: q.status as never,
    type: q.type,
    source: q.source,
    sourceKind: q.sourceKind,
    from: q.from ? new Date(q.from) : undefined,
    to: q.to ? new Date(q.to) : undefined,
    bbox: q.bbox ? (q.bbox.split(',').map(Number) as [number, number, number, number]) : undefined,
    overdue: q.overdue,
    unit: q.unit,
    zone: q.zone,
    q: q.q,
    held: q.held,
  };
}

/** Schemas referenced by $ref from several routes; added to the app once. */
export const sharedSchemas = [
  {
    $id: 'CaseIngestResult',
    type: 'object',
    required: ['caseId', 'status', 'result'],
    properties: {
      caseId: { type: 'integer' },
      status: statusEnum,
      result: { type: 'string', enum: ['created', 'merged', 'reopened', 'duplicate'] },
    },
  },
];

/** The query of the reviewed-material exports: a review window and a page (cursor: the pattern of that export's page key). */
export function reviewedWindowQuery(cursorPattern: string) {
  return {
    type: 'object',
    required: ['since'],
    additionalProperties: false,
    properties: {
      since: { type: 'string', format: 'date-time' },
      until: { type: 'string', format: 'date-time' },
      cursor: { type: 'string', pattern: cursorPattern },
      limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 },
    },
  } as const;
}

export interface ReviewedWindowQuery {
  since: string;
  until?: string;
  cursor?: string;
  limit?: number;
}
