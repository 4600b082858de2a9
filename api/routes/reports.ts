// GET /v1/reports/assessment: the assessment (考核评价) over a window, grouped by unit, type, zone
// or source. One route, three answers by the Accept header: JSON (default), CSV (text/csv) or a
// spreadsheet (the XLSX media type), so the page's download buttons and a city's scripts use the
// same figures.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { ROLES as ALL_ROLES, type Role } from '../case/actor.ts';
import { isCalendar } from '../case/deadline.ts';
import { assessment, GROUP_BYS, type GroupBy } from '../report/assessment.ts';
import { assessmentTable, CSV_TYPE, toCsv, toXlsx, XLSX_TYPE } from '../report/assessment-table.ts';
import { ReportRangeError, reportRange } from '../report/report-range.ts';
import { localDay } from '../report/weeks.ts';
import { errorSchema } from './schemas.ts';

/** Who reads reports: the people of the board (reviewers, and dispatchers where that role exists); admin always. */
export const REPORT_ROLES: Role[] = ALL_ROLES.filter((r) => r === 'reviewer' || (r as string) === 'dispatcher');

const DEFAULT_TIME_ZONE = 'Asia/Shanghai';

/** The city's time zone: the working calendar's, which due times are counted in too. */
export async function cityTimeZone(app: FastifyInstance): Promise<string> {
  const [setting] = await app.db.query<{ value: unknown }>("SELECT value FROM settings WHERE name = 'working_calendar'");
  return setting && isCalendar(setting.value) ? setting.value.timezone : DEFAULT_TIME_ZONE;
}

type Format = 'json' | 'csv' | 'xlsx';

/** The format the Accept header prefers most (q-values honoured); JSON for anything else (any type, a wildcard, none). */
export function wantedFormat(accept: string | undefined): Format {
  let best: { format: Format; q: number } = { format: 'json', q: 0 };
  for (const part of (accept ?? '').split(',')) {
    const [type, ...params] = part.split(';').map((p) => p.trim().toLowerCase());
    const qParam = params.find((p) => p.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    const format: Format | undefined = type === XLSX_TYPE ? 'xlsx' : type === CSV_TYPE ? 'csv' : type === 'application/json' ? 'json' : undefined;
    if (format && Number.isFinite(q) && q > best.q) best = { format, q };
  }
  return best.format;
}

interface Query {
  from?: string;
  to?: string;
  groupBy: GroupBy;
}

export async function reportsRoutes(app: FastifyInstance): Promise<void> {
  app.get<{ Querystring: Query }>(
    '/v1/reports/assessment',
    {
      config: { roles: REPORT_ROLES },
      schema: {
        tags: ['reports'],
        summary: 'Assessment (考核评价) per unit, type, zone or source, with a weekly trend; JSON, or CSV / XLSX by the Accept header',
        description:
          'from/to: a date (local midnight in the working calendar\'s time zone) or a date-time with offset; to is exclusive; at most 366 days; default the 7 days up to now. ' +
          `Accept: ${CSV_TYPE} for CSV, ${XLSX_TYPE} for a spreadsheet, anything else for JSON.`,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            from: { type: 'string', minLength: 1, maxLength: 40 },
            to: { type: 'string', minLength: 1, maxLength: 40 },
            groupBy: { type: 'string', enum: [...GROUP_BYS], default: 'unit' },
          },
        },
        response: { 400: errorSchema },
      },
    },
    async (request, reply) => {
      const now = app.clock();
      const timeZone = await cityTimeZone(app);
      let range;
      try {
        range = reportRange(request.query, now, timeZone);
      } catch (err) {
        if (err instanceof ReportRangeError) return reply.code(400).send({ error: 'bad_request', message: err.message, field: err.field, in: 'querystring' });
        throw err;
      }
      const report = await assessment(app.db, { groupBy: request.query.groupBy, ...range, now, timeZone });
      return send(reply, report, wantedFormat(request.headers.accept));
    },
  );
}

async function send(reply: FastifyReply, report: Awaited<ReturnType<typeof assessment>>, format: Format): Promise<unknown> {
  reply.header('vary', 'accept');
  if (format === 'json') return report;
  // Named by the local days it covers, the last one included: what a person asked for.
  const name = `assessment-${report.groupBy}-${localDay(new Date(report.from), report.timeZone)}-${localDay(new Date(Date.parse(report.to) - 1), report.timeZone)}`;
  const table = assessmentTable(report);
  if (format === 'csv') {
    return reply.type(`${CSV_TYPE}; charset=utf-8`).header('content-disposition', `attachment; filename="${name}.csv"`).send(toCsv(table));
  }
  return reply.type(XLSX_TYPE).header('content-disposition', `attachment; filename="${name}.xlsx"`).send(await toXlsx(report, table));
}
