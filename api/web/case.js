// One case: what was seen, the evidence, the (standard, code) pairs, every sighting, and the audit
// timeline; plus the lifecycle moves allowed from its status (dispatch asks for a unit), the
// photos and frames of later steps (after-photos of handling, the camera looking again), undoing
// one's own confirm or reject, and an admin sending a rejected case back to review.
import { ACTION_NAMES, api, ApiError, el, formatTime, loginPanel, place, setKey, statusLabel, statusPill, takeKeyFromUrl, toast } from './common.js';
import { plateText } from './labels-zh.js';
import { verdictFact } from './review-verdict.js';

const MOVE_LABELS = {
  confirm: '确认立案 Confirm',
  reject: '驳回 Reject',
  dispatch: '派遣 Dispatch',
  handle: '已处置 Handled',
  verify: '已核查 Verified',
  close: '结案 Close',
  reopen: '重开 Reopen',
  undo: '撤销 Undo',
  'reopen-rejected': '退回审核 Sent back to review',
};
const KIND_NAMES = { frame: '确认帧 Confirming frame', crop: '目标特写 Close-up', start_frame: '起始帧 First frame', clip: '视频 Clip', clean_frame: '原始帧 Original frame', comparison: '首次与确认 First seen / confirmed' };
// Evidence of later steps (api/case/handle.ts, api/case/verification.ts).
Object.assign(KIND_NAMES, { after_photo: '处置后照片 After-photo', verify_frame: '复查帧 Camera looked again', verify_crop: '复查特写 Looked again, close-up' });
/** Who looked again for the system (api/case/actor.ts SYSTEM_VERIFIER). */
const SYSTEM_VERIFIER = 'system:verifier';

const page = document.getElementById('page');

function caseId() {
  return Number(new URLSearchParams(location.hash.slice(1)).get('id') || new URLSearchParams(location.search).get('id'));
}

async function load() {
  if (!takeKeyFromUrl()) {
    page.replaceChildren(loginPanel((key) => { setKey(key); load(); }));
    return;
  }
  const id = caseId();
  let d;
  try {
    d = await api(`/v1/cases/${id}`);
  } catch (err) {
    page.replaceChildren(el('div', { class: 'empty' }, err instanceof ApiError && err.status === 404 ? `案件 #${id} 不存在 · No such case` : `加载失败 ${err.message}`));
    return;
  }
  render(d);
}

function timeline(d) {
  const entries = [
    ...d.audit.map((a) => ({ at: a.at, kind: 'audit', a })),
    ...d.observations.map((o) => ({ at: o.observedAt, kind: 'obs', o })),
  ].sort((x, y) => new Date(x.at) - new Date(y.at) || (x.kind === 'audit' ? -1 : 1));
  return el(
    'ol',
    { class: 'timeline', id: 'timeline' },
    entries.map((e) =>
      e.kind === 'audit'
        ? el(
            'li',
            { class: `audit a-${e.a.action}`, dataset: { action: e.a.action } },
            el('time', {}, formatTime(e.a.at)),
            el('strong', {}, ACTION_NAMES[e.a.action] || e.a.action),
            el('span', { class: 'who' }, e.a.actor === SYSTEM_VERIFIER ? '系统复查 the system (camera looked again)' : `${e.a.actor} (${e.a.actorRole})`),
            el('span', { class: 'move' }, `${e.a.from ? statusLabel(e.a.from) : '—'} → ${statusLabel(e.a.to)}`),
            e.a.note ? el('q', {}, e.a.note) : null,
            e.a.details?.unit ? el('span', { class: 'detail' }, `单位 unit: ${e.a.details.unit}`) : null,
            e.a.details?.dueAt ? el('span', { class: 'detail' }, `期限 due: ${formatTime(e.a.details.dueAt)}`) : null,
            e.a.details?.toType ? el('span', { class: 'detail' }, `${e.a.details.fromType} → ${e.a.details.toType}`) : null,
          )
        : el(
            'li',
            { class: 'obs' },
            el('time', {}, formatTime(e.o.observedAt)),
            el('span', {}, `观测 sighting · score ${e.o.score.toFixed(2)}${e.o.plate ? ` · ${e.o.plate}` : ''} · ${e.o.modelId}`),
            // Why the worker judged it a violation, e.g. "same vehicle, similarity 0.93, still from 10:00:03 to 10:05:04".
            typeof e.o.attributes?.reason === 'string' ? el('span', { class: 'detail' }, `判定依据 why: ${e.o.attributes.reason}`) : null,
          ),
    ),
  );
}

/** Box corrections reviewers saved on this case's images, oldest first (the latest per image counts). */
function corrections(d) {
  const list = d.corrections || [];
  if (!list.length) return null;
  return el(
    'div',
    {},
    el('h3', {}, '标注修正 Box corrections'),
    el(
      'ol',
      { class: 'corrections', id: 'corrections' },
      list.map((c) =>
        el(
          'li',
          { dataset: { correctionId: c.id } },
          `${formatTime(c.at)} · ${c.actor} (${c.actorRole}) · `,
          el('code', { title: c.sha256 }, c.sha256.slice(0, 12)),
          ` · ${c.boxes.map((b) => `${b.label}${b.origin === 'drawn' ? ' ✎' : ''} [${b.box.join(', ')}]`).join('; ') || '无框 no boxes'}`,
        ),
      ),
    ),
  );
}

/** Photos and frames of later steps, each under the audit entry it belongs to. */
function followUp(d) {
  if (!d.followUp?.length) return null;
  const entry = new Map(d.audit.map((a) => [a.id, a]));
  return el(
    'div',
    { class: 'followup' },
    el('h3', {}, '处置与复查 ', el('span', { class: 'en' }, 'Handling and verification')),
    el(
      'div',
      { class: 'gallery', id: 'follow-up' },
      d.followUp.map((e) => {
        const a = entry.get(e.auditId);
        return el(
          'figure',
          { dataset: { kind: e.kind } },
          el('a', { href: e.url, target: '_blank' }, el('img', { src: e.url, alt: KIND_NAMES[e.kind] || e.kind })),
          el('figcaption', {}, `${KIND_NAMES[e.kind] || e.kind} · ${formatTime(e.capturedAt)}`, a ? el('br') : null, a ? `${ACTION_NAMES[a.action] || a.action} · ${a.actor === SYSTEM_VERIFIER ? '系统 system' : a.actor}` : null),
        );
      }),
    ),
  );
}

/** Undo is offered while the last entry is a confirm or reject of the last few minutes; the API checks it was this key's. */
function undoable(d) {
  const last = d.audit.at(-1);
  return last && (last.action === 'confirm' || last.action === 'reject') && Date.now() - new Date(last.at).getTime() < 5 * 60_000;
}

function actions(d) {
  const moves = d.allowedMoves.filter((m) => m !== 'handle');
  const extra = [
    undoable(d) ? el('button', { dataset: { move: 'undo' }, onclick: () => move(d, 'undo') }, '撤销 Undo') : null,
    d.status === 'rejected' ? el('button', { dataset: { move: 'reopen-rejected' }, onclick: () => move(d, 'reopen-rejected'), title: '仅管理员 Admins only' }, '退回审核 Send back to review (admin)') : null,
  ].filter(Boolean);
  const handleHint = d.allowedMoves.includes('handle') ? el('p', { class: 'hint' }, '由外勤在 /field/ 页面处置（需照片和说明）· The unit reports it handled on the field page, with a photo and a note.') : null;
  if (!moves.length && !extra.length) return handleHint ?? el('p', { class: 'hint' }, '此状态下无可执行操作 · No moves from this status.');
  return el(
    'div',
    {},
    el(
      'div',
      { class: 'decide' },
      moves.map((m) =>
        el('button', { class: m === 'reject' ? 'danger' : m === 'confirm' || m === 'dispatch' ? 'primary' : '', dataset: { move: m }, onclick: () => move(d, m) }, MOVE_LABELS[m] || m),
      ),
      extra,
    ),
    handleHint,
  );
}

async function move(d, m) {
  const body = {};
  if (m === 'dispatch') {
    const units = await api('/v1/units').then((r) => r.items.map((u) => u.id)).catch(() => []);
    const unit = prompt(`派遣给哪个单位？Dispatch to which unit?${units.length ? `\n${units.join(', ')}` : ''}`);
    if (!unit) return;
    body.unit = unit;
  }
  if (m === 'reject') {
    const reason = prompt('驳回原因 Reason for rejecting');
    if (!reason) return;
    body.reason = reason;
  }
  try {
    await api(`/v1/cases/${d.id}/${m}`, { method: 'POST', body });
    toast(`${MOVE_LABELS[m]} ✓`, 'ok');
  } catch (err) {
    toast(err instanceof ApiError && err.status === 409 && err.body?.allowed ? `不可执行：当前状态 ${statusLabel(err.body.status)}，可执行 ${err.body.allowed.join(', ')}` : err.message, 'error');
  }
  load();
}

function render(d) {
  document.title = `案件 #${d.id} ${d.typeName || d.type}`;
  const title = [el('span', {}, `案件 #${d.id} · ${d.typeName || d.type} `), statusPill(d.status, { id: 'status' })];
  if (d.overdue) title.push(el('span', { class: 'status overdue' }, '超时 overdue'));
  document.getElementById('title').replaceChildren(...title);
  const facts = [
    ['类型 Type', `${d.typeName || ''} ${d.type}`],
    ['编码 Codes', d.codes.map((c) => `${c.standard} ${c.code}${c.primary ? ' (主 primary)' : ''}`).join('；')],
    ['地点 Place', place(d)],
    ['首次发现 First seen', formatTime(d.firstSeen)],
    ['最近发现 Last seen', formatTime(d.lastSeen)],
    ['车牌 Plate', plateText(d.plate)],
    ['观测次数 Sightings', d.observationCount],
    ['派遣单位 Unit', d.unit || '—'],
    ['处置期限 Due', d.dueAt ? `${formatTime(d.dueAt)}${d.overdue ? ' · 已超时 OVERDUE' : ''}` : d.handlingLimitMinutes ? `派遣后 ${d.handlingLimitMinutes} 分钟` : '—'],
    ['驳回原因 Rejected because', d.rejectReason || '—'],
    ['模型 Model', d.model.id ? `${d.model.id} ${d.model.sha256 || ''}` : '—'],
    ['审核预测 Verdict', verdictFact(d.verdict, null, d.type)],
    ['属性标注 Labels', Object.entries(d.labels ?? {}).map(([k, v]) => `${k}: ${v}`).join('；') || '—'],
  ];
  page.replaceChildren(
    el(
      'div',
      { class: 'case-layout' },
      el(
        'section',
        {},
        el('h2', {}, '证据 Evidence'),
        el(
          'div',
          { class: 'gallery' },
          d.evidence.map((e) =>
            el(
              'figure',
              {},
              el('a', { href: e.url, target: '_blank' }, el('img', { src: e.url, alt: KIND_NAMES[e.kind] })),
              el('figcaption', {}, `${KIND_NAMES[e.kind] || e.kind} · ${formatTime(e.capturedAt)}`, el('br'), el('code', { title: 'sha256' }, e.sha256.slice(0, 16) + '…')),
            ),
          ),
        ),
        el('dl', { class: 'facts two' }, facts.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)])),
        followUp(d),
        corrections(d),
        actions(d),
      ),
      el('section', {}, el('h2', {}, '时间线 Timeline'), timeline(d)),
    ),
  );
}

window.addEventListener('hashchange', load);
load();
