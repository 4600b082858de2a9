// The assessment (考核评价) computed from cases walked through the real API, on PGlite and on a
// real PostgreSQL, with a controlled clock: known lifecycle histories, figures worked out by hand
// below, and the same route read back as JSON, CSV and XLSX (parsed, not string-matched).
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey } from '../../api/auth/keys.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { dbBackends } from '../support/db-backends.ts';
import { A, B, walkHistory, WINDOW } from './assessment-history.ts';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** RFC 4180 fields, quotes included; enough to read back what the route wrote. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') row.push(field), (field = '');
    else if (ch === '\n') row.push(field.replace(/\r$/, '')), rows.push(row), (row = []), (field = '');
    else field += ch;
  }
  return rows;
}

describe.each(dbBackends('assessment'))('assessment report on %s', (_name, db) => {
  let api: TestApi;

  const report = async (query: string, accept?: string) =>
    api.app.inject({ method: 'GET', url: `/v1/reports/assessment?${query}`, headers: { ...api.headers('reviewer'), ...(accept ? { accept } : {}) } });

  beforeAll(async () => {
    api = await startTestApi(await db());
    await walkHistory(api);
  }, 120_000);
  afterAll(async () => api?.close());

  it('per unit: dispatched, on time, overdue, average and p90 handling time, reopen rate', async () => {
    const res = await report(`${WINDOW}&groupBy=unit`);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.weeks).toEqual(['2026-03-02', '2026-03-09']);
    const a = body.rows.find((r: { key: string }) => r.key === A);
    const b = body.rows.find((r: { key: string }) => r.key === B);
    expect(body.rows).toHaveLength(2); // February's dispatch is outside the window
    // A: 10 handled in 6..54 and 75 minutes (limit 60), one never handled.
    expect(a).toMatchObject({ dispatched: 11, handled: 10, handledOnTime: 9, overdue: 2, open: 0, reopened: 1, trend: [11, 0] });
    expect(a.avgHandlingMinutes).toBeCloseTo((6 + 12 + 18 + 24 + 30 + 36 + 42 + 48 + 54 + 75) / 10, 6); // 34.5
    expect(a.p90HandlingMinutes).toBeCloseTo(54, 6); // nearest rank: the 9th of 10
    expect(a.reopenRate).toBeCloseTo(1 / 10, 9);
    expect(a.onTimeRate).toBeCloseTo(9 / 11, 9);
    // B: 100 minutes (due at 12:00, on time) and 200 minutes (late).
    expect(b).toMatchObject({ dispatched: 2, handled: 2, handledOnTime: 1, overdue: 1, reopened: 0, reopenRate: 0, trend: [0, 2] });
    expect(b.avgHandlingMinutes).toBeCloseTo(150, 6);
    expect(b.p90HandlingMinutes).toBeCloseTo(200, 6);
    expect(body.total).toMatchObject({ dispatched: 13, handled: 12, handledOnTime: 10, overdue: 3, reopened: 1, trend: [11, 2] });
    expect(body.total.avgHandlingMinutes).toBeCloseTo((345 + 300) / 12, 6);
    expect(body.total.p90HandlingMinutes).toBeCloseTo(100, 6); // the 11th of 12
  });

  it('per source: the rejected-as-false rate of cameras and drones', async () => {
    const body = (await report(`${WINDOW}&groupBy=source`)).json();
    const camera = body.rows.find((r: { key: string }) => r.key === 'camera');
    const survey = body.rows.find((r: { key: string }) => r.key === 'survey');
    expect(camera).toMatchObject({ found: 16, pending: 1, reviewed: 15, rejected: 2, trend: [12, 4] });
    expect(camera.rejectedRate).toBeCloseTo(2 / 15, 9);
    expect(survey).toMatchObject({ found: 3, reviewed: 3, rejected: 1, trend: [0, 3], label: '无人机 drone survey' });
    expect(survey.rejectedRate).toBeCloseTo(1 / 3, 9);
  });

  it('per type and per zone: counts and the weekly trend', async () => {
    const types = (await report(`${WINDOW}&groupBy=type`)).json();
    const byType = Object.fromEntries(types.rows.map((r: { key: string }) => [r.key, r]));
    expect(byType.illegal_parking).toMatchObject({ found: 14, dispatched: 11, handled: 10, overdue: 1, trend: [11, 3], label: '违停 illegal_parking' });
    expect(byType.street_vending).toMatchObject({ found: 4, rejected: 2, dispatched: 2, handled: 2, trend: [0, 4] });
    expect(byType.exposed_garbage).toMatchObject({ found: 1, pending: 1, trend: [1, 0] });
    expect(types.total).toMatchObject({ found: 19, trend: [12, 7] });
    const zones = (await report(`${WINDOW}&groupBy=zone`)).json();
    expect(Object.fromEntries(zones.rows.map((r: { key: string; found: number }) => [r.key, r.found]))).toEqual({ '': 4, 'no-parking-1': 11, 'sidewalk-2': 4 });
  });

  it('answers CSV with Accept: text/csv, the same figures as the JSON', async () => {
    const res = await report(`${WINDOW}&groupBy=unit`, 'text/csv');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['content-disposition']).toBe('attachment; filename="assessment-unit-2026-03-02-2026-03-15.csv"');
    expect(res.body.startsWith('\uFEFF')).toBe(true);
    const [header, ...rows] = parseCsv(res.body.slice(1));
    expect(header![0]).toBe('处置单位 Unit');
    expect(header).toContain('90%处置时长(分钟) 90th percentile handling (min)');
    expect(header!.slice(-2)).toEqual(['2026-03-02 周 week', '2026-03-09 周 week']);
    const col = (name: string) => header!.findIndex((h) => h.endsWith(name));
    const a = rows.find((r) => r[0] === `城管一中队 (${A})`)!;
    expect(Number(a[col('Dispatched')])).toBe(11);
    expect(Number(a[col('Average handling (min)')])).toBe(34.5);
    expect(Number(a[col('90th percentile handling (min)')])).toBe(54);
    expect(Number(a[col('Reopen rate')])).toBe(0.1);
    expect(rows.at(-1)![0]).toBe('合计 Total');
    expect(rows.at(-1)!.slice(-2)).toEqual(['11', '2']);
    // The client's preference decides: JSON first, CSV only as a fallback, gets JSON.
    const json = await report(`${WINDOW}&groupBy=unit`, 'application/json, text/csv;q=0.5');
    expect(json.headers['content-type']).toMatch(/^application\/json/);
    expect((await report(`${WINDOW}&groupBy=unit`, 'application/json;q=0.2, text/csv')).headers['content-type']).toMatch(/^text\/csv/);
  });

  it('answers XLSX with the spreadsheet media type, which exceljs reads back', async () => {
    const res = await report(`${WINDOW}&groupBy=source`, XLSX);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe(XLSX);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
    const sheet = book.worksheets[0]!;
    const header = (sheet.getRow(1).values as unknown[]).slice(1) as string[];
    expect(header[0]).toBe('来源 Source');
    const survey = sheet.getRow(3).values as unknown[];
    expect(survey[1]).toBe('无人机 drone survey');
    const rateCol = header.indexOf('误报率 Rejected-as-false rate') + 1;
    expect(survey[rateCol]).toBeCloseTo(0.3333, 4);
    expect(sheet.getColumn(rateCol).numFmt).toBe('0.0%');
    expect(book.worksheets[1]!.getCell('B1').value).toBe('source');
  });

  it('refuses a reversed, over-long or malformed range with a 400 naming the problem', async () => {
    const reversed = await report('from=2026-03-16&to=2026-03-02');
    expect(reversed.statusCode).toBe(400);
    expect(reversed.json()).toMatchObject({ field: 'to', in: 'querystring' });
    expect(reversed.json().message).toContain('reversed');
    const long = await report('from=2025-01-01&to=2026-03-01');
    expect(long.statusCode).toBe(400);
    expect(long.json().message).toMatch(/424 days long; a report covers at most 366 days/);
    expect((await report('from=2025-03-02&to=2026-03-02')).statusCode).toBe(200); // exactly a year
    const noDay = await report('from=2026-02-30&to=2026-03-02');
    expect(noDay.statusCode).toBe(400);
    expect(noDay.json()).toMatchObject({ field: 'from', message: 'from "2026-02-30" is not a calendar date' });
    const rolled = await report('from=2026-02-30T08:00:00%2B08:00&to=2026-03-16');
    expect(rolled.statusCode).toBe(400);
    expect(rolled.json().message).toBe('from "2026-02-30T08:00:00+08:00" is not a calendar date');
    const words = await report('from=yesterday');
    expect(words.statusCode).toBe(400);
    expect(words.json().message).toContain('neither a date');
    const group = await report(`${WINDOW}&groupBy=team`);
    expect(group.statusCode).toBe(400);
    expect(group.json().message).toContain('unit, type, zone, source');
  });

  it('is for reviewers, dispatchers and admins; operators, ingest and field keys are refused', async () => {
    const dispatcher = (await createKey(api.app.db, 'dispatcher', 'test dispatcher')).key;
    expect((await api.app.inject({ method: 'GET', url: `/v1/reports/assessment?${WINDOW}`, headers: { authorization: `Bearer ${dispatcher}` } })).statusCode).toBe(200);
    const field = (await createKey(api.app.db, 'field', 'test field', A)).key;
    expect((await api.app.inject({ method: 'GET', url: `/v1/reports/assessment?${WINDOW}`, headers: { authorization: `Bearer ${field}` } })).statusCode).toBe(403);
    for (const role of ['operator', 'ingest'] as const) {
      const res = await api.app.inject({ method: 'GET', url: `/v1/reports/assessment?${WINDOW}`, headers: api.headers(role) });
      expect(res.statusCode).toBe(403);
    }
    expect((await api.app.inject({ method: 'GET', url: `/v1/reports/assessment?${WINDOW}` })).statusCode).toBe(401);
    expect((await api.app.inject({ method: 'GET', url: `/v1/reports/assessment?${WINDOW}`, headers: api.headers('admin') })).statusCode).toBe(200);
  });
});
