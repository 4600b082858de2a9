// What changed on the ground since the survey before: the illegal_construction cases a
// survey-against-survey comparison raised for this survey (npm run survey:compare -- --cases
// --after-survey ID), each as a before/after slider over the same ground with the change's outline
// on both pictures, its area, both survey dates and a link to the case. The slider moves with the
// mouse, a drag, or the arrow keys when it has the focus.
import { api, el, formatTime } from './common.js';

/** A section for the survey page; empty (null) when no comparison raised anything for it. */
export async function changesSection(surveyId) {
  const { items } = await api(`/v1/cases?type=illegal_construction&source=${encodeURIComponent(`survey-${surveyId}`)}&sort=score&limit=100`);
  if (!items.length) return null;
  const details = await Promise.all(items.map((c) => api(`/v1/cases/${c.id}`)));
  const shown = details.filter((d) => evidenceOf(d, 'start_frame') && evidenceOf(d, 'frame'));
  if (!shown.length) return null;
  return el(
    'section',
    { class: 'survey-changes', id: 'survey-changes' },
    el('h3', {}, `变化 违法建筑候选 `, el('span', { class: 'en' }, `Changes since the survey before: ${shown.length} new structure(s), highest score first`)),
    el('div', { class: 'change-list' }, shown.map((d, i) => changeCard(d, i + 1))),
  );
}

/** The latest sighting's picture of that kind (evidence comes newest first). */
function evidenceOf(d, kind) {
  const latest = d.observations[0]?.id;
  return d.evidence.find((e) => e.kind === kind && e.observationId === latest) ?? d.evidence.find((e) => e.kind === kind);
}

function changeCard(d, rank) {
  const a = d.observations[0]?.attributes ?? {};
  const before = evidenceOf(d, 'start_frame');
  const after = evidenceOf(d, 'frame');
  return el(
    'figure',
    { class: 'change-card', dataset: { caseId: d.id } },
    beforeAfterSlider(before.url, after.url, `#${d.id}`),
    el(
      'figcaption',
      {},
      el('strong', {}, `${rank}. `, el('a', { href: `case.html#id=${d.id}` }, `#${d.id}`)),
      ` · ${Number(a.areaM2 ?? 0).toFixed(1)} m²`,
      a.riseM !== undefined ? ` · 升高 rise ${Number(a.riseM).toFixed(1)} m` : '',
      ` · score ${Number(d.score).toFixed(2)}`,
      el('br'),
      el('span', { class: 'hint' }, `之前 before ${a.beforeSurvey ?? ''} ${a.beforeDate ? formatTime(a.beforeDate) : ''} → 之后 after ${a.afterSurvey ?? ''} ${a.afterDate ? formatTime(a.afterDate) : ''}`),
    ),
  );
}

/** The after picture over the before one, cut at the handle: left of it is before, right after. */
export function beforeAfterSlider(beforeUrl, afterUrl, name) {
  const afterImg = el('img', { src: afterUrl, alt: `${name} 之后 after`, class: 'after', draggable: 'false' });
  const handle = el('div', { class: 'handle', role: 'slider', tabindex: '0', 'aria-label': `${name} 之前/之后 before/after`, 'aria-valuemin': '0', 'aria-valuemax': '100' });
  const box = el(
    'div',
    { class: 'before-after' },
    el('img', { src: beforeUrl, alt: `${name} 之前 before`, class: 'before', draggable: 'false' }),
    afterImg,
    handle,
    el('span', { class: 'tag left' }, '之前 before'),
    el('span', { class: 'tag right' }, '之后 after'),
  );
  const set = (share) => {
    const p = Math.max(0, Math.min(100, share));
    afterImg.style.clipPath = `inset(0 0 0 ${p}%)`;
    handle.style.left = `${p}%`;
    handle.setAttribute('aria-valuenow', String(Math.round(p)));
    box.dataset.position = String(Math.round(p));
  };
  const fromPointer = (e) => {
    const r = box.getBoundingClientRect();
    set(((e.clientX - r.left) / r.width) * 100);
  };
  let dragging = false;
  box.addEventListener('pointerdown', (e) => {
    dragging = true;
    box.setPointerCapture(e.pointerId);
    fromPointer(e);
  });
  box.addEventListener('pointermove', (e) => dragging && fromPointer(e));
  box.addEventListener('pointerup', () => (dragging = false));
  handle.addEventListener('keydown', (e) => {
    const now = Number(box.dataset.position);
    if (e.key === 'ArrowLeft') set(now - 5);
    else if (e.key === 'ArrowRight') set(now + 5);
    else return;
    e.preventDefault();
    e.stopPropagation(); // the page's J/K/arrow keys step through images
  });
  set(50);
  return box;
}
