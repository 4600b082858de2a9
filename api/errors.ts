// One error shape for every route: { error, message, field? }. Validation errors name the field
// as a dotted path (source.id, evidence.0.sha256) so a caller can fix the body without guessing.
import type { FastifyError, FastifyInstance } from 'fastify';
import { BadCursorError } from './case/query.ts';
import { UnknownTypeError } from './case/ingest.ts';
import { CaseNotFoundError, MoveNotAllowedError } from './case/lifecycle.ts';

export interface ValidationIssue {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

/** The field a schema error is about, e.g. "evidence.0.sha256" or "dedupeKey" for a missing one. */
export function fieldOf(issue: ValidationIssue): string {
  const parts = issue.instancePath.split('/').filter(Boolean);
  if (issue.keyword === 'required' && typeof issue.params.missingProperty === 'string') parts.push(issue.params.missingProperty);
  if (issue.keyword === 'additionalProperties' && typeof issue.params.additionalProperty === 'string') parts.push(issue.params.additionalProperty);
  return parts.join('.');
}

/** What is wrong, in words: a value outside a list names the list, so the caller need not guess. */
function describeIssue(issue: ValidationIssue): string {
  if (issue.keyword === 'required') return 'is required';
  const allowed = issue.params.allowedValues;
  if (issue.keyword === 'enum' && Array.isArray(allowed)) return `must be one of: ${allowed.join(', ')}`;
  if (issue.keyword === 'const') return `must be ${JSON.stringify(issue.params.allowedValue)}`;
  if (issue.keyword === 'format' && issue.params.format === 'date-time') return 'must be an ISO 8601 date-time with its time zone, a real day from the year 1900 on, e.g. "2026-03-02T09:30:00+08:00"';
  return issue.message ?? 'is invalid';
}

export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError & { validation?: ValidationIssue[]; validationContext?: string }, request, reply) => {
    if (error.validation?.length) {
      const issue = error.validation[0]!;
      const field = fieldOf(issue);
      const where = error.validationContext ?? 'body';
      const message = describeIssue(issue);
      return reply.code(400).send({ error: 'bad_request', message: `${where}${field ? `.${field}` : ''} ${message}`, field: field || where, in: where });
    }
    if (error instanceof MoveNotAllowedError) {
      return reply.code(409).send({ error: 'invalid_move', message: error.message, status: error.status, move: error.move, allowed: error.allowed });
    }
    if (error instanceof CaseNotFoundError) return reply.code(404).send({ error: 'not_found', message: error.message });
    if (error instanceof BadCursorError) return reply.code(400).send({ error: 'bad_request', message: error.message, field: 'cursor', in: 'querystring' });
    if (error instanceof UnknownTypeError) return reply.code(422).send({ error: 'unknown_type', message: error.message, field: 'type' });
    const status = error.statusCode ?? 500;
    if (status < 500) return reply.code(status).send({ error: error.code ?? 'bad_request', message: error.message });
    request.log.error({ err: error }, 'request failed');
    return reply.code(500).send({ error: 'internal', message: 'internal error; see the API log' });
  });
  app.setNotFoundHandler((request, reply) => reply.code(404).send({ error: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0]}` }));
}
