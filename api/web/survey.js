// Survey image review: boxes on drone survey images, including the many that raised no case (a
// garbage pile the detector missed, a car seen from above). The page is routed by its hash:
//   (none)                      the surveys
//   #survey=ID                  that survey's images, with what the detector kept and who corrected them
//   #survey=ID&image=SHA256     one image with the box editor (box-editor.js) and its facts
// Keys as on the review queue (B draws, drag moves/resizes, Tab, L, Delete, Enter saves, Esc
// discards), J/K for the next/previous image, and a 3x3 tile zoom (Z, 1–9, 0), because a car is
// about 100 px on a 4000x3000 drone photo. Each save is the complete set of boxes on the image.
import { BoxEditor } from './box-editor.js';
import { askLabel as askLabelFrom } from './label-dialog.js';
import { api, el, formatTime, refusedKey, showSignIn, takeKeyFromUrl, toast, TYPE_NAMES, wireSignOut } from './common.js';
import { detectorSummary, droppedText } from './labels-zh.js';
import { changesSection } from './survey-changes.js';

const IMAGE_STATUS = { queued: '排队中 queued', done: '已分析 analysed', failed: '失败 failed' };
const DEFAULT_LABELS = { violation: ['garbage', 'stall', 'cart', 'structure', 'muck_truck', 'car', 'truck', 'person'], model: [] };
/** Tiles per side, and each tile's share of the image's width and height: a little over a third, so an object on a tile's edge is whole in its neighbour. */
const TILES = 3;
const TILE_SHARE = 0.4;
/** Signed image links expire; a detail older than this is fetched again rather than reused. */
const DETAIL_FRESH_MS = 5 * 60_000;

const state = {
  /** The hash the page shows now; a hash change to the same place is not a new view. */
  shownHash: null,
  route: { survey: null, image: null },
  /** Survey id → promise of GET /v1/surveys/:id/review (the image order for J/K). */
  reviews: new Map(),
  /** "id/sha256" → { at, promise } of GET /v1/surveys/:id/images/:sha256. */
  details: new Map(),
  detail: null,
  editor: null,
  /** The zoomed tile (0–8, reading order) or null for the whole image. */
  tile: null,
  /** Last pointer position, for "zoom into the tile under the mouse". */
  pointer: null,
  lastImage: null,
  saving: false,
  labels: DEFAULT_LABELS,
};

const $ = (id) => document.getElementById(id);

function routeOf(hash) {
  const p = new URLSearchParams(hash.replace(/^#/, ''));
  return { survey: p.get('survey'), image: p.get('image') };
}

function hashOf(route) {
  const p = new URLSearchParams();
  if (route.survey) p.set('survey', route.survey);
  if (route.image) p.set('image', route.image);
  const s = p.toString();
  return s ? `#${s}` : '';
}

async function start() {
  if (!takeKeyFromUrl()) return showLogin();
  try {
    // The labels need the roles the review routes need (an ingest key may list surveys, not review them).
    state.labels = await api('/v1/corrections/labels');
  } catch (err) {
    if (refusedKey(err, '这个密钥不能查看航拍。This key may not review surveys.', showLogin)) return;
    state.labels = DEFAULT_LABELS; // the page still works with the usual labels
  }
  document.body.classList.add('signed-in');
  await render();
}

function showLogin(message) {
  showSignIn($('page'), message);
}

function showError(err) {
  $('page').replaceChildren(el('div', { class: 'empty' }, `出错了 Something failed: ${err.message}`));
}

/** Moves to another view, unless unsaved boxes hold the reviewer here. */
function navigate(route) {
  if (blockedByUnsavedBoxes()) return;
  location.hash = hashOf(route);
}

/** Unsaved box changes hold every move until they are saved (Enter) or discarded (Esc). */
function blockedByUnsavedBoxes() {
  if (!state.editor?.dirty) return false;
  toast('先保存 (Enter) 或放弃 (Esc) 标注修改 · Save (Enter) or discard (Esc) the box changes first', 'error');
  return true;
}

async function render() {
  const hash = location.hash;
  state.shownHash = hash;
  state.route = routeOf(hash);
  state.editor = null;
  state.detail = null;
  const { survey, image } = state.route;
  if (survey && image) return showImage(survey, image, hash);
  if (survey) return showSurvey(survey, hash);
  return showSurveys(hash);
}

/** The header's trail: surveys › survey › image. */
function crumbs(...parts) {
  const links = [el('a', { href: '#', onclick: (e) => (e.preventDefault(), navigate({})) }, '航拍 ', el('span', { class: 'en' }, 'Surveys'))];
  for (const [text, route] of parts) {
    links.push(el('span', { class: 'sep' }, '›'));
    links.push(route ? el('a', { href: hashOf(route) || '#', onclick: (e) => (e.preventDefault(), navigate(route)) }, text) : el('span', { class: 'here' }, text));
  }
  $('crumbs').replaceChildren(...links);
}

function reviewOf(id, fresh = false) {
  if (fresh || !state.reviews.has(id)) {
    const p = api(`/v1/surveys/${id}/review`);
    p.catch(() => state.reviews.delete(id));
    state.reviews.set(id, p);
  }
  return state.reviews.get(id);
}

function detailOf(id, sha256) {
  const key = `${id}/${sha256}`;
  const cached = state.details.get(key);
  if (cached && Date.now() - cached.at < DETAIL_FRESH_MS) return cached.promise;
  const promise = api(`/v1/surveys/${id}/images/${sha256}`);
  promise.catch(() => state.details.delete(key));
  state.details.set(key, { at: Date.now(), promise });
  return promise;
}

// ---------------------------------------------------------------------------------------------
// The surveys, and one survey's images.

async function showSurveys(hash) {
  crumbs();
  const { items } = await api('/v1/surveys');
  if (location.hash !== hash) return;
  document.title = '航拍 · Surveys';
  if (!items.length) {
    $('page').replaceChildren(el('div', { class: 'empty' }, el('h2', {}, '还没有航拍'), el('p', {}, 'No surveys yet. 上传：npm run survey:upload')));
    return;
  }
  const rows = items.map((s) =>
    el(
      'tr',
      { class: 'survey-row', dataset: { surveyId: s.id }, onclick: () => navigate({ survey: s.id }) },
      el('td', {}, `#${s.id}`),
      el('td', {}, el('a', { href: hashOf({ survey: s.id }), onclick: (e) => (e.preventDefault(), navigate({ survey: s.id })) }, s.name)),
      el('td', {}, formatTime(s.flownAt)),
      el('td', { class: 'num' }, s.counts ? `${s.counts.analysed} / ${s.counts.images}` : '—'),
      el('td', { class: 'num' }, s.counts ? s.counts.cases : '—'),
      el('td', {}, s.operator || '—'),
      el('td', {}, `${s.createdBy} · ${formatTime(s.createdAt)}`),
    ),
  );
  $('page').replaceChildren(
    el('h2', { class: 'page-title' }, '航拍 ', el('span', { class: 'en' }, 'Drone surveys')),
    el(
      'table',
      { class: 'list surveys' },
      el('thead', {}, el('tr', {}, ['#', '名称 Name', '飞行时间 Flown', '已分析/图像 Analysed / images', '案件 Cases', '飞手 Operator', '上传 Created by'].map((h) => el('th', {}, h)))),
      el('tbody', {}, rows),
    ),
  );
}

async function showSurvey(id, hash) {
  const review = await reviewOf(id, true);
  if (location.hash !== hash) return;
  const { survey, items } = review;
  document.title = `${survey.name} · 航拍 Survey`;
  crumbs([survey.name, null]);
  const open = (sha256) => navigate({ survey: id, image: sha256 });
  const rows = items.map((i, n) =>
    el(
      'tr',
      { class: `image-row${i.sha256 === state.lastImage ? ' current' : ''}`, dataset: { sha256: i.sha256 }, onclick: () => open(i.sha256) },
      el('td', {}, n + 1),
      el('td', {}, el('a', { href: hashOf({ survey: id, image: i.sha256 }), onclick: (e) => (e.preventDefault(), open(i.sha256)) }, i.fileName)),
      el('td', {}, el('span', { class: `status i-${i.status}` }, IMAGE_STATUS[i.status] ?? i.status)),
      el('td', { class: 'num' }, i.kept),
      el('td', { class: 'num' }, i.violations),
      el('td', { class: 'num' }, i.boxes),
      el('td', {}, i.correction ? `${i.correction.actor} · ${formatTime(i.correction.at)}` : el('span', { class: 'hint' }, '未修正 not yet')),
    ),
  );
  $('page').replaceChildren(
    el(
      'h2',
      { class: 'page-title' },
      survey.name,
      el('span', { class: 'en' }, ` · 飞行 flown ${formatTime(survey.flownAt)}${survey.operator ? ` · ${survey.operator}` : ''} · ${items.length} 张 images`),
    ),
    items.length
      ? el(
          'table',
          { class: 'list images' },
          el(
            'thead',
            {},
            el('tr', {}, ['#', '文件 File', '状态 Status', '保留检测 Kept detections', '立案 Cases raised', '框 Boxes', '修正 Corrected by / when'].map((h) => el('th', {}, h))),
          ),
          el('tbody', {}, rows),
        )
      : el('div', { class: 'empty' }, '这次航拍还没有图像 This survey has no images yet'),
  );
  $('page').querySelector('tr.current')?.scrollIntoView({ block: 'nearest' });
  // Comparison against the survey before: shown when it has loaded, the image list does not wait for it.
  changesSection(id)
    .then((section) => section && location.hash === hash && $('page').querySelector('h2.page-title')?.after(section))
    .catch((err) => location.hash === hash && $('page').prepend(el('div', { class: 'empty' }, `变化未加载 Changes not loaded: ${err.message}`)));
}

// ---------------------------------------------------------------------------------------------
// One image: the box editor and the facts.

async function showImage(id, sha256, hash) {
  let review;
  let d;
  try {
    [review, d] = await Promise.all([reviewOf(id), detailOf(id, sha256)]);
  } catch (err) {
    if (location.hash !== hash) return;
    crumbs();
    $('page').replaceChildren(el('div', { class: 'empty' }, `图像加载失败 Image not loaded: ${err.message}`));
    return;
  }
  if (location.hash !== hash) return; // the reviewer moved on while this loaded
  const index = review.items.findIndex((i) => i.sha256 === sha256);
  state.detail = d;
  state.lastImage = sha256;
  state.tile = null;
  document.title = `${d.fileName} · ${d.survey.name}`;
  crumbs([d.survey.name, { survey: id }], [d.fileName, null]);
  const position = index >= 0 ? `${index + 1} / ${review.items.length}` : '';
  $('page').replaceChildren(
    el(
      'div',
      { class: 'survey-image-view', dataset: { sha256 } },
      el(
        'figure',
        { class: 'main-image survey-image' },
        el('div', { class: 'canvas', id: 'canvas' }, el('img', { src: d.url, alt: d.fileName, id: 'main-image', draggable: 'false' })),
        el(
          'figcaption',
          {},
          `${d.fileName} · ${d.width}×${d.height} · ${position} · `,
          el('kbd', {}, 'K'),
          ' 上一张 previous · ',
          el('kbd', {}, 'J'),
          ' 下一张 next',
        ),
        el('div', { class: 'box-bar', id: 'box-bar' }),
      ),
      el('aside', { class: 'image-facts', id: 'facts' }),
    ),
  );
  renderFacts(d);
  const faint = droppedOverlay(d);
  if (faint) $('canvas').append(faint);
  const ed = new BoxEditor($('main-image'), d.boxes ?? [], { askLabel: (current) => askLabelFrom(state.labels, current), onChange: () => renderBoxBar() });
  state.editor = ed;
  renderBoxBar();
  // The next drone photo is several megabytes: fetch it while this one is reviewed.
  for (const next of [review.items[index + 1], review.items[index - 1]]) {
    if (next) detailOf(id, next.sha256).then((x) => (new Image().src = x.url)).catch(() => {});
  }
}

/** Under the image: boxes, who corrected them, the zoom tiles and the editing buttons. */
function renderBoxBar() {
  const ed = state.editor;
  const d = state.detail;
  const bar = $('box-bar');
  if (!ed || !d || !bar) return;
  const c = d.correction;
  const tiles = el(
    'span',
    { class: 'tiles', title: '放大 Zoom: Z, 1–9, 0' },
    Array.from({ length: TILES * TILES }, (_, i) =>
      el('button', { type: 'button', class: `tile${state.tile === i ? ' active' : ''}`, dataset: { tile: i }, title: `放大第 ${i + 1} 块 Zoom into tile ${i + 1}`, onclick: () => zoomTo(i) }, i + 1),
    ),
  );
  const parts = [
    el('span', { class: 'box-count' }, `框 Boxes: ${ed.items.length}`),
    c ? el('span', { class: 'corrected' }, `已修正 corrected by ${c.actor} · ${formatTime(c.at)}`) : el('span', { class: 'hint' }, '未修正：检测器保留的框 not corrected: the detector’s kept boxes'),
    ed.dirty ? el('span', { class: 'unsaved', id: 'unsaved' }, '未保存 unsaved') : null,
    el('span', { class: 'spacer' }),
    el('span', { class: 'zoom-label' }, '放大 Zoom ', el('kbd', {}, 'Z')),
    tiles,
    el('button', { type: 'button', id: 'whole-image', class: state.tile === null ? 'active' : '', onclick: () => zoomTo(null) }, '整图 Whole ', el('kbd', {}, '0')),
    el('button', { type: 'button', id: 'draw-box', class: ed.drawing ? 'active' : '', onclick: () => ed.setDrawing(!ed.drawing) }, ed.drawing ? '拖动画框… Drag to draw ' : '画框 Draw box ', el('kbd', {}, 'B')),
    ed.selected >= 0 ? el('button', { type: 'button', onclick: () => ed.relabelSelected() }, '改标签 Label ', el('kbd', {}, 'L')) : null,
    ed.selected >= 0 ? el('button', { type: 'button', onclick: () => ed.deleteSelected() }, '删除框 Remove ', el('kbd', {}, 'Del')) : null,
    ed.dirty ? el('button', { type: 'button', class: 'primary', id: 'save-boxes', onclick: () => saveBoxes() }, '保存 Save ', el('kbd', {}, 'Enter')) : null,
    !ed.dirty && !c ? el('button', { type: 'button', id: 'confirm-boxes', onclick: () => saveBoxes(), title: '没有修改也保存：这些框就是图上的全部 Save unchanged: these boxes are everything on the image' }, '框都对 Boxes right ', el('kbd', {}, 'Enter')) : null,
    ed.dirty ? el('button', { type: 'button', onclick: () => ed.discard() }, '放弃 Discard ', el('kbd', {}, 'Esc')) : null,
  ];
  bar.replaceChildren(...parts.filter(Boolean));
}

function fact(term, ...value) {
  return [el('dt', {}, term), el('dd', {}, ...value)];
}

const round = (v, digits = 1) => (typeof v === 'number' ? v.toFixed(digits) : '—');

/** Where the capture time came from, when it is not the photo's own clock. */
function captureHint(d) {
  const clock = (d.warnings ?? []).find((w) => /photo's clock/.test(w));
  if (clock) return el('div', { class: 'why', id: 'capture-hint' }, '照片时钟与飞行时间相差太远，使用了航拍的飞行时间 · ', clock);
  if (d.telemetry && !d.telemetry.read && !clock) return el('div', { class: 'hint', id: 'capture-hint' }, '照片没有拍摄时间时，使用航拍的飞行时间 · the survey’s flight time when the photo has no clock of its own');
  return null;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** The detections the worker dropped, drawn faint and dashed under the editable boxes, so a reviewer sees what was not kept. */
function droppedOverlay(d) {
  const dropped = (d.detections ?? []).filter((x) => !x.kept);
  if (!dropped.length) return null;
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('class', 'dropped-boxes');
  svg.setAttribute('viewBox', `0 0 ${d.width} ${d.height}`);
  svg.setAttribute('preserveAspectRatio', 'xMidYMid meet');
  svg.setAttribute('aria-label', '未采用的检测 dropped detections');
  for (const x of dropped) {
    const [x1, y1, x2, y2] = x.box;
    const g = document.createElementNS(SVG_NS, 'g');
    const rect = document.createElementNS(SVG_NS, 'rect');
    for (const [k, v] of Object.entries({ x: x1, y: y1, width: x2 - x1, height: y2 - y1 })) rect.setAttribute(k, String(v));
    const title = document.createElementNS(SVG_NS, 'title');
    title.textContent = `${x.label} ${x.score} — ${droppedText(x.dropped)}`;
    const text = document.createElementNS(SVG_NS, 'text');
    text.setAttribute('x', String(x1 + 2));
    text.setAttribute('y', String(Math.max(y1 - 3, 10)));
    text.setAttribute('font-size', String(Math.max(10, Math.round(d.width / 90))));
    text.textContent = x.label;
    g.append(title, rect, text);
    svg.append(g);
  }
  return svg;
}

/** The side panel: what is known about the image and what happened to it. */
function renderFacts(d) {
  const detections = d.detections ?? [];
  const kept = detections.filter((x) => x.kept);
  const dropped = detections.filter((x) => !x.kept);
  const t = d.telemetry;
  const analysed = d.status === 'done';
  const where = [];
  if (!analysed) {
    where.push(el('p', { class: 'hint' }, d.status === 'failed' ? `分析失败 Analysis failed: ${d.error ?? '—'}` : '尚未分析：还没有遥测和检测结果 Not analysed yet: no telemetry or detections'));
  } else {
    const geo = [...fact('定位 Geolocated', d.geolocated ? '是 yes' : `否 no${d.notGeolocated ? ` — ${d.notGeolocated}` : ''}`)];
    if (t?.read) {
      geo.push(
        ...fact('位置 Position', typeof t.lat === 'number' && typeof t.lon === 'number' ? `${t.lat.toFixed(6)}, ${t.lon.toFixed(6)}` : '—'),
        ...fact('高度 Height', typeof t.relativeAltitudeM === 'number' ? `${round(t.relativeAltitudeM)} m${t.altitudeSource ? ` (${t.altitudeSource})` : ''}` : '—'),
        ...fact('云台 Gimbal pitch', typeof t.gimbalPitchDeg === 'number' ? `${round(t.gimbalPitchDeg)}°` : '—'),
        ...fact('航向 Heading', typeof t.yawDeg === 'number' ? `${round(t.yawDeg)}°` : '—'),
      );
    } else {
      geo.push(...fact('遥测 Telemetry', `无 none${t?.absent ? ` — ${t.absent}` : ''}`));
    }
    geo.push(...fact('拍摄 Captured', formatTime(t?.capturedAt), captureHint(d)));
    where.push(el('dl', { class: 'facts two' }, geo));
  }
  const detection = (x) =>
    el(
      'li',
      { class: x.kept ? 'kept' : 'dropped' },
      el('b', {}, x.label),
      ` ${round(x.score, 2)}`,
      el('span', { class: 'hint' }, ` [${x.box.map((v) => Math.round(v)).join(', ')}]`),
      x.kept ? null : el('div', { class: 'why' }, `未采用 dropped: ${droppedText(x.dropped)}`),
    );
  const history = [...(d.corrections ?? [])].reverse();
  const summary = (boxes) => {
    if (!boxes.length) return '没有框 no boxes (nothing here)';
    const counts = new Map();
    for (const b of boxes) counts.set(b.label, (counts.get(b.label) ?? 0) + 1);
    return `${boxes.length} 框 boxes: ${[...counts].map(([l, n]) => (n > 1 ? `${l}×${n}` : l)).join(', ')}`;
  };
  $('facts').replaceChildren(
    el('h3', {}, '图像 ', el('span', { class: 'en' }, 'Image')),
    el(
      'dl',
      { class: 'facts two' },
      fact('文件 File', d.fileName),
      fact('尺寸 Size', `${d.width}×${d.height}`),
      fact('SHA-256', el('code', { title: d.sha256 }, `${d.sha256.slice(0, 16)}…`)),
      fact('状态 Status', el('span', { class: `status i-${d.status}` }, IMAGE_STATUS[d.status] ?? d.status)),
    ),
    el('h3', {}, '位置 ', el('span', { class: 'en' }, 'Where it was taken')),
    ...where,
    el('h3', {}, '检测器 ', el('span', { class: 'en' }, 'Detector')),
    el('p', { class: 'detector zh', id: 'detector-zh' }, detectorSummary(d.detector)),
    el('p', { class: 'detector en' }, d.detector ?? '—'),
    el('h3', {}, '检测 ', el('span', { class: 'en' }, `Detections · ${kept.length} kept, ${dropped.length} dropped`)),
    detections.length ? el('ul', { class: 'detections' }, [...kept, ...dropped].map(detection)) : el('p', { class: 'hint' }, '没有检测 No detections'),
    el('h3', {}, '立案 ', el('span', { class: 'en' }, 'Cases raised')),
    d.violations?.length
      ? el('ul', { class: 'detections' }, d.violations.map((v) => el('li', {}, el('b', {}, TYPE_NAMES[v.type] ?? v.type), ` ${v.type}${v.label ? ` · ${v.label}` : ''}${v.zone ? ` · 区域 ${v.zone}` : ''}`)))
      : el('p', { class: 'hint' }, '没有 None'),
    el('h3', {}, '修正记录 ', el('span', { class: 'en' }, 'Corrections, newest first')),
    history.length
      ? el(
          'ul',
          { class: 'corrections', id: 'corrections' },
          history.map((c) => el('li', { dataset: { correctionId: c.id } }, el('b', {}, c.actor), ` · ${formatTime(c.at)} · ${summary(c.boxes)}`, c.note ? el('q', {}, c.note) : null)),
        )
      : el('p', { class: 'hint' }, '还没有修正 No corrections yet'),
  );
}

/** Enter: saves every box on the image; on an image nobody corrected, unchanged boxes are saved as right. */
async function saveBoxes() {
  const ed = state.editor;
  const d = state.detail;
  if (!ed || !d || state.saving || (!ed.dirty && d.correction)) return;
  state.saving = true;
  try {
    const saved = await api(`/v1/surveys/${d.survey.id}/images/${d.sha256}/corrections`, { method: 'POST', body: { boxes: ed.boxes() } });
    d.boxes = saved.boxes;
    d.correction = { id: saved.id, actor: saved.actor, at: saved.at };
    d.corrections = [...(d.corrections ?? []), saved];
    state.reviews
      .get(d.survey.id)
      ?.then((r) => {
        const item = r.items.find((i) => i.sha256 === d.sha256);
        if (item) Object.assign(item, { boxes: saved.boxes.length, correction: d.correction });
      })
      .catch(() => {});
    if (state.editor === ed) {
      ed.saved(saved.boxes);
      renderFacts(d);
    }
    toast(`${d.fileName} 标注已保存 boxes saved (${saved.boxes.length})`, 'ok');
  } catch (err) {
    toast(`${d.fileName} 标注保存失败 boxes not saved: ${err.message}`, 'error');
  } finally {
    state.saving = false;
  }
}

/** J / K: the next or previous image of the survey. */
async function step(delta) {
  if (blockedByUnsavedBoxes()) return;
  const { survey, image } = state.route;
  if (!survey || !image) return;
  const review = await reviewOf(survey);
  const i = review.items.findIndex((x) => x.sha256 === image) + delta;
  if (i < 0) toast('已是第一张 This is the first image');
  else if (i >= review.items.length) toast('已是最后一张 This is the last image');
  else navigate({ survey, image: review.items[i].sha256 });
}

// ---------------------------------------------------------------------------------------------
// Zoom: 3x3 tiles in reading order.

/** Tile i of the image, [x, y, w, h] in image pixels. */
function tileRegion(i, width, height) {
  const w = width * TILE_SHARE;
  const h = height * TILE_SHARE;
  const col = i % TILES;
  const row = Math.floor(i / TILES);
  const clamp = (v, max) => Math.min(Math.max(v, 0), max);
  return [clamp(((col + 0.5) * width) / TILES - w / 2, width - w), clamp(((row + 0.5) * height) / TILES - h / 2, height - h), w, h];
}

function zoomTo(tile) {
  const ed = state.editor;
  if (!ed?.width) return;
  state.tile = tile;
  if (tile === null) ed.resetView();
  else ed.setView(tileRegion(tile, ed.width, ed.height));
  renderBoxBar();
}

/** Z: the tile under the mouse pointer (the middle one when the pointer is off the image), or back to the whole image. */
function toggleZoom() {
  const ed = state.editor;
  if (!ed?.width) return;
  if (state.tile !== null) return zoomTo(null);
  let tile = Math.floor((TILES * TILES) / 2);
  const r = ed.svg.getBoundingClientRect();
  if (state.pointer) {
    const [cx, cy] = state.pointer;
    if (cx >= r.left && cx <= r.right && cy >= r.top && cy <= r.bottom) {
      const [x, y] = ed.point({ clientX: cx, clientY: cy });
      const col = Math.min(TILES - 1, Math.floor((x / ed.width) * TILES));
      const row = Math.min(TILES - 1, Math.floor((y / ed.height) * TILES));
      tile = row * TILES + col;
    }
  }
  zoomTo(tile);
}

// ---------------------------------------------------------------------------------------------

function onKey(e) {
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  if (document.querySelector('dialog[open]') || e.target.matches?.('input, select, textarea')) return;
  const k = e.key.toLowerCase();
  const ed = state.editor;
  if (e.key === '?') $('help-dialog').showModal();
  else if (ed && k === 'b') ed.setDrawing(!ed.drawing);
  else if (ed && (e.key === 'Delete' || e.key === 'Backspace')) ed.deleteSelected();
  else if (ed && k === 'l') ed.relabelSelected();
  else if (ed && e.key === 'Tab' && ed.items.length) ed.selectNext();
  else if (ed && e.key === 'Enter' && (ed.dirty || !state.detail?.correction)) saveBoxes();
  else if (ed && e.key === 'Escape' && (ed.dirty || ed.drawing || ed.selected >= 0)) ed.discard();
  else if (ed && k === 'z') toggleZoom();
  else if (ed && /^[0-9]$/.test(e.key)) zoomTo(e.key === '0' ? null : Number(e.key) - 1);
  else if (state.route.image && (k === 'j' || e.key === 'ArrowRight')) step(1);
  else if (state.route.image && (k === 'k' || e.key === 'ArrowLeft')) step(-1);
  else if (state.route.image && k === 'u') navigate({ survey: state.route.survey });
  else return;
  e.preventDefault();
}

document.addEventListener('keydown', onKey);
document.addEventListener('pointermove', (e) => (state.pointer = [e.clientX, e.clientY]), { passive: true });
$('help-button').addEventListener('click', () => $('help-dialog').showModal());
wireSignOut();
$('to-queue').addEventListener('click', (e) => {
  if (blockedByUnsavedBoxes()) e.preventDefault();
});

window.addEventListener('hashchange', () => {
  // A link with a key opened in this tab (#key=...) switches to that key.
  if (new URLSearchParams(location.hash.slice(1)).has('key')) return location.reload();
  if (location.hash === state.shownHash) return;
  if (state.editor?.dirty) {
    // Back/forward or a typed address while boxes are unsaved: stay, and say why.
    history.replaceState(null, '', location.pathname + location.search + (state.shownHash ?? ''));
    blockedByUnsavedBoxes();
    return;
  }
  render().catch(showError);
});

start().catch(showError);
