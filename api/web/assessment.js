// The assessment page (考核评价): pick a range and a grouping (unit, type, zone, source); the page
// shows the report's table, a bar chart of the main figures and the weekly trend (ECharts, loaded as
// a classic script before this module: window.echarts), and downloads the same report as CSV or XLSX.
import { ApiError, el, refusedKey, showSignIn, takeKeyFromUrl, toast, wireSignOut } from './common.js';
import { addDays, cityToday, download, fetchReport, GROUPS, isoDay, mondayOf, reportTable } from './report-view.js';

const echarts = window.echarts;
const $ = (id) => document.getElementById(id);
const FONT = '"DejaVu Sans", "WenQuanYi Zen Hei", "PingFang SC", "Microsoft YaHei", sans-serif';
const state = { group: 'unit', report: null, charts: {} };

/** The bars each grouping is judged by: [measure, Chinese, English, colour, stacked]. */
const BARS = {
  unit: [
    ['handledOnTime', '按期处置', 'on time', '#16a34a', 'jobs'],
    ['overdue', '超期', 'overdue', '#dc2626', 'jobs'],
    ['open', '处置中', 'open', '#93c5fd', 'jobs'],
    ['reopened', '返工', 'reopened', '#f97316', undefined],
  ],
  other: [
    ['found', '发现', 'found', '#3b82f6', undefined],
    ['rejected', '驳回(误报)', 'rejected as false', '#9ca3af', undefined],
    ['dispatched', '派遣', 'dispatched', '#8b5cf6', undefined],
    ['handled', '处置', 'handled', '#16a34a', undefined],
  ],
};

const escapeText = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Tooltip HTML without inline styles (the page's policy refuses them): names and figures only. */
function axisTip(params) {
  const list = Array.isArray(params) ? params : [params];
  const head = escapeText(list[0]?.axisValueLabel ?? list[0]?.name ?? '');
  return `<div class="chart-tip"><b>${head}</b>${list.map((p) => `${escapeText(p.seriesName)}: ${escapeText(p.value ?? '—')}`).join('<br>')}</div>`;
}

function range() {
  return { from: $('from').value, to: isoDay(addDays(new Date(`${$('to').value}T00:00:00`), 1)) };
}

async function start() {
  if (!takeKeyFromUrl()) return showLogin();
  let today;
  try {
    today = await cityToday();
  } catch (err) {
    if (refusedKey(err, '这个密钥不能查看考核。This key may not read the assessment.', showLogin)) return;
    throw err;
  }
  $('from').value = isoDay(addDays(mondayOf(today), -21));
  $('to').value = isoDay(today);
  $('tabs').replaceChildren(
    ...GROUPS.map(([g, zh, en]) => el('button', { type: 'button', role: 'tab', dataset: { group: g }, 'aria-selected': String(g === state.group), onclick: () => show(g) }, `${zh} `, el('span', { class: 'en' }, en))),
  );
  $('range').addEventListener('submit', (e) => {
    e.preventDefault();
    void load();
  });
  $('dl-csv').addEventListener('click', () => save('csv'));
  $('dl-xlsx').addEventListener('click', () => save('xlsx'));
  window.addEventListener('resize', () => Object.values(state.charts).forEach((c) => c.resize()));
  await load();
}

function showLogin(message) {
  showSignIn($('page'), message || '需要审核员、派遣员或管理员的密钥。A reviewer, dispatcher or admin key. The key stays in this browser tab only.', { keep: true });
}

async function show(group) {
  state.group = group;
  for (const b of $('tabs').children) b.setAttribute('aria-selected', String(b.dataset.group === group));
  await load();
}

async function load() {
  const { from, to } = range();
  try {
    state.report = await fetchReport(state.group, from, to);
  } catch (err) {
    if (refusedKey(err, '这个密钥不能查看考核。This key may not read the assessment.', showLogin)) return;
    if (err instanceof ApiError && err.status === 400) return toast(`范围有误 Bad range: ${err.message}`, 'error');
    throw err;
  }
  document.body.classList.add('signed-in');
  render(state.report);
}

function render(report) {
  const [, zh, en] = GROUPS.find(([g]) => g === report.groupBy);
  $('note').textContent = `${$('from').value} — ${$('to').value}（${report.timeZone}）· 按${zh} by ${en.toLowerCase()} · 趋势：${report.trendOf.zh} Trend: ${report.trendOf.en}`;
  $('table').replaceChildren(reportTable(report));
  $('bars-title').textContent = `${zh}对比 ${en} compared`;
  $('trend-title').textContent = `${report.trendOf.zh} ${report.trendOf.en}`;
  chart('bars', barsOption(report));
  chart('trend', trendOption(report));
}

function chart(id, option) {
  state.charts[id] ??= echarts.init($(id), null, { renderer: 'canvas' });
  state.charts[id].setOption(option, true);
  $(id).dataset.series = String(option.series.length);
}

const base = () => ({
  animation: false,
  textStyle: { fontFamily: FONT },
  grid: { left: 48, right: 16, top: 40, bottom: 64 },
  tooltip: { trigger: 'axis', formatter: axisTip, confine: true },
  legend: { top: 0 },
});

function barsOption(report) {
  const rows = report.rows;
  const bars = BARS[report.groupBy === 'unit' ? 'unit' : 'other'];
  return {
    ...base(),
    xAxis: { type: 'category', data: rows.map((r) => r.label), axisLabel: { interval: 0, rotate: rows.length > 5 ? 30 : 0 } },
    yAxis: { type: 'value', minInterval: 1 },
    series: bars.map(([key, zh, en, color, stack]) => ({ type: 'bar', name: `${zh} ${en}`, stack, data: rows.map((r) => r[key] ?? 0), itemStyle: { color } })),
  };
}

function trendOption(report) {
  // The busiest rows, so eight lines stay readable; the table has them all.
  const rows = [...report.rows].sort((a, b) => sum(b.trend) - sum(a.trend)).slice(0, 8);
  return {
    ...base(),
    xAxis: { type: 'category', data: report.weeks.map((w) => `${w.slice(5)} 周`) },
    yAxis: { type: 'value', minInterval: 1 },
    series: [
      ...rows.map((r) => ({ type: 'line', name: r.label, data: r.trend, symbolSize: 7 })),
      { type: 'line', name: report.total.label, data: report.total.trend, lineStyle: { type: 'dashed', width: 2 }, itemStyle: { color: '#111827' } },
    ],
  };
}

const sum = (xs) => xs.reduce((a, b) => a + b, 0);

async function save(kind) {
  const { from, to } = range();
  try {
    await download(state.group, from, to, kind);
    toast(`已下载 Downloaded ${kind.toUpperCase()}`, 'ok');
  } catch (err) {
    toast(`下载失败 Download failed: ${err.message}`, 'error');
  }
}

wireSignOut();

start().catch((err) => {
  console.error(err);
  toast(`出错了 Something went wrong: ${err.message}`, 'error');
});
