// The assessment report (考核评价): one table per grouping with the figures a city judges units and
// sources by, a weekly trend per row, and the columns described once (Chinese and English) so the
// JSON, the CSV, the spreadsheet and the page all say the same thing.
import type { Db } from '../store/db.ts';
import { caseFigures, caseWeeks, unitFigures, unitWeeks, type CaseFigures, type UnitFigures, type WeekCount } from './assessment-sql.ts';
import { weeksBetween } from './weeks.ts';

export const GROUP_BYS = ['unit', 'type', 'zone', 'source'] as const;
export type GroupBy = (typeof GROUP_BYS)[number];

export type ColumnFormat = 'text' | 'count' | 'rate' | 'minutes';

export interface Column {
  key: string;
  zh: string;
  en: string;
  format: ColumnFormat;
}

export type Cell = string | number | null;

export interface AssessmentRow {
  key: string;
  label: string;
  [measure: string]: Cell | number[];
  /** Per week of the report (see `weeks`): dispatches for units, cases found otherwise. */
  trend: number[];
}

export interface AssessmentReport {
  groupBy: GroupBy;
  from: string;
  to: string;
  timeZone: string;
  generatedAt: string;
  /** Monday (local date) of each week the range touches. */
  weeks: string[];
  /** What the trend counts. */
  trendOf: { zh: string; en: string };
  columns: Column[];
  rows: AssessmentRow[];
  total: AssessmentRow;
}

const UNIT_COLUMNS: Column[] = [
  { key: 'label', zh: '处置单位', en: 'Unit', format: 'text' },
  { key: 'dispatched', zh: '派遣数', en: 'Dispatched', format: 'count' },
  { key: 'handled', zh: '已处置', en: 'Handled', format: 'count' },
  { key: 'handledOnTime', zh: '按期处置', en: 'Handled on time', format: 'count' },
  { key: 'overdue', zh: '超期', en: 'Overdue', format: 'count' },
  { key: 'open', zh: '处置中(未超期)', en: 'Open, not yet due', format: 'count' },
  { key: 'onTimeRate', zh: '按期处置率', en: 'On-time rate', format: 'rate' },
  { key: 'avgHandlingMinutes', zh: '平均处置时长(分钟)', en: 'Average handling (min)', format: 'minutes' },
  { key: 'p90HandlingMinutes', zh: '90%处置时长(分钟)', en: '90th percentile handling (min)', format: 'minutes' },
  { key: 'reopened', zh: '返工(重开)', en: 'Reopened', format: 'count' },
  { key: 'reopenRate', zh: '返工率', en: 'Reopen rate', format: 'rate' },
];

const CASE_COLUMNS = (first: Column): Column[] => [
  first,
  { key: 'found', zh: '发现数', en: 'Found', format: 'count' },
  { key: 'pending', zh: '待审核', en: 'Pending review', format: 'count' },
  { key: 'reviewed', zh: '已审核', en: 'Reviewed', format: 'count' },
  { key: 'rejected', zh: '驳回(误报)', en: 'Rejected as false', format: 'count' },
  { key: 'rejectedRate', zh: '误报率', en: 'Rejected-as-false rate', format: 'rate' },
  { key: 'dispatched', zh: '已派遣', en: 'Dispatched', format: 'count' },
  { key: 'handled', zh: '已处置', en: 'Handled', format: 'count' },
  { key: 'overdue', zh: '当前超期', en: 'Overdue now', format: 'count' },
];

const FIRST_COLUMN: Record<Exclude<GroupBy, 'unit'>, Column> = {
  type: { key: 'label', zh: '案件类型', en: 'Type', format: 'text' },
  zone: { key: 'label', zh: '区域', en: 'Zone', format: 'text' },
  source: { key: 'label', zh: '来源', en: 'Source', format: 'text' },
};

export const SOURCE_NAMES: Record<string, string> = { camera: '摄像头 camera', survey: '无人机 drone survey', change: '变化检测 change' };
const TOTAL_LABEL = '合计 Total';

/** a / b, or null when there is nothing to divide by (shown as "—", not 0%). */
export function rate(a: number, b: number): number | null {
  return b > 0 ? a / b : null;
}

function trendOf(key: string | null, counts: WeekCount[], weeks: string[]): number[] {
  return weeks.map((w) => counts.filter((c) => (key === null || c.key === key) && c.week === w).reduce((n, c) => n + c.count, 0));
}

function unitRow(f: UnitFigures, label: string, trend: number[]): AssessmentRow {
  const decided = f.dispatched - f.open;
  return {
    key: f.key,
    label,
    dispatched: f.dispatched,
    handled: f.handled,
    handledOnTime: f.handledOnTime,
    overdue: f.overdue,
    open: f.open,
    onTimeRate: rate(f.handledOnTime, decided),
    avgHandlingMinutes: f.avgHandlingMinutes,
    p90HandlingMinutes: f.p90HandlingMinutes,
    reopened: f.reopened,
    reopenRate: rate(f.reopened, f.handled),
    trend,
  };
}

function caseRow(f: CaseFigures, label: string, trend: number[]): AssessmentRow {
  const { key, label: _, ...counts } = f;
  return { key, label, ...counts, rejectedRate: rate(f.rejected, f.reviewed), trend };
}

function unitLabel(f: UnitFigures): string {
  if (f.key === '') return '（未指定）no unit';
  return f.name && f.name !== f.key ? `${f.name} (${f.key})` : f.key;
}

function caseLabel(group: Exclude<GroupBy, 'unit'>, f: CaseFigures): string {
  if (group === 'type') return f.label ? `${f.label} ${f.key}` : f.key;
  if (group === 'source') return SOURCE_NAMES[f.key] ?? f.key;
  return f.key === '' ? '（无区域）no zone' : f.key;
}

export interface AssessmentQuery {
  groupBy: GroupBy;
  from: Date;
  to: Date;
  now: Date;
  timeZone: string;
}

export async function assessment(db: Db, q: AssessmentQuery): Promise<AssessmentReport> {
  const weeks = weeksBetween(q.from, q.to, q.timeZone);
  const head = { groupBy: q.groupBy, from: q.from.toISOString(), to: q.to.toISOString(), timeZone: q.timeZone, generatedAt: q.now.toISOString(), weeks };
  if (q.groupBy === 'unit') {
    const [figures, perWeek] = await Promise.all([unitFigures(db, q.from, q.to, q.now), unitWeeks(db, q.from, q.to, q.timeZone)]);
    return {
      ...head,
      trendOf: { zh: '每周派遣数', en: 'dispatches per week' },
      columns: UNIT_COLUMNS,
      rows: figures.rows.map((f) => unitRow(f, unitLabel(f), trendOf(f.key, perWeek, weeks))),
      total: unitRow(figures.total, TOTAL_LABEL, trendOf(null, perWeek, weeks)),
    };
  }
  const group = q.groupBy;
  const [figures, perWeek] = await Promise.all([caseFigures(db, group, q.from, q.to, q.now), caseWeeks(db, group, q.from, q.to, q.timeZone)]);
  return {
    ...head,
    trendOf: { zh: '每周发现数', en: 'cases found per week' },
    columns: CASE_COLUMNS(FIRST_COLUMN[group]),
    rows: figures.rows.map((f) => caseRow(f, caseLabel(group, f), trendOf(f.key, perWeek, weeks))),
    total: caseRow(figures.total, TOTAL_LABEL, trendOf(null, perWeek, weeks)),
  };
}
