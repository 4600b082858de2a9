// Verdict scores, the "likely false alarm" list and attribute labelling on the review page:
// the badge a case's verdict score gets, the hold thresholds with the precision and recall each had
// on reviewed cases, and the bar of single-key attribute labels (a truck's cover).
import { el, TYPE_NAMES } from './common.js';

/** "likely confirmed 0.92" / "likely false alarm 0.12": the probability a reviewer confirms, in words. */
export function verdictText(verdict) {
  if (!verdict) return null;
  const s = verdict.score.toFixed(2);
  return verdict.score >= 0.5 ? `可能成立 likely confirmed ${s}` : `可能误报 likely false alarm ${s}`;
}

export function verdictBadge(verdict) {
  if (!verdict) return null;
  const kind = verdict.score >= 0.5 ? 'likely-confirmed' : 'likely-false';
  return el('span', { class: `verdict ${kind}${verdict.held ? ' held' : ''}`, title: verdict.modelId ? `verdict model ${verdict.modelId}` : '' }, verdictText(verdict));
}

/** The case's verdict line for the facts list, with the model and the hold, when it is held. */
export function verdictFact(verdict, hold, type) {
  if (!verdict) return '— 无审核预测模型 no verdict model';
  const threshold = hold?.thresholds?.[type];
  return el(
    'span',
    {},
    verdictBadge(verdict),
    verdict.modelId ? el('span', { class: 'hint' }, ` ${verdict.modelId}`) : null,
    verdict.held && threshold !== undefined ? el('span', { class: 'held-note' }, ` · 低于暂缓阈值 below the hold threshold ${threshold}`) : null,
  );
}

const pct = (x) => (x === null || x === undefined ? '—' : x.toFixed(2));

/**
 * Each type with a hold threshold, and what it did on reviewed cases with a verdict score:
 * precision = confirmed among those at or above it, recall = share of the confirmed ones that were.
 * `onEdit` (an admin key only) adds the button that opens the threshold form.
 */
export function holdSummary(hold, onEdit) {
  const rows = (hold?.types ?? []).filter((t) => t.threshold !== null);
  const edit = onEdit ? el('button', { type: 'button', id: 'hold-edit', class: 'hold-edit-button', onclick: onEdit }, '设置阈值 Set thresholds') : null;
  const readOnly = hold && !onEdit ? el('div', { class: 'hint' }, '阈值由管理员设置 Thresholds are set with an admin key') : null;
  if (!rows.length) return el('div', { class: 'hold-summary', id: 'hold-summary' }, '未设暂缓阈值 No hold thresholds set', readOnly, edit);
  return el(
    'div',
    { class: 'hold-summary', id: 'hold-summary' },
    el('div', { class: 'hold-title' }, '暂缓阈值 Hold thresholds · 已审核案件上的表现 on reviewed cases'),
    rows.map((t) =>
      el(
        'div',
        { class: 'hold-row', dataset: { type: t.type } },
        el('b', {}, `${TYPE_NAMES[t.type] ?? t.type} < ${t.threshold}`),
        ` precision ${pct(t.precision)} · recall ${pct(t.recall)} `,
        el('span', { class: 'hint' }, `(${t.reviewed} reviewed; ${t.heldRejected} false alarms and ${t.heldConfirmed} real ones below it)`),
      ),
    ),
    hold.autoReject ? el('div', { class: 'held-note', id: 'hold-auto-on' }, '自动驳回已开启 Auto-reject is on: new held cases are rejected by the system') : null,
    readOnly,
    edit,
  );
}

/** The attributes of the vocabulary that apply to this case (by its type or its detector label). */
export function applicableAttributes(vocabulary, d) {
  return Object.entries(vocabulary ?? {}).filter(([, v]) => v.types.includes(d.type) || (d.label && v.appliesTo.includes(d.label)));
}

/** The labelling bar: one button per value with its key, the current label marked. */
export function labelBar(vocabulary, d, onLabel) {
  const attributes = applicableAttributes(vocabulary, d);
  if (!attributes.length) return null;
  return el(
    'div',
    { class: 'label-bar', id: 'label-bar' },
    attributes.map(([attribute, v]) =>
      el(
        'div',
        { class: 'label-group', dataset: { attribute } },
        el('span', { class: 'label-name' }, attribute === 'cover' ? '车厢覆盖 Cover' : attribute),
        v.values.map((x) =>
          el(
            'button',
            { type: 'button', class: `label-choice${d.labels?.[attribute] === x.value ? ' chosen' : ''}`, dataset: { value: x.value }, onclick: () => onLabel(attribute, x.value) },
            `${x.name} `,
            el('kbd', {}, x.key.toUpperCase()),
          ),
        ),
      ),
    ),
  );
}

/** The attribute and value a key labels on this case, or undefined. */
export function labelForKey(vocabulary, d, key) {
  for (const [attribute, v] of applicableAttributes(vocabulary, d)) {
    const hit = v.values.find((x) => x.key === key);
    if (hit) return { attribute, value: hit.value };
  }
  return undefined;
}
