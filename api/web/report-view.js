// Shared by the assessment page and the weekly 通报: fetching a report, formatting its cells, the
// table, and downloads (the same route with an Accept header, saved through a blob link).
import { api, currentKey, el } from './common.js';

export const GROUPS = [
  ['unit', '单位', 'Units'],
  ['type', '类型', 'Types'],
  ['zone', '区域', 'Zones'],
  ['source', '来源', 'Sources'],
];

export const DOWNLOADS = {
  csv: { accept: 'text/csv', ext: 'csv', label: 'CSV' },
  xlsx: { accept: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', ext: 'xlsx', label: 'Excel' },
};

export function reportUrl(groupBy, from, to) {
  return `/v1/reports/assessment?${new URLSearchParams({ groupBy, from, to })}`;
}

export const fetchReport = (groupBy, from, to) => api(reportUrl(groupBy, from, to));

/**
 * Today in the city (local midnight of the working calendar's day, by the server's clock), as a
 * browser Date to count days from. The browser's own zone may be another: at 00:30 in Shanghai a
 * browser on UTC still says yesterday, and a range ending "today" would miss the night's cases.
 */
export async function cityToday() {
  const { generatedAt, timeZone } = await api(`/v1/reports/assessment?groupBy=source`);
  const day = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(generatedAt));
  return new Date(`${day}T00:00:00`);
}

export function formatCell(format, value) {
  if (value === null || value === undefined) return '—';
  if (format === 'rate') return `${(value * 100).toFixed(1)}%`;
  if (format === 'minutes') return value.toFixed(1);
  return String(value);
}

/** The report's table: its columns (Chinese over English), one row per group, the total last. */
export function reportTable(report, { trend = true } = {}) {
  const head = el(
    'tr',
    {},
    report.columns.map((c) => el('th', { class: `f-${c.format}` }, c.zh, el('br'), el('span', { class: 'en' }, c.en))),
    trend ? report.weeks.map((w) => el('th', { class: 'f-count week' }, w.slice(5), el('br'), el('span', { class: 'en' }, '周 week'))) : [],
  );
  const line = (row, cls) =>
    el(
      'tr',
      { class: cls, dataset: { key: row.key } },
      report.columns.map((c) => el(c.format === 'text' ? 'th' : 'td', { class: `f-${c.format}` }, c.format === 'text' ? row[c.key] : formatCell(c.format, row[c.key]))),
      trend ? row.trend.map((n) => el('td', { class: 'f-count week' }, String(n))) : [],
    );
  return el(
    'table',
    { class: 'report', dataset: { groupBy: report.groupBy } },
    el('thead', {}, head),
    el('tbody', {}, report.rows.length ? report.rows.map((r) => line(r)) : el('tr', {}, el('td', { colspan: String(report.columns.length + report.weeks.length), class: 'empty' }, '这段时间没有数据 Nothing in this period'))),
    el('tfoot', {}, line(report.total, 'total')),
  );
}

/** Downloads the report in a format: fetched with the key, saved under the name the API gives. */
export async function download(groupBy, from, to, kind) {
  const d = DOWNLOADS[kind];
  const res = await fetch(reportUrl(groupBy, from, to), { headers: { accept: d.accept, authorization: `Bearer ${currentKey() || ''}` } });
  if (!res.ok) throw new Error((await res.json().catch(() => null))?.message || `HTTP ${res.status}`);
  const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') || '')?.[1] || `assessment-${groupBy}.${d.ext}`;
  const url = URL.createObjectURL(await res.blob());
  const a = el('a', { href: url, download: name, class: 'hidden' });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

const pad = (n) => String(n).padStart(2, '0');
export const isoDay = (d) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;

/** The Monday of the week a day falls in (local). */
export function mondayOf(d) {
  const m = new Date(d.getFullYear(), d.getMonth(), d.getDate());
  m.setDate(m.getDate() - ((m.getDay() + 6) % 7));
  return m;
}

export function addDays(d, n) {
  const x = new Date(d);
  x.setDate(x.getDate() + n);
  return x;
}
