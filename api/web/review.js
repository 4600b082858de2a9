// The review queue: pending cases newest (or highest score) first, one at a time with its evidence;
// Y confirms, N asks a reason and rejects, and the next case is already loaded when a decision is
// made (details and images are fetched ahead). Decisions are sent in the background; a conflict
// (someone else decided first) is reported, never silently lost. Boxes on the shown evidence image
// can be corrected (box-editor.js): B draws, drag moves/resizes, Delete removes, Enter saves.
// The reviewer's last confirm or reject can be taken back for a few minutes (U): the case comes
// back into the queue where it was.
import { BoxEditor } from './box-editor.js';
import { askLabel as askLabelFrom } from './label-dialog.js';
import { ago, api, ApiError, duration, el, formatTime, place, refusedKey, showSignIn, statusPill, takeKeyFromUrl, toast, TYPE_NAMES, wireSignOut } from './common.js';
import { plateText } from './labels-zh.js';
import { holdSummary, labelBar, labelForKey, verdictBadge, verdictFact } from './review-verdict.js';
import { openHoldForm } from './review-hold-form.js';

const REJECT_REASONS = [
  ['误报：不是违规', 'False positive: not a violation'],
  ['重复案件', 'Duplicate of another case'],
  ['不在管辖范围', 'Outside our jurisdiction'],
  ['证据不清，无法判断', 'Evidence unclear'],
  ['已自行纠正', 'Already corrected'],
];

const state = {
  queue: [],
  index: 0,
  cursor: null,
  exhausted: false,
  details: new Map(),
  sort: 'newest',
  type: '',
  image: 0,
  busy: false,
  /** The box editor on the main image, and the labels it offers. */
  editor: null,
  labels: { violation: ['garbage', 'stall', 'cart', 'structure', 'muck_truck', 'car', 'truck', 'person'], model: [] },
  /** The last decision sent from this page: { case, index, action, at } while it can be undone. */
  lastDecision: null,
  /** true: the "likely false alarm" list (cases below their type's hold threshold) instead of the queue. */
  held: false,
  /** GET /v1/verdict-hold: thresholds and what each did on reviewed cases. */
  hold: null,
  /** GET /v1/attribute-labels: what reviewers can label with single keys. */
  vocabulary: {},
  heldCount: 0,
  /** The case detail on screen (labelling keys act on it). */
  shown: null,
};

/** As the API allows (api/case/undo.ts): a decision older than this can no longer be undone. */
const UNDO_WINDOW_MS = 5 * 60_000;

const DEFAULT_LABELS = state.labels;

const $ = (id) => document.getElementById(id);

async function start() {
  if (!takeKeyFromUrl()) return showLogin();
  try {
    await api('/v1/cases/counts');
  } catch (err) {
    if (refusedKey(err, '这个密钥没有审核权限。This key may not review cases.', showLogin)) return;
    throw err;
  }
  document.body.classList.add('signed-in');
  api('/v1/corrections/labels')
    .then((l) => (state.labels = l))
    .catch(() => (state.labels = DEFAULT_LABELS));
  api('/v1/attribute-labels')
    .then((v) => (state.vocabulary = v))
    .catch(() => (state.vocabulary = {}));
  for (const [slug, name] of Object.entries(TYPE_NAMES)) $('type-filter').append(el('option', { value: slug }, `${name} ${slug}`));
  await reload();
}

function showLogin(message) {
  showSignIn($('case'), message);
  $('queue').replaceChildren();
}

async function reload() {
  state.queue = [];
  state.index = 0;
  state.cursor = null;
  state.exhausted = false;
  state.details.clear();
  await Promise.all([loadMore(), refreshCounts(), refreshHold()]);
  show();
}

async function refreshHold() {
  state.hold = await api('/v1/verdict-hold').catch(() => null);
}

/** The admin's threshold form; a save moves cases between the queue and the held list at once. */
function editHold() {
  if (!state.hold || blockedByUnsavedBoxes()) return;
  openHoldForm(state.hold, { toast, onSaved: () => reload() });
}

/** H: between the review queue and the "likely false alarm" list. */
function toggleHeld(held = !state.held) {
  if (blockedByUnsavedBoxes()) return;
  state.held = held;
  reload();
}

async function loadMore() {
  if (state.exhausted) return;
  const q = new URLSearchParams({ status: 'pending_review', sort: state.sort, limit: '30', thumbs: 'true', held: String(state.held) });
  if (state.type) q.set('type', state.type);
  if (state.cursor) q.set('cursor', state.cursor);
  const page = await api(`/v1/cases?${q}`);
  const known = new Set(state.queue.map((c) => c.id));
  state.queue.push(...page.items.filter((c) => !known.has(c.id)));
  state.cursor = page.nextCursor;
  state.exhausted = !page.nextCursor;
}

async function refreshCounts() {
  const counts = await api('/v1/cases/counts');
  const b = counts.byStatus;
  // Every counter but the queue's own opens that tab of the dispatch board.
  const chips = [
    el('span', { class: 'count pending' }, '待审核 ', el('b', { id: 'pending-count' }, b.pending_review || 0)),
    el('a', { class: 'count', href: 'board.html#tab=confirmed', title: '在派遣看板打开 Open on the dispatch board' }, '已立案 ', el('b', {}, b.confirmed || 0)),
    el('a', { class: 'count', href: 'board.html#tab=dispatched', title: '在派遣看板打开 Open on the dispatch board' }, '已派遣 ', el('b', {}, b.dispatched || 0)),
  ];
  if (b.reopened) chips.push(el('a', { class: 'count reopened', href: 'board.html#tab=reopened', title: '在派遣看板打开 Open on the dispatch board' }, '已重开 ', el('b', {}, b.reopened)));
  state.heldCount = counts.heldPending || 0;
  if (counts.overdue) chips.push(el('a', { class: 'count overdue', href: 'board.html#tab=overdue', title: '在派遣看板打开 Open on the dispatch board' }, '超时 ', el('b', {}, counts.overdue)));
  $('counts').replaceChildren(...chips);
}

function current() {
  return state.queue[state.index];
}

async function detail(id) {
  if (!state.details.has(id)) state.details.set(id, api(`/v1/cases/${id}`));
  return state.details.get(id);
}

/** Fetch the next cases' details and warm their images, so "next" shows at once. */
function prefetch() {
  for (const c of state.queue.slice(state.index + 1, state.index + 3)) {
    detail(c.id)
      .then((d) => d.evidence.forEach((e) => (new Image().src = e.url)))
      .catch(() => {});
  }
  if (!state.exhausted && state.queue.length - state.index < 10) loadMore().then(renderQueue).catch(() => {});
}

function renderQueue() {
  const items = state.queue.map((c, i) =>
    el(
      'button',
      { class: `item${i === state.index ? ' current' : ''}`, dataset: { caseId: c.id }, onclick: () => go(i) },
      c.thumbUrl ? el('img', { src: c.thumbUrl, alt: '', loading: 'lazy' }) : el('div', { class: 'noimg' }),
      el(
        'div',
        { class: 'meta' },
        el('div', { class: 'type' }, c.typeName || c.type, el('span', { class: 'score' }, c.score.toFixed(2))),
        verdictBadge(c.verdict),
        el('div', { class: 'where' }, c.source.name || c.source.id),
        el('div', { class: 'when' }, ago(c.lastSeen), c.plate && !c.plate.startsWith('unreadable') ? el('span', { class: 'plate' }, c.plate) : null),
      ),
    ),
  );
  const n = `${state.queue.length}${state.exhausted ? '' : '+'}`;
  const tabs = el(
    'div',
    { class: 'queue-tabs' },
    el('button', { type: 'button', id: 'tab-queue', class: `qtab${state.held ? '' : ' current'}`, onclick: () => toggleHeld(false) }, '待审核 Queue', state.held ? null : ` · ${n}`),
    el('button', { type: 'button', id: 'tab-held', class: `qtab${state.held ? ' current' : ''}`, onclick: () => toggleHeld(true), title: '疑似误报 Likely false alarms (H)' }, '疑似误报 Likely false alarms', ` · ${state.held ? n : state.heldCount} `, el('kbd', {}, 'H')),
  );
  const head = el('div', { class: 'queue-head' }, tabs, state.held ? holdSummary(state.hold, state.hold?.editable ? editHold : null) : null);
  $('queue').replaceChildren(head, ...items);
  $('queue').querySelector('.current')?.scrollIntoView({ block: 'nearest' });
}

async function show() {
  renderQueue();
  const c = current();
  if (!c) {
    $('case').replaceChildren(
      undoBar() ?? '',
      state.held
        ? el('div', { class: 'empty' }, el('h2', {}, '没有疑似误报 ✓'), el('p', {}, 'No cases below a hold threshold. 按 H 回到队列 · press H for the queue.'))
        : el('div', { class: 'empty' }, el('h2', {}, '队列已清空 ✓'), el('p', {}, 'No cases waiting for review. 按 R 刷新 · press R to refresh.')),
    );
    return;
  }
  state.image = 0;
  const id = c.id;
  let d;
  try {
    d = await detail(id);
  } catch (err) {
    state.details.delete(id);
    $('case').replaceChildren(el('div', { class: 'empty' }, `案件 #${id} 加载失败：${err.message}`));
    return;
  }
  if (current()?.id !== id) return; // the reviewer moved on while this loaded
  renderCase(d);
  prefetch();
}

function evidenceOrder(d) {
  const latest = d.observations[0]?.id;
  const rank = { frame: 0, comparison: 1, crop: 2, start_frame: 3, clip: 4 };
  // The clean frame is the confirming frame without our drawing, kept for training: reviewing it
  // beside the frame would only repeat it (the case page lists it with the other evidence).
  const shown = d.evidence.filter((e) => e.kind !== 'clean_frame');
  const mine = shown.filter((e) => e.observationId === latest);
  const pool = mine.length ? mine : shown;
  return [...pool].sort((a, b) => rank[a.kind] - rank[b.kind]);
}

const KIND_NAMES = { frame: '确认帧 Confirming frame', crop: '目标特写 Close-up', start_frame: '起始帧 First frame', clip: '视频 Clip', clean_frame: '原始帧 Original frame', comparison: '首次与确认 First seen / confirmed' };

function renderCase(d) {
  state.shown = d;
  const images = evidenceOrder(d);
  const main = images[state.image] ?? images[0];
  const facts = [
    ['地点 Place', place(d)],
    ['首次发现 First seen', formatTime(d.firstSeen)],
    ['最近发现 Last seen', `${formatTime(d.lastSeen)} (${ago(d.lastSeen)})`],
    ['持续 Lasted', duration(d.firstSeen, d.lastSeen)],
    ['车牌 Plate', plateText(d.plate)],
    ['观测次数 Sightings', d.observationCount],
    ['置信度 Score', d.score.toFixed(2)],
    ['审核预测 Verdict', verdictFact(d.verdict, state.hold, d.type)],
    ['标准编码 Code', `${d.standard} ${d.code}`],
    ['模型 Model', d.model.id ? `${d.model.id}${d.model.sha256 ? ` (${d.model.sha256.slice(0, 12)})` : ''}` : '—'],
  ];
  const view = el(
    'article',
    { class: 'case', dataset: { caseId: d.id } },
    el(
      'header',
      {},
      el('h2', {}, el('span', { class: 'type-name' }, d.typeName || d.type), el('span', { class: 'slug' }, d.type)),
      statusPill(d.status),
      el('a', { class: 'case-link', href: `case.html#id=${d.id}` }, `案件 #${d.id} 时间线 Timeline `, el('kbd', {}, 'T')),
    ),
    el(
      'div',
      { class: 'evidence' },
      main
        ? el(
            'figure',
            { class: 'main-image' },
            el('div', { class: 'canvas', id: 'canvas' }, el('img', { src: main.url, alt: KIND_NAMES[main.kind], id: 'main-image', draggable: 'false' })),
            el('figcaption', {}, `${KIND_NAMES[main.kind]} · ${formatTime(main.capturedAt)}`),
            el('div', { class: 'box-bar', id: 'box-bar' }),
          )
        : el('div', { class: 'noimg big' }, '无证据图 No evidence images'),
      el(
        'div',
        { class: 'thumbs' },
        images.map((e, i) =>
          el(
            'button',
            { class: `thumb${e === main ? ' current' : ''}`, onclick: () => pickImage(d, i), title: KIND_NAMES[e.kind] },
            el('img', { src: e.url, alt: KIND_NAMES[e.kind] }),
            el('span', {}, el('kbd', {}, i + 1), ' ', KIND_NAMES[e.kind].split(' ')[0]),
          ),
        ),
      ),
    ),
    labelBar(state.vocabulary, d, (attribute, value) => labelCurrent(attribute, value)),
    el(
      'div',
      { class: 'decide' },
      el('button', { class: 'primary big', id: 'confirm', onclick: confirmCurrent }, '✓ 确认立案 Confirm ', el('kbd', {}, 'Y')),
      el('button', { class: 'danger big', id: 'reject', onclick: openReject }, '✗ 驳回 Reject ', el('kbd', {}, 'N')),
      el('button', { id: 'reclassify', onclick: openReclassify }, '改类型 Reclassify ', el('kbd', {}, 'C')),
      el('button', { id: 'skip', onclick: () => go(state.index + 1) }, '跳过 Skip ', el('kbd', {}, 'J')),
    ),
    el('dl', { class: 'facts' }, facts.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)])),
  );
  $('case').replaceChildren(undoBar() ?? '', view);
  state.editor = null;
  if (main && main.contentType?.startsWith('image/')) {
    state.editor = new BoxEditor($('main-image'), main.boxes ?? [], { askLabel, onChange: () => renderBoxBar(d, main) });
    renderBoxBar(d, main);
  }
}

/** Under the image: how many boxes, who corrected them last, and the editing buttons. */
function renderBoxBar(d, image) {
  const ed = state.editor;
  const bar = $('box-bar');
  if (!ed || !bar) return;
  const c = image.correction;
  const parts = [
    el('span', { class: 'box-count' }, `框 Boxes: ${ed.items.length}`),
    c ? el('span', { class: 'corrected' }, `已修正 corrected by ${c.actor} · ${formatTime(c.at)}`) : el('span', { class: 'hint' }, '模型框 model box'),
    ed.dirty ? el('span', { class: 'unsaved', id: 'unsaved' }, '未保存 unsaved') : null,
    el('span', { class: 'spacer' }),
    el('button', { type: 'button', id: 'draw-box', class: ed.drawing ? 'active' : '', onclick: () => ed.setDrawing(!ed.drawing) }, ed.drawing ? '拖动画框… Drag to draw ' : '画框 Draw box ', el('kbd', {}, 'B')),
    ed.selected >= 0 ? el('button', { type: 'button', onclick: () => ed.relabelSelected() }, '改标签 Label ', el('kbd', {}, 'L')) : null,
    ed.selected >= 0 ? el('button', { type: 'button', onclick: () => ed.deleteSelected() }, '删除框 Remove ', el('kbd', {}, 'Del')) : null,
    ed.dirty ? el('button', { type: 'button', class: 'primary', id: 'save-boxes', onclick: () => saveBoxes() }, '保存 Save ', el('kbd', {}, 'Enter')) : null,
    ed.dirty ? el('button', { type: 'button', onclick: () => discardBoxes() }, '放弃 Discard ', el('kbd', {}, 'Esc')) : null,
  ];
  bar.replaceChildren(...parts.filter(Boolean));
}

/** The label dialog (label-dialog.js) with the labels this API offers. */
function askLabel(current) {
  return askLabelFrom(state.labels, current);
}

async function saveBoxes() {
  const ed = state.editor;
  const c = current();
  if (!ed || !ed.dirty || !c) return;
  const d = await detail(c.id);
  const image = evidenceOrder(d)[state.image] ?? evidenceOrder(d)[0];
  try {
    const saved = await api(`/v1/cases/${c.id}/corrections`, { method: 'POST', body: { sha256: image.sha256, boxes: ed.boxes() } });
    image.boxes = saved.boxes;
    image.correction = { id: saved.id, actor: saved.actor, at: saved.at };
    ed.saved(saved.boxes);
    toast(`#${c.id} 标注已保存 boxes saved (${saved.boxes.length})`, 'ok');
  } catch (err) {
    toast(`#${c.id} 标注保存失败 boxes not saved: ${err.message}`, 'error');
  }
}

function discardBoxes() {
  state.editor?.discard();
}

function pickImage(d, i) {
  if (blockedByUnsavedBoxes()) return;
  state.image = i;
  renderCase(d);
}

/** Unsaved box changes hold every other action until they are saved (Enter) or discarded (Esc). */
function blockedByUnsavedBoxes() {
  if (!state.editor?.dirty) return false;
  toast('先保存 (Enter) 或放弃 (Esc) 标注修改 · Save (Enter) or discard (Esc) the box changes first', 'error');
  return true;
}

function go(i) {
  if (i < 0 || i >= state.queue.length || blockedByUnsavedBoxes()) return;
  state.index = i;
  show();
}

/** Takes the current case out of the queue, shows the next one at once, and sends the decision. */
function decide(path, body, done) {
  const c = current();
  if (!c || blockedByUnsavedBoxes()) return;
  state.queue.splice(state.index, 1);
  state.details.delete(c.id);
  if (state.index >= state.queue.length) state.index = Math.max(0, state.queue.length - 1);
  const decision = { case: c, index: state.index, action: path, at: Date.now(), sent: false };
  state.lastDecision = path === 'confirm' || path === 'reject' ? decision : null;
  show();
  api(`/v1/cases/${c.id}/${path}`, { method: 'POST', body })
    .then(() => {
      decision.sent = true;
      toast(`#${c.id} ${done}`, 'ok');
      refreshCounts().catch(() => {});
      // Offer the undo without re-rendering the case now shown (the reviewer may be working on it).
      const bar = state.lastDecision === decision && !$('undo-bar') ? undoBar() : null;
      if (bar) $('case').prepend(bar);
    })
    .catch((err) => {
      if (err instanceof ApiError && err.status === 409) toast(`#${c.id} 已被他人处理（${err.body?.status}）Already decided elsewhere`, 'error');
      else toast(`#${c.id} 提交失败 not saved: ${err.message}`, 'error');
      refreshCounts().catch(() => {});
    });
}

/** The bar above the case that offers to take the last decision back, while it can be. */
function undoBar() {
  const d = state.lastDecision;
  if (!d || !d.sent || Date.now() - d.at > UNDO_WINDOW_MS) return null;
  const what = d.action === 'confirm' ? '已确认立案 confirmed' : '已驳回 rejected';
  return el(
    'div',
    { class: 'undo-bar', id: 'undo-bar' },
    el('span', {}, `#${d.case.id} ${what}`),
    el('button', { type: 'button', id: 'undo', onclick: undoLast }, '撤销 Undo ', el('kbd', {}, 'U')),
  );
}

/** U: the last confirm or reject is taken back and its case shown again, where it was in the queue. */
async function undoLast() {
  const d = state.lastDecision;
  if (!d || !d.sent || blockedByUnsavedBoxes()) return;
  if (Date.now() - d.at > UNDO_WINDOW_MS) {
    toast('已超过撤销时限 Too late to undo', 'error');
    state.lastDecision = null;
    return show();
  }
  try {
    await api(`/v1/cases/${d.case.id}/undo`, { method: 'POST' });
  } catch (err) {
    toast(`#${d.case.id} 无法撤销 cannot undo: ${err.message}`, 'error');
    state.lastDecision = null;
    return show();
  }
  state.lastDecision = null;
  d.case.status = 'pending_review';
  const at = Math.min(d.index, state.queue.length);
  state.queue.splice(at, 0, d.case);
  state.index = at;
  toast(`#${d.case.id} 已撤销 Undone: back to review`, 'ok');
  refreshCounts().catch(() => {});
  show();
}

/** A labelling key (V/O/E: a truck's cover) on the shown case; false when the key labels nothing here. */
function labelByKey(k) {
  const d = state.shown;
  const hit = d && d.id === current()?.id ? labelForKey(state.vocabulary, d, k) : undefined;
  if (!hit) return false;
  labelCurrent(hit.attribute, hit.value);
  return true;
}

/** Labels the shown case's object (V/O/E for a truck's cover); the bar shows the label once saved. */
async function labelCurrent(attribute, value) {
  const c = current();
  if (!c) return;
  try {
    await api(`/v1/cases/${c.id}/labels/${attribute}`, { method: 'PUT', body: { value } });
    const d = await detail(c.id);
    d.labels = { ...d.labels, [attribute]: value };
    if (current()?.id === c.id) {
      const bar = labelBar(state.vocabulary, d, (a, v) => labelCurrent(a, v));
      if (bar && $('label-bar')) $('label-bar').replaceWith(bar);
    }
    toast(`#${c.id} ${attribute}: ${value}`, 'ok');
  } catch (err) {
    toast(`#${c.id} 标注失败 label not saved: ${err.message}`, 'error');
  }
}

function confirmCurrent() {
  decide('confirm', {}, '已确认立案 Confirmed');
}

function openReject() {
  if (!current() || blockedByUnsavedBoxes()) return;
  const box = $('reject-reasons');
  box.replaceChildren(
    ...REJECT_REASONS.map(([zh, en], i) =>
      el('label', { class: 'choice' }, el('input', { type: 'radio', name: 'reason', value: zh, checked: i === 0 }), el('kbd', {}, i + 1), ` ${zh} `, el('span', { class: 'en' }, en)),
    ),
  );
  $('reject-other').value = '';
  $('reject-dialog').showModal();
}

function submitReject() {
  const other = $('reject-other').value.trim();
  const picked = document.querySelector('input[name="reason"]:checked')?.value;
  const reason = other || picked;
  if (!reason) return;
  $('reject-dialog').close();
  decide('reject', { reason }, `已驳回 Rejected: ${reason}`);
}

function openReclassify() {
  const c = current();
  if (!c || blockedByUnsavedBoxes()) return;
  const types = Object.entries(TYPE_NAMES).filter(([slug]) => slug !== c.type);
  $('reclassify-types').replaceChildren(
    ...types.map(([slug, zh], i) =>
      el('button', { type: 'button', class: 'choice', dataset: { type: slug }, onclick: () => reclassify(slug) }, el('kbd', {}, i + 1), ` ${zh} `, el('span', { class: 'en' }, slug)),
    ),
  );
  $('reclassify-dialog').showModal();
}

async function reclassify(type) {
  const c = current();
  $('reclassify-dialog').close();
  if (!c) return;
  try {
    await api(`/v1/cases/${c.id}/reclassify`, { method: 'POST', body: { type } });
    state.details.delete(c.id);
    c.type = type;
    c.typeName = TYPE_NAMES[type];
    toast(`#${c.id} 类型改为 ${TYPE_NAMES[type]}`, 'ok');
    show();
  } catch (err) {
    toast(`#${c.id} 改类型失败: ${err.message}`, 'error');
  }
}

function onKey(e) {
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  const rejectOpen = $('reject-dialog').open;
  const reclassifyOpen = $('reclassify-dialog').open;
  if (rejectOpen) {
    if (e.target === $('reject-other')) {
      if (e.key === 'Enter') {
        e.preventDefault();
        submitReject();
      }
      return;
    }
    const n = Number(e.key);
    if (n >= 1 && n <= REJECT_REASONS.length) {
      document.querySelectorAll('input[name="reason"]')[n - 1].checked = true;
      e.preventDefault();
    } else if (e.key === 'Enter') {
      e.preventDefault();
      submitReject();
    }
    return;
  }
  if (reclassifyOpen) {
    const n = Number(e.key);
    const buttons = document.querySelectorAll('#reclassify-types button');
    if (n >= 1 && n <= buttons.length) {
      e.preventDefault();
      buttons[n - 1].click();
    }
    return;
  }
  if (document.querySelector('dialog[open]') || e.target.matches?.('input, select, textarea')) return;
  const k = e.key.toLowerCase();
  const d = current() && state.details.get(current().id);
  const ed = state.editor;
  if (ed && k === 'b') ed.setDrawing(!ed.drawing);
  else if (ed && (e.key === 'Delete' || e.key === 'Backspace')) ed.deleteSelected();
  else if (ed && k === 'l') ed.relabelSelected();
  else if (ed && e.key === 'Tab' && ed.items.length) ed.selectNext();
  else if (ed && e.key === 'Enter' && ed.dirty) saveBoxes();
  else if (ed && e.key === 'Escape' && (ed.dirty || ed.drawing || ed.selected >= 0)) ed.discard();
  else if (ed?.dirty && ['y', 'n', 'c', 'j', 'k', 't', 'r', '1', '2', '3', '4', 'arrowright', 'arrowleft'].includes(k)) blockedByUnsavedBoxes();
  else if (k === 'y') confirmCurrent();
  else if (k === 'n') openReject();
  else if (k === 'c') openReclassify();
  else if (k === 'j' || e.key === 'ArrowRight') go(state.index + 1);
  else if (k === 'k' || e.key === 'ArrowLeft') go(state.index - 1);
  else if (k === 't' && current()) location.href = `case.html#id=${current().id}`;
  else if (k === 'r' && !blockedByUnsavedBoxes()) reload();
  else if (k === 'u' && state.lastDecision) undoLast();
  else if (k === 'h') toggleHeld();
  else if (e.key === '?') $('help-dialog').showModal();
  else if (['1', '2', '3', '4'].includes(k) && d) d.then((x) => pickImage(x, Number(k) - 1));
  else if (!labelByKey(k)) return;
  e.preventDefault();
}

document.addEventListener('keydown', onKey);
$('reject-form').addEventListener('submit', (e) => {
  e.preventDefault();
  submitReject();
});
$('reject-cancel').addEventListener('click', () => $('reject-dialog').close());
$('reclassify-cancel').addEventListener('click', () => $('reclassify-dialog').close());
$('help-button').addEventListener('click', () => $('help-dialog').showModal());
$('refresh').addEventListener('click', () => reload());
wireSignOut();
$('sort').addEventListener('change', (e) => {
  state.sort = e.target.value;
  e.target.blur();
  reload();
});
$('type-filter').addEventListener('change', (e) => {
  state.type = e.target.value;
  e.target.blur();
  reload();
});

start().catch((err) => {
  $('case').replaceChildren(el('div', { class: 'empty' }, `出错了 Something failed: ${err.message}`));
});

// A link with a key opened in this tab (#key=...) switches to that key.
window.addEventListener('hashchange', () => {
  if (new URLSearchParams(location.hash.slice(1)).has('key')) location.reload();
});
