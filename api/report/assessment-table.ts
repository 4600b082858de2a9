// The assessment as a table for people's tools: CSV (UTF-8 with a byte-order mark, so Excel shows
// the Chinese headers) and XLSX (exceljs, rates formatted as percentages). Both carry the same
// cells: the report's columns, then one column per week of the trend, then the total line.
import ExcelJS from 'exceljs';
import type { AssessmentReport, AssessmentRow, Cell, Column } from './assessment.ts';

export const CSV_TYPE = 'text/csv';
export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

export interface Table {
  header: string[];
  formats: Column['format'][];
  rows: Cell[][];
}

const round = (v: number, digits: number) => Math.round(v * 10 ** digits) / 10 ** digits;

function cell(row: AssessmentRow, column: Column): Cell {
  const v = row[column.key];
  if (v === null || v === undefined || Array.isArray(v)) return null;
  if (typeof v === 'number') return column.format === 'rate' ? round(v, 4) : column.format === 'minutes' ? round(v, 1) : v;
  return v;
}

export function assessmentTable(report: AssessmentReport): Table {
  const header = [...report.columns.map((c) => `${c.zh} ${c.en}`), ...report.weeks.map((w) => `${w} 周 week`)];
  const formats = [...report.columns.map((c) => c.format), ...report.weeks.map(() => 'count' as const)];
  const line = (row: AssessmentRow): Cell[] => [...report.columns.map((c) => cell(row, c)), ...row.trend];
  return { header, formats, rows: [...report.rows.map(line), line(report.total)] };
}

function csvField(v: Cell): string {
  if (v === null) return '';
  const s = String(v);
  // Quote what would break the line, and a leading =+-@ so a spreadsheet does not run it as a formula.
  const guarded = /^[=+\-@]/.test(s) && typeof v === 'string' ? `'${s}` : s;
  return /[",\r\n]/.test(guarded) || guarded !== s ? `"${guarded.replace(/"/g, '""')}"` : guarded;
}

export function toCsv(table: Table): string {
  const lines = [table.header, ...table.rows].map((r) => r.map(csvField).join(','));
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

export async function toXlsx(report: AssessmentReport, table: Table): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  book.created = new Date(report.generatedAt);
  const sheet = book.addWorksheet('考核 Assessment', { views: [{ state: 'frozen', xSplit: 1, ySplit: 1 }] });
  sheet.addRow(table.header).font = { bold: true };
  for (const r of table.rows) sheet.addRow(r.map((v) => (v === null ? null : v)));
  sheet.lastRow!.font = { bold: true };
  table.formats.forEach((format, i) => {
    const col = sheet.getColumn(i + 1);
    col.width = i === 0 ? 28 : Math.max(12, Math.min(24, table.header[i]!.length + 2));
    if (format === 'rate') col.numFmt = '0.0%';
    if (format === 'minutes') col.numFmt = '0.0';
  });
  const about = book.addWorksheet('说明 About');
  about.addRows([
    ['分组 Grouped by', report.groupBy],
    ['起 From', report.from],
    ['止 To (exclusive)', report.to],
    ['时区 Time zone', report.timeZone],
    ['生成 Generated', report.generatedAt],
    ['趋势 Trend', `${report.trendOf.zh} ${report.trendOf.en}`],
  ]);
  about.getColumn(1).width = 20;
  about.getColumn(2).width = 36;
  return Buffer.from(await book.xlsx.writeBuffer());
}
