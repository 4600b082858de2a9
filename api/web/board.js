// The dispatch board: every case by status (one tab each, with counts; reopened and overdue stand
// out), filters by type, unit, zone, source and date, search by case number or plate, and
// dispatching a selection to a unit in one go (all or none; due times from each type's handling
// limit and the working calendar, shown before anyone commits). Keyboard as on the review page.
import { ago, api, el, formatTime, place, refusedKey, showSignIn, statusPill, takeKeyFromUrl, toast, TYPE_NAMES, wireSignOut } from './common.js';

const TABS = [
  { id: 'pending_review', zh: '待审核', en: 'Pending' },
  { id: 'confirmed', zh: '已立案', en: 'Confirmed' },
  { id: 'dispatched', zh: '已派遣', en: 'Dispatched' },
  { id: 'overdue', zh: '超时', en: 'Overdue', query: { status: 'dispatched', overdue: 'true' }, alert: true },
  { id: 'handled', zh: '已处置', en: 'Handled' },
  { id: 'reopened', zh: '已重开', en: 'Reopened', alert: true },
  { id: 'verified', zh: '已核查', en: 'Verified' },
  { id: 'closed', zh: '已结案', en: 'Closed' },
  { id: 'rejected', zh: '已驳回', en: 'Rejected' },
];

const state = { tab: 'confirmed', rows: [], cursor: null, index: 0, selected: new Set(), units: [], counts: null, dueByType: {} };
const $ = (id) => document.getElementById(id);

function tabFromHash() {
  const t = new URLSearchParams(location.hash.slice(1)).get('tab');
  return TABS.some((x) => x.id === t) ? t : null;
}

async function start() {
  if (!takeKeyFromUrl()) return showLogin();
  try {
    await api('/v1/cases/counts');
  } catch (err) {
    if (refusedKey(err, '这个密钥不能使用派遣看板（需要审核员、调度员或管理员）。This key may not use the board (reviewer, dispatcher or admin).', showLogin)) return;
    throw err;
  }
  document.body.classList.add('signed-in');
  state.tab = tabFromHash() ?? 'confirmed';
  for (const [slug, name] of Object.entries(TYPE_NAMES)) $('f-type').append(el('option', { value: slug }, `${name} ${slug}`));
  state.units = (await api('/v1/units')).items;
  for (const u of state.units) $('f-unit').append(el('option', { value: u.id }, u.name === u.id ? u.id : `${u.name} (${u.id})`));
  await reload();
}

function showLogin(message) {
  showSignIn($('board'), message || '需要审核员 (reviewer)、调度员 (dispatcher) 或管理员 (admin) 的密钥。The key stays in this browser tab only.');
}

function filterQuery() {
  const q = new URLSearchParams();
  const tab = TABS.find((t) => t.id === state.tab);
  for (const [k, v] of Object.entries(tab.query ?? { status: tab.id })) q.set(k, v);
  const text = $('f-q').value.trim();
  if (text) q.set('q', text);
  for (const [id, key] of [['f-type', 'type'], ['f-unit', 'unit'], ['f-zone', 'zone'], ['f-kind', 'sourceKind'], ['f-source', 'source']]) {
    const v = $(id).value.trim();
    if (v) q.set(key, v);
  }
  // Dates are the reader's local days: from the start of "from" to the end of "to".
  if ($('f-from').value) q.set('from', new Date(`${$('f-from').value}T00:00:00`).toISOString());
  if ($('f-to').value) q.set('to', new Date(new Date(`${$('f-to').value}T00:00:00`).getTime() + 86_400_000).toISOString());
  return q;
}

async function reload() {
  state.rows = [];
  state.cursor = null;
  state.index = 0;
  state.selected.clear();
  await Promise.all([loadMore(), refreshCounts()]);
  render();
}

async function loadMore() {
  const q = filterQuery();
  q.set('limit', '100');
  q.set('thumbs', 'true');
  q.set('sort', state.tab === 'overdue' || state.tab === 'dispatched' ? 'oldest' : 'newest');
  if (state.cursor) q.set('cursor', state.cursor);
  const page = await api(`/v1/cases?${q}`);
  state.rows.push(...page.items);
  state.cursor = page.nextCursor;
}

async function refreshCounts() {
  state.counts = await api('/v1/cases/counts');
}

function countOf(tab) {
  if (!state.counts) return 0;
  return tab.id === 'overdue' ? state.counts.overdue || 0 : state.counts.byStatus[tab.id] || 0;
}

function renderTabs() {
  $('tabs').replaceChildren(
    ...TABS.map((t, i) => {
      const n = countOf(t);
      return el(
        'button',
        { type: 'button', class: `tab${t.id === state.tab ? ' current' : ''}${t.alert && n ? ' alert' : ''}`, dataset: { tab: t.id }, onclick: () => switchTab(t.id), 'aria-pressed': t.id === state.tab ? 'true' : 'false' },
        el('kbd', {}, i + 1),
        ` ${t.zh} `,
        el('span', { class: 'en' }, t.en),
        el('b', { class: 'n' }, n),
      );
    }),
  );
}

function switchTab(id) {
  state.tab = id;
  history.replaceState(null, '', `#tab=${id}`);
  reload();
}

function canDispatch(c) {
  return c.allowedMoves.includes('dispatch');
}

function renderBulk() {
  const picked = state.rows.filter((c) => state.selected.has(c.id));
  const dispatchable = picked.filter(canDispatch);
  const parts = [
    el('span', { id: 'selected-count' }, `已选 ${picked.length} 件 · ${picked.length} selected`),
    dispatchable.length
      ? el('button', { type: 'button', class: 'primary', id: 'bulk-dispatch', onclick: openDispatch }, `派遣所选 Dispatch ${dispatchable.length} `, el('kbd', {}, 'D'))
      : el('span', { class: 'hint' }, state.tab === 'confirmed' || state.tab === 'reopened' ? '用 X 选择案件，D 派遣 · Select with X, dispatch with D' : '已立案和已重开的案件可派遣 · Confirmed and reopened cases can be dispatched'),
    picked.length ? el('button', { type: 'button', onclick: () => { state.selected.clear(); render(); } }, '取消选择 Clear selection') : null,
  ];
  $('bulk').replaceChildren(...parts.filter(Boolean));
}

function dueCell(c) {
  if (!c.dueAt) return '—';
  return el('span', { class: c.overdue ? 'overdue-text' : '' }, formatTime(c.dueAt), c.overdue ? el('span', { class: 'status overdue' }, '超时 overdue') : null);
}

function renderTable() {
  if (!state.rows.length) {
    $('board').replaceChildren(el('div', { class: 'empty' }, el('h2', {}, '没有案件'), el('p', {}, 'No cases in this tab with these filters.')));
    return;
  }
  const rows = state.rows.map((c, i) =>
    el(
      'tr',
      {
        class: [i === state.index ? 'current' : '', c.status === 'reopened' ? 'reopened' : '', c.overdue ? 'overdue' : '', state.selected.has(c.id) ? 'selected' : ''].filter(Boolean).join(' '),
        dataset: { caseId: c.id },
        onclick: (e) => {
          if (e.target.matches('input, a')) return;
          state.index = i;
          render();
        },
        ondblclick: () => openCase(c),
      },
      el('td', {}, el('input', { type: 'checkbox', 'aria-label': `选择 #${c.id}`, checked: state.selected.has(c.id), onchange: () => toggle(c.id) })),
      el('td', {}, c.thumbUrl ? el('img', { class: 'thumb-s', src: c.thumbUrl, alt: '', loading: 'lazy' }) : el('div', { class: 'thumb-s noimg' })),
      el('td', { class: 'num' }, el('a', { href: `case.html#id=${c.id}` }, `#${c.id}`)),
      el('td', {}, c.typeName || c.type, el('div', { class: 'slug' }, c.type)),
      el('td', {}, statusPill(c.status)),
      el('td', { class: 'where' }, place(c)),
      el('td', {}, c.plate && !c.plate.startsWith('unreadable') ? el('span', { class: 'plate' }, c.plate) : '—'),
      el('td', {}, c.unit || '—'),
      el('td', {}, dueCell(c)),
      el('td', { title: formatTime(c.lastSeen) }, ago(c.lastSeen)),
    ),
  );
  const head = ['', '', '案件 Case', '类型 Type', '状态 Status', '地点 Place', '车牌 Plate', '单位 Unit', '期限 Due', '最近 Last seen'];
  const table = el('table', { class: 'list board-list', id: 'board-table' }, el('thead', {}, el('tr', {}, head.map((h) => el('th', {}, h)))), el('tbody', {}, rows));
  const more = state.cursor ? el('button', { type: 'button', class: 'more', onclick: () => loadMore().then(render) }, '加载更多 Load more') : null;
  $('board').replaceChildren(table, more ?? '');
  $('board').querySelector('tr.current')?.scrollIntoView({ block: 'nearest' });
}

function render() {
  renderTabs();
  renderBulk();
  renderTable();
}

function toggle(id) {
  if (state.selected.has(id)) state.selected.delete(id);
  else state.selected.add(id);
  render();
}

function openCase(c) {
  location.href = `case.html#id=${c.id}`;
}

async function openDispatch() {
  let picked = state.rows.filter((c) => state.selected.has(c.id) && canDispatch(c));
  if (!picked.length && state.rows[state.index] && canDispatch(state.rows[state.index])) picked = [state.rows[state.index]];
  if (!picked.length) {
    toast('没有可派遣的案件（需已立案或已重开）· Nothing to dispatch: select confirmed or reopened cases', 'error');
    return;
  }
  if (!state.units.length) {
    toast('还没有单位：管理员先添加单位 (PUT /v1/units/{id}) · No units yet', 'error');
    return;
  }
  $('dispatch-count').textContent = `${picked.length} 件 cases`;
  $('dispatch-unit').replaceChildren(...state.units.map((u) => el('option', { value: u.id }, u.name === u.id ? u.id : `${u.name} (${u.id})`)));
  $('dispatch-note').value = '';
  $('dispatch-form').dataset.ids = picked.map((c) => c.id).join(',');
  $('dispatch-due').replaceChildren(el('span', { class: 'hint' }, '计算期限… working out due times…'));
  $('dispatch-dialog').showModal();
  try {
    const due = await api('/v1/dispatch/due-times');
    const types = [...new Set(picked.map((c) => c.type))];
    $('dispatch-due').replaceChildren(
      el('h3', {}, '处置期限 Due if dispatched now'),
      el('ul', {}, types.map((t) => el('li', { dataset: { type: t } }, `${TYPE_NAMES[t] || t} ${t}: `, el('b', {}, formatTime(due.byType[t])), ` (${picked.filter((c) => c.type === t).length})`))),
    );
  } catch (err) {
    $('dispatch-due').replaceChildren(el('span', { class: 'hint' }, `期限无法预览 ${err.message}`));
  }
}

async function submitDispatch() {
  const ids = $('dispatch-form').dataset.ids.split(',').map(Number);
  const unit = $('dispatch-unit').value;
  const note = $('dispatch-note').value.trim();
  $('dispatch-dialog').close();
  try {
    const res = await api('/v1/cases/dispatch', { method: 'POST', body: { ids, unit, ...(note ? { note } : {}) } });
    toast(`已派遣 ${res.items.length} 件给 ${unit} · Dispatched ${res.items.length} to ${unit}`, 'ok');
  } catch (err) {
    toast(`派遣失败，未做任何更改 · Not dispatched, nothing changed: ${err.message}`, 'error');
  }
  await reload();
}

function onKey(e) {
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  if ($('dispatch-dialog').open) {
    if (e.key === 'Enter' && e.target.tagName !== 'SELECT') {
      e.preventDefault();
      submitDispatch();
    }
    return;
  }
  if (document.querySelector('dialog[open]')) return;
  if (e.target.matches?.('input:not([type=checkbox]), select, textarea')) {
    if (e.key === 'Escape') e.target.blur();
    return;
  }
  const k = e.key.toLowerCase();
  const c = state.rows[state.index];
  if (k === 'j' || e.key === 'ArrowDown') move(1);
  else if (k === 'k' || e.key === 'ArrowUp') move(-1);
  else if ((k === 'x' || e.key === ' ') && c) toggle(c.id);
  else if (k === 'a') {
    if (state.selected.size === state.rows.length) state.selected.clear();
    else state.rows.forEach((r) => state.selected.add(r.id));
    render();
  } else if (k === 'd') openDispatch();
  else if ((e.key === 'Enter' || k === 'o') && c) openCase(c);
  else if (k === 'r') reload();
  else if (e.key === '/') $('f-q').focus();
  else if (e.key === '?') $('help-dialog').showModal();
  else if (/^[1-9]$/.test(e.key) && TABS[Number(e.key) - 1]) switchTab(TABS[Number(e.key) - 1].id);
  else return;
  e.preventDefault();
}

function move(step) {
  const i = state.index + step;
  if (i < 0 || i >= state.rows.length) return;
  state.index = i;
  render();
}

document.addEventListener('keydown', onKey);
$('filters').addEventListener('submit', (e) => {
  e.preventDefault();
  document.activeElement?.blur();
  reload();
});
$('f-clear').addEventListener('click', () => {
  $('filters').reset();
  reload();
});
$('dispatch-form').addEventListener('submit', (e) => {
  e.preventDefault();
  submitDispatch();
});
$('dispatch-cancel').addEventListener('click', () => $('dispatch-dialog').close());
$('help-button').addEventListener('click', () => $('help-dialog').showModal());
$('refresh').addEventListener('click', () => reload());
wireSignOut();
window.addEventListener('hashchange', () => {
  const params = new URLSearchParams(location.hash.slice(1));
  if (params.has('key')) location.reload();
  else if (tabFromHash() && tabFromHash() !== state.tab) switchTab(tabFromHash());
});

start().catch((err) => {
  $('board').replaceChildren(el('div', { class: 'empty' }, `出错了 Something failed: ${err.message}`));
});
