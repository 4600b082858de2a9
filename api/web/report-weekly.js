// The weekly 通报: one week's assessment as a document to print and circulate (通报问责): the
// overall figures in a sentence, each unit's handling ranked by on-time rate, the types found, the
// sources' false-alarm rates, and the cases still overdue. Print CSS in assessment.css.
import { api, el, formatTime, refusedKey, showSignIn, takeKeyFromUrl, toast, TYPE_NAMES, wireSignOut } from './common.js';
import { addDays, cityToday, fetchReport, formatCell, isoDay, mondayOf, reportTable } from './report-view.js';

const $ = (id) => document.getElementById(id);

/** ISO week number of the week starting on this Monday. */
function isoWeek(monday) {
  const thursday = addDays(monday, 3);
  const jan1 = new Date(thursday.getFullYear(), 0, 1);
  return { year: thursday.getFullYear(), week: Math.floor((thursday - jan1) / 86_400_000 / 7) + 1 };
}

async function start() {
  if (!takeKeyFromUrl()) return showLogin();
  const asked = new URLSearchParams(location.search).get('week');
  if (asked && /^\d{4}-\d{2}-\d{2}$/.test(asked)) $('week').value = asked;
  else {
    try {
      $('week').value = isoDay(addDays(mondayOf(await cityToday()), -7));
    } catch (err) {
      if (refusedKey(err, '这个密钥不能查看考核。This key may not read the assessment.', showLogin)) return;
      throw err;
    }
  }
  $('week-form').addEventListener('submit', (e) => {
    e.preventDefault();
    void load();
  });
  $('print').addEventListener('click', () => window.print());
  await load();
}

function showLogin(message) {
  showSignIn($('page'), message || '需要审核员、派遣员或管理员的密钥。A reviewer, dispatcher or admin key.');
}

async function load() {
  const monday = mondayOf(new Date(`${$('week').value}T00:00:00`));
  $('week').value = isoDay(monday);
  const from = isoDay(monday);
  const to = isoDay(addDays(monday, 7));
  let units, types, sources, overdue;
  try {
    [units, types, sources, overdue] = await Promise.all([
      fetchReport('unit', from, to),
      fetchReport('type', from, to),
      fetchReport('source', from, to),
      api('/v1/cases?overdue=true&sort=oldest&limit=100'),
    ]);
  } catch (err) {
    if (refusedKey(err, '这个密钥不能查看考核。This key may not read the assessment.', showLogin)) return;
    throw err;
  }
  document.body.classList.add('signed-in');
  render(monday, { units, types, sources, overdue: overdue.items });
}

function summary(units, types, sources) {
  const u = units.total;
  const t = types.total;
  const camera = sources.rows.find((r) => r.key === 'camera');
  const drone = sources.rows.find((r) => r.key === 'survey');
  const b = (v) => el('b', {}, v);
  return el(
    'p',
    { class: 'summary', id: 'summary' },
    '本周共发现问题 ', b(String(t.found)), ' 件，审核 ', b(String(t.reviewed)), ' 件，其中驳回（误报）', b(String(t.rejected)), ' 件；',
    '派遣 ', b(String(u.dispatched)), ' 件，已处置 ', b(String(u.handled)), ' 件，按期处置 ', b(String(u.handledOnTime)), ' 件，按期处置率 ', b(formatCell('rate', u.onTimeRate)), '，',
    '超期 ', b(String(u.overdue)), ' 件；平均处置时长 ', b(formatCell('minutes', u.avgHandlingMinutes)), ' 分钟，90% 的案件在 ', b(formatCell('minutes', u.p90HandlingMinutes)), ' 分钟内处置；',
    '返工率 ', b(formatCell('rate', u.reopenRate)), '。',
    [camera && ['摄像头误报率 ', b(formatCell('rate', camera.rejectedRate))], drone && ['无人机误报率 ', b(formatCell('rate', drone.rejectedRate))]]
      .filter(Boolean)
      .flatMap((part, i, all) => [...part, i === all.length - 1 ? '。' : '，']),
    el('br'),
    el('span', { class: 'en' }, `This week: ${t.found} found, ${u.dispatched} dispatched, ${u.handledOnTime} handled on time, ${u.overdue} overdue, reopen rate ${formatCell('rate', u.reopenRate)}.`),
  );
}

function render(monday, { units, types, sources, overdue }) {
  const { year, week } = isoWeek(monday);
  const sunday = addDays(monday, 6);
  const ranked = { ...units, rows: [...units.rows].sort((a, b) => (b.onTimeRate ?? -1) - (a.onTimeRate ?? -1)) };
  $('page').replaceChildren(
    el('h2', {}, '城市管理问题处置情况通报'),
    el('p', { class: 'subtitle' }, `${year} 年第 ${week} 周（${isoDay(monday)} 至 ${isoDay(sunday)}）· Weekly report, week ${week} of ${year}`),
    el('h3', {}, '一、总体情况 ', el('span', { class: 'en' }, 'Overview')),
    summary(units, types, sources),
    el('h3', {}, '二、各单位处置情况 ', el('span', { class: 'en' }, 'Units, by on-time rate')),
    reportTable(ranked, { trend: false }),
    el('h3', {}, '三、问题类型 ', el('span', { class: 'en' }, 'Types found')),
    reportTable(types, { trend: false }),
    el('h3', {}, '四、发现来源与误报 ', el('span', { class: 'en' }, 'Sources and false alarms')),
    reportTable(sources, { trend: false }),
    el('h3', {}, '五、超期未处置案件 ', el('span', { class: 'en' }, 'Cases overdue now')),
    overdue.length
      ? el('ol', { class: 'overdue-list' }, overdue.map((c) => el('li', {}, `#${c.id} ${TYPE_NAMES[c.type] || c.type} · ${c.unit || '—'} · 应于 due ${formatTime(c.dueAt)}`)))
      : el('p', {}, '无 None.'),
    el('p', { class: 'sign' }, '城市管理指挥中心', el('br'), el('span', { class: 'en' }, `生成于 Generated ${formatTime(units.generatedAt)}`)),
  );
}

wireSignOut();

start().catch((err) => {
  console.error(err);
  toast(`出错了 Something went wrong: ${err.message}`, 'error');
});
