// The admin's hold-threshold form on the "likely false alarm" tab: per violation type a threshold,
// with the precision and recall that threshold had on reviewed cases measured live as it is typed
// (GET /v1/verdict-hold?type=T&threshold=X saves nothing), cleared per type, the auto-reject switch,
// and one save (PUT /v1/verdict-hold). Only an admin key gets the form (the API says so with
// `editable`); everyone else keeps the read-only summary.
import { api, el, TYPE_NAMES } from './common.js';

const fixed = (x) => (x === null || x === undefined ? '—' : x.toFixed(2));

/** The threshold a field holds: null when empty (no hold), a number in 0..1, or an error naming the problem. */
export function parseThreshold(text) {
  const t = text.trim();
  if (t === '') return { value: null };
  const n = Number(t);
  if (!Number.isFinite(n)) return { error: `"${t}" 不是数字 is not a number` };
  if (n < 0 || n > 1) return { error: `${t} 超出 outside 0–1` };
  return { value: n };
}

/** What a threshold did on the type's reviewed, scored cases, in one line. */
export function figuresText(t) {
  if (!t.reviewed) return '尚无有评分的已审核案件 no reviewed cases with a verdict score yet';
  if (t.threshold === null) return `${t.reviewed} reviewed · 不暂缓 nothing held`;
  return `precision ${fixed(t.precision)} · recall ${fixed(t.recall)} · ${t.reviewed} reviewed; below it ${t.heldRejected} false alarms, ${t.heldConfirmed} real`;
}

/**
 * Opens the form for `hold` (GET /v1/verdict-hold); `onSaved(hold)` runs after a successful save.
 * The dialog is made here and removed when closed, so the page keeps no stale copy of the figures.
 */
export function openHoldForm(hold, { onSaved, toast }) {
  document.getElementById('hold-dialog')?.remove();
  const rows = hold.types.map((t) => holdRow(t));
  const autoReject = el('input', { type: 'checkbox', id: 'hold-auto-reject', checked: hold.autoReject === true });
  const problem = el('p', { class: 'hold-problem', id: 'hold-problem' });
  const save = el('button', { type: 'submit', class: 'primary', id: 'hold-save' }, '保存 Save');
  const cancel = el('button', { type: 'button', id: 'hold-cancel', onclick: () => dialog.close() }, '取消 Cancel');
  const form = el(
    'form',
    { method: 'dialog', id: 'hold-form' },
    el('h2', {}, '暂缓阈值 Hold thresholds'),
    el('p', { class: 'hint' }, '审核预测分低于阈值的待审核案件进入“疑似误报”列表，仍由人审核。Pending cases scored below their type’s threshold wait in the likely-false-alarm list for a person. Figures: what the threshold did on cases already reviewed.'),
    el('table', { class: 'hold-table' }, el('tbody', {}, rows.map((r) => r.tr))),
    el(
      'label',
      { class: 'hold-auto' },
      autoReject,
      ' 自动驳回 Reject newly held cases without a person ',
      el('span', { class: 'hint' }, '(audited as system:verdict-hold; off by default)'),
    ),
    problem,
    el('div', { class: 'actions' }, cancel, save),
  );
  const dialog = el('dialog', { id: 'hold-dialog', class: 'hold-dialog' }, form);
  const check = () => {
    const bad = rows.filter((r) => r.parsed().error);
    problem.textContent = bad.map((r) => `${r.type}: ${r.parsed().error}`).join('; ');
    save.disabled = bad.length > 0;
  };
  for (const r of rows) r.onChange(check);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    check();
    if (save.disabled) return;
    const thresholds = Object.fromEntries(rows.filter((r) => r.parsed().value !== null).map((r) => [r.type, r.parsed().value]));
    save.disabled = true;
    try {
      const saved = await api('/v1/verdict-hold', { method: 'PUT', body: { thresholds, autoReject: autoReject.checked } });
      dialog.close();
      toast('暂缓阈值已保存 Hold thresholds saved', 'ok');
      onSaved(saved);
    } catch (err) {
      problem.textContent = `未保存 not saved: ${err.message}`;
      save.disabled = false;
    }
  });
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  return dialog;
}

/** One type's row: the threshold field, a clear button, and the figures re-measured as it changes. */
function holdRow(t) {
  const input = el('input', {
    type: 'text',
    inputmode: 'decimal',
    class: 'hold-threshold',
    value: t.threshold === null ? '' : String(t.threshold),
    placeholder: '—',
    title: '空：不暂缓 empty: hold nothing',
    'aria-label': `${t.type} hold threshold`,
    size: 5,
  });
  const figures = el('td', { class: 'hold-figures' }, figuresText(t));
  const clear = el('button', { type: 'button', class: 'hold-clear', title: '清除：不暂缓此类型 Clear: hold nothing of this type' }, '清除 Clear');
  const tr = el('tr', { class: 'hold-edit', dataset: { type: t.type } }, el('th', {}, TYPE_NAMES[t.type] ?? t.type, el('div', { class: 'hint' }, t.type)), el('td', { class: 'hold-input' }, input, clear), figures);
  const listeners = [];
  let asked = 0;
  let timer;
  const parsed = () => parseThreshold(input.value);
  // Measured at most every 150 ms while typing; an answer to an older value is dropped.
  const measure = () => {
    const p = parsed();
    tr.classList.toggle('invalid', Boolean(p.error));
    if (p.error) return void (figures.textContent = p.error);
    const n = ++asked;
    const url = p.value === null ? '/v1/verdict-hold' : `/v1/verdict-hold?type=${encodeURIComponent(t.type)}&threshold=${p.value}`;
    api(url)
      .then((h) => {
        if (n !== asked) return;
        const row = h.types.find((x) => x.type === t.type);
        figures.textContent = figuresText({ ...row, threshold: p.value });
      })
      .catch((err) => n === asked && (figures.textContent = `无法计算 not measured: ${err.message}`));
  };
  const changed = () => {
    for (const f of listeners) f();
    clearTimeout(timer);
    timer = setTimeout(measure, 150);
  };
  input.addEventListener('input', changed);
  clear.addEventListener('click', () => {
    input.value = '';
    changed();
  });
  return { type: t.type, tr, parsed, onChange: (f) => listeners.push(f) };
}
