// The operator-editable type table ((standard, code) pairs, Chinese name, handling limit) and the
// working calendar the limits count in.
import type { FastifyInstance } from 'fastify';
import { HANDLING_LIMIT_MAX_MINUTES, listCaseTypes, getSetting, putSetting, deadlineReachable, updateCaseType, type CaseTypeUpdate } from '../case/case-types.ts';
import type { WorkingCalendar } from '../case/deadline.ts';
import { isTimeZone } from '../../contracts/time-zone.ts';
import { errorSchema, ROLES, typeEnum } from './schemas.ts';

const hhmm = { type: 'string', pattern: '^([01]\\d|2[0-3]):[0-5]\\d$' } as const;
const isoDate = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' } as const;

export async function caseTypesRoutes(app: FastifyInstance): Promise<void> {
  app.get('/v1/case-types', { config: { roles: ROLES.readTypes }, schema: { tags: ['case types'], summary: 'Violation types with their codes and handling limits' } }, async () => ({
    items: await listCaseTypes(app.db),
  }));

  app.put<{ Params: { type: string }; Body: CaseTypeUpdate }>(
    '/v1/case-types/:type',
    {
      config: { roles: ROLES.configure },
      schema: {
        tags: ['case types'],
        summary: "Replace a type's name, handling limit and (standard, code) pairs; new cases use the primary pair",
        params: { type: 'object', required: ['type'], properties: { type: typeEnum } },
        body: {
          type: 'object',
          required: ['nameZh', 'handlingLimitMinutes', 'workingTime', 'codes'],
          additionalProperties: false,
          properties: {
            nameZh: { type: 'string', minLength: 1, maxLength: 50 },
            handlingLimitMinutes: { type: 'integer', minimum: 1, maximum: HANDLING_LIMIT_MAX_MINUTES, description: 'at most a year (527040 minutes)' },
            workingTime: { type: 'boolean' },
            codes: {
              type: 'array',
              minItems: 1,
              items: {
                type: 'object',
                required: ['standard', 'code'],
                additionalProperties: false,
                properties: { standard: { type: 'string', minLength: 1, maxLength: 100 }, code: { type: 'string', minLength: 1, maxLength: 20 }, primary: { type: 'boolean' } },
              },
            },
          },
        },
        response: { 400: errorSchema, 404: errorSchema },
      },
    },
    async (request, reply) => {
      const primaries = request.body.codes.filter((c) => c.primary).length;
      if (primaries !== 1) return reply.code(400).send({ error: 'bad_request', message: `body.codes needs exactly one primary pair, got ${primaries}`, field: 'codes' });
      const seen = new Set(request.body.codes.map((c) => `${c.standard}\u0000${c.code}`));
      if (seen.size !== request.body.codes.length) return reply.code(400).send({ error: 'bad_request', message: 'body.codes lists a (standard, code) pair twice', field: 'codes' });
      const calendar = await getSetting<WorkingCalendar>(app.db, 'working_calendar');
      if (request.body.workingTime && calendar && !deadlineReachable(request.body.handlingLimitMinutes, calendar, app.clock())) {
        const message = `body.handlingLimitMinutes: ${request.body.handlingLimitMinutes} working minutes do not run out within ten years of the working calendar's hours`;
        return reply.code(400).send({ error: 'bad_request', message, field: 'handlingLimitMinutes' });
      }
      if (!(await updateCaseType(app.db, request.params.type, request.body, app.clock()))) {
        return reply.code(404).send({ error: 'not_found', message: `type ${request.params.type} is not in the table` });
      }
      request.log.info({ type: request.params.type, actor: request.actor!.name }, 'case type changed');
      return (await listCaseTypes(app.db)).find((t) => t.type === request.params.type);
    },
  );

  app.get('/v1/settings/working-calendar', { config: { roles: ROLES.readTypes }, schema: { tags: ['case types'], summary: 'Working hours the handling limits count in' } }, async () =>
    getSetting<WorkingCalendar>(app.db, 'working_calendar'),
  );

  app.put<{ Body: WorkingCalendar }>(
    '/v1/settings/working-calendar',
    {
      config: { roles: ROLES.configure },
      schema: {
        tags: ['case types'],
        summary: 'Replace the working calendar (hours, holidays, make-up working days)',
        body: {
          type: 'object',
          required: ['timezone', 'days', 'periods', 'holidays', 'workdays'],
          additionalProperties: false,
          properties: {
            timezone: { type: 'string', minLength: 1 },
            days: { type: 'array', items: { type: 'integer', minimum: 1, maximum: 7 }, uniqueItems: true },
            periods: {
              type: 'array',
              minItems: 1,
              maxItems: 12,
              items: { type: 'object', required: ['start', 'end'], additionalProperties: false, properties: { start: hhmm, end: hhmm } },
            },
            holidays: { type: 'array', maxItems: 1000, items: isoDate },
            workdays: { type: 'array', maxItems: 1000, items: isoDate },
          },
        },
        response: { 400: errorSchema },
      },
    },
    async (request, reply) => {
      const cal = request.body;
      if (!isTimeZone(cal.timezone)) return reply.code(400).send({ error: 'bad_request', message: `body.timezone ${cal.timezone} is not an IANA time zone`, field: 'timezone' });
      if (cal.days.length === 0 && cal.workdays.length === 0) {
        // Handling limits counted in working time would never run out: dispatch could set no due time.
        return reply.code(400).send({ error: 'bad_request', message: 'body.days names no working weekday and body.workdays no working date: the calendar has no working time', field: 'days' });
      }
      const bad = cal.periods.findIndex((p, i) => p.start >= p.end || (i > 0 && p.start < cal.periods[i - 1]!.end));
      if (bad >= 0) return reply.code(400).send({ error: 'bad_request', message: `body.periods.${bad} must start before it ends and after the previous period`, field: `periods.${bad}` });
      const stuck = (await listCaseTypes(app.db)).find((t) => t.workingTime && !deadlineReachable(t.handlingLimitMinutes, cal, app.clock()));
      if (stuck) {
        const message = `body.periods: with these hours, the ${stuck.handlingLimitMinutes} working minutes of type ${stuck.type} do not run out within ten years`;
        return reply.code(400).send({ error: 'bad_request', message, field: 'periods' });
      }
      await putSetting(app.db, 'working_calendar', cal, app.clock());
      return cal;
    },
  );
}
