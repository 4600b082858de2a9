// The models page: every trained version per target (the attribute it sets), with its parent, what
// it was trained on, its held-out metrics and what the promotion rule decided; which one the
// workers run; compare two on the same held-out reviews; promote one; roll a target back.
import { api, el, formatTime, refusedKey, showSignIn, takeKeyFromUrl, toast, wireSignOut } from './common.js';

const $ = (id) => document.getElementById(id);
const pct = (v) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(3) : '–');
const selected = new Set();

async function start() {
  wireSignOut();
  $('refresh').addEventListener('click', () => load());
  $('register-detector').addEventListener('submit', registerDetector);
  if (!takeKeyFromUrl()) return showLogin();
  try {
    await load();
  } catch (err) {
    if (refusedKey(err, '这个密钥不能管理模型（需要管理员）。This key may not manage models (admin only).', showLogin)) return;
    throw err;
  }
}

function showLogin(message) {
  showSignIn($('models'), message || '需要管理员 (admin) 的密钥。The key stays in this browser tab only.');
}

async function load() {
  const { items, live, rule, detectorRule, cameraRule } = await api('/v1/models/versions');
  document.body.classList.add('signed-in');
  $('rule').replaceChildren(el('strong', {}, '晋升规则 Promotion rule: '), rule);
  $('detector-rule').replaceChildren(el('strong', {}, '检测器晋升规则 Detector rule: '), detectorRule ?? '');
  $('camera-rule').replaceChildren(el('strong', {}, '单摄像头晋升规则 Per-camera rule: '), cameraRule ?? '');
  const byTarget = new Map();
  for (const v of items) byTarget.set(v.target, [...(byTarget.get(v.target) ?? []), v]);
  const sections = [...byTarget].map(([target, versions]) => targetSection(target, versions, live[target] ?? null));
  $('targets').replaceChildren(...(sections.length > 0 ? sections : [el('p', { class: 'empty' }, '还没有训练过的模型。No trained versions yet: the training job adds one after enough reviews.')]));
}

function targetSection(target, versions, liveId) {
  const rollback = el('button', { class: 'rollback', disabled: liveId === null, onclick: () => rollBack(target) }, '回滚 Roll back');
  const compare = el('button', { class: 'compare', onclick: () => compareSelected(target) }, '比较所选 Compare selected');
  return el(
    'section',
    { class: 'target', dataset: { target } },
    el('h2', {}, target, el('span', { class: 'en' }, liveId ? `live: ${liveId}` : 'no live version'), compare, rollback),
    el(
      'table',
      { class: 'list' },
      el('thead', {}, el('tr', {}, ...['', '版本 Version', '父版本 Parent', '训练数据 Trained on', '自测 Own held-out BA', '对比 vs live', '创建 Created', '晋升 Promoted', ''].map((h) => el('th', {}, h)))),
      el('tbody', {}, ...versions.map((v) => versionRow(v))),
    ),
  );
}

function versionRow(v) {
  if (v.kind === 'detector') return detectorRow(v);
  const classes = v.training?.classes ? Object.entries(v.training.classes).map(([k, n]) => `${k} ${n}`).join(', ') : '';
  const c = v.comparison;
  const verdict = c
    ? el('div', {}, el('span', { class: `badge ${c.decision}` }, c.decision === 'promote' ? '晋升 promote' : '拒绝 refuse'),
        ` ${pct(c.candidate?.balancedAccuracy)}${c.current ? ` vs ${c.current.id} ${pct(c.current.balancedAccuracy)}` : ''}`,
        c.heldOut?.crops !== undefined ? el('div', { class: 'en' }, `on ${c.heldOut.crops} held-out crops of ${c.heldOut.sources} ${c.heldOut.splitBy === 'case' ? 'cases (fewer than 4 cameras)' : 'sources'}`) : null,
        el('ul', { class: 'reasons' }, ...c.reasons.map((r) => el('li', {}, r))))
    : '–';
  const box = el('input', { type: 'checkbox', 'aria-label': `select ${v.id}`, checked: selected.has(v.id), onchange: (e) => (e.target.checked ? selected.add(v.id) : selected.delete(v.id)) });
  return el(
    'tr',
    { class: v.live ? 'live' : '', dataset: { version: v.id } },
    el('td', {}, box),
    el('td', {}, el('strong', {}, v.id), ' ', v.live ? el('span', { class: 'badge live' }, '运行中 live') : ''),
    el('td', {}, v.parentId ?? '–'),
    el('td', {}, `${v.training?.reviews ?? '?'} reviews`, el('div', { class: 'en' }, `trained on ${classes}`)),
    el('td', { class: 'num' }, pct(v.metrics?.heldOut?.balancedAccuracy)),
    el('td', {}, verdict),
    el('td', {}, formatTime(v.createdAt), el('div', { class: 'en' }, v.createdBy)),
    el('td', {}, v.promotedAt ? [formatTime(v.promotedAt), el('div', { class: 'en' }, v.promotedBy)] : '–'),
    el('td', {}, v.live ? '' : el('button', { class: 'promote primary', onclick: () => promote(v.id) }, '晋升 Promote')),
  );
}

// A fine-tuned detector: AP50 and AP50-95 on its held-out images against the live one (or its base).
function detectorRow(v) {
  const c = v.comparison;
  const t = v.training ?? {};
  const boxes = t.train?.boxes ? Object.entries(t.train.boxes).map(([k, n]) => `${k} ${n}`).join(', ') : '';
  const verdict = c
    ? el('div', {}, el('span', { class: `badge ${c.decision}` }, c.decision === 'promote' ? '晋升 promote' : '拒绝 refuse'),
        ` AP50 ${pct(c.candidate?.ap50)} vs ${c.current?.id ?? '–'} ${pct(c.current?.ap50)}`,
        el('div', { class: 'en' }, `AP50-95 ${pct(c.candidate?.ap50to95)} vs ${pct(c.current?.ap50to95)} on ${c.heldOut?.images ?? '?'} held-out images${c.heldOut?.tiled ? ', tiled' : ''}`),
        el('ul', { class: 'reasons' }, ...c.reasons.map((r) => el('li', {}, r))))
    : '–';
  return el(
    'tr',
    { class: v.live ? 'live' : '', dataset: { version: v.id } },
    el('td', {}, ''),
    el('td', {}, el('strong', {}, v.id), ' ', v.live ? el('span', { class: 'badge live' }, '运行中 live') : ''),
    el('td', {}, v.parentId ?? (t.base?.id ? `base ${t.base.id}` : '–')),
    el('td', {}, `${t.train?.images ?? '?'} images`, el('div', { class: 'en' }, `boxes ${boxes}`)),
    el('td', { class: 'num' }, `AP50 ${pct(v.metrics?.best?.ap50)}`),
    el('td', {}, verdict),
    el('td', {}, formatTime(v.createdAt), el('div', { class: 'en' }, v.createdBy)),
    el('td', {}, v.promotedAt ? [formatTime(v.promotedAt), el('div', { class: 'en' }, v.promotedBy)] : '–'),
    el('td', {}, v.live ? '' : el('button', { class: 'promote primary', onclick: () => promote(v.id, c?.decision === 'refuse') }, '晋升 Promote')),
  );
}

async function promote(id, refusedByRule = false) {
  // A detector the rule refused is promoted only by overruling it, knowingly and with a reason.
  if (refusedByRule && !confirm(`规则拒绝了 ${id}。仍要晋升？ The promotion rule refused ${id}: overrule it?`)) return;
  const reason = prompt(`晋升 ${id}：原因 Reason (for the audit)`);
  if (reason === null) return;
  const body = { ...(reason.trim() ? { reason: reason.trim() } : {}), ...(refusedByRule ? { override: true } : {}) };
  await act(() => api(`/v1/models/versions/${encodeURIComponent(id)}/promote`, { method: 'POST', body }), `${id} 已晋升 promoted: workers load it now`);
}

async function registerDetector(event) {
  event.preventDefault();
  const form = event.target;
  const field = (name) => form.elements.namedItem(name).value.trim();
  const body = { manifest: field('manifest'), id: field('id') };
  toast('正在留出集上测量… Measuring it and the live detector on its held-out images…');
  await act(() => api('/v1/models/detector-versions', { method: 'POST', body }), `${body.id} 已登记 registered`);
}

async function rollBack(target) {
  const reason = prompt(`回滚 ${target}：原因 Reason (for the audit)`);
  if (reason === null) return;
  await act(() => api(`/v1/models/targets/${encodeURIComponent(target)}/rollback`, { method: 'POST', body: reason.trim() ? { reason: reason.trim() } : {} }), `${target} 已回滚 rolled back`);
}

async function act(call, done) {
  try {
    await call();
    toast(done);
    $('compare').replaceChildren(); // its "live" marks are stale now
    await load();
  } catch (err) {
    toast(err.message, 'error');
  }
}

async function compareSelected(target) {
  const ids = [...selected].filter((id) => document.querySelector(`section[data-target="${CSS.escape(target)}"] tr[data-version="${CSS.escape(id)}"]`));
  if (ids.length !== 2) return toast('选择同一目标的两个版本。Select two versions of this target.', 'error');
  $('compare').replaceChildren(el('p', {}, '正在同一留出集上测量… Measuring both on the same held-out reviews…'));
  try {
    const r = await api(`/v1/models/compare?a=${encodeURIComponent(ids[0])}&b=${encodeURIComponent(ids[1])}`);
    $('compare').replaceChildren(comparisonTable(r));
  } catch (err) {
    $('compare').replaceChildren();
    toast(err.message, 'error');
  }
}

function comparisonTable(r) {
  const [a, b] = r.versions;
  const row = (name, x, y) => {
    const better = (p, q) => (Number.isFinite(p) && Number.isFinite(q) && p > q ? 'num better' : 'num');
    return el('tr', {}, el('td', {}, name), el('td', { class: better(x, y) }, pct(x)), el('td', { class: better(y, x) }, pct(y)));
  };
  const rows = [row('准确率 Accuracy', a.metrics.accuracy, b.metrics.accuracy), row('平衡准确率 Balanced accuracy', a.metrics.balancedAccuracy, b.metrics.balancedAccuracy)];
  for (const [i, c] of a.metrics.perClass.entries()) {
    const d = b.metrics.perClass[i];
    rows.push(row(`${c.label} 召回 recall`, c.recall, d?.recall), row(`${c.label} 精确 precision`, c.precision, d?.precision));
  }
  return el(
    'div',
    { class: 'comparison' },
    el('h2', {}, `${r.target}: ${a.id} vs ${b.id}`, el('span', { class: 'en' }, ` on ${r.heldOut.crops} held-out crops of ${r.heldOut.of}`)),
    el('table', { class: 'list' }, el('thead', {}, el('tr', {}, el('th', {}, ''), el('th', {}, a.id + (a.live ? ' (live)' : '')), el('th', {}, b.id + (b.live ? ' (live)' : '')))), el('tbody', {}, ...rows)),
  );
}

start().catch((err) => toast(err.message, 'error'));
