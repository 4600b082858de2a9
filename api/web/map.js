// The case map: cases from the GeoJSON export as clustered markers (fill: status, ring: type; red
// pulse: overdue), cameras and the ground they are calibrated on, drone survey areas, image
// footprints and candidates, and survey zone layers. Filters as on the board; a click opens the
// case. Base tiles only when the city configured a tile server (MAP_TILE_URL): otherwise the map
// shows its vector layers on a plain background and fetches nothing from anywhere.
// Leaflet and markercluster are loaded as classic scripts before this module (window.L).
import { api, el, formatTime, refusedKey, showSignIn, STATUS_NAMES, statusLabel, takeKeyFromUrl, TYPE_NAMES, wireSignOut } from './common.js';

const L = window.L;
/** Cases drawn at most; the export is newest first, so the newest are the ones shown. */
const MAX_CASES = 5000;
const ZONE_NAMES = { noParking: '禁停区 No parking', sidewalks: '人行道 Sidewalks', permittedBuildings: '合法建筑 Permitted buildings' };

const $ = (id) => document.getElementById(id);
const state = { cases: [], map: null, clusters: null, fitted: false, unitNames: new Map() };

async function start() {
  if (!takeKeyFromUrl()) return showLogin();
  let layers;
  try {
    layers = await api('/v1/map/layers');
  } catch (err) {
    if (refusedKey(err, '这个密钥不能查看案件。This key may not read cases.', showLogin)) return;
    throw err;
  }
  document.body.classList.add('signed-in');
  // Unit names for the filter; the list is a courtesy, ids work without it.
  const units = await api('/v1/units').catch(() => ({ items: [] }));
  for (const u of units.items || []) state.unitNames.set(u.id, u.name);
  for (const [slug, name] of Object.entries(TYPE_NAMES)) $('f-type').append(el('option', { value: slug }, `${name} ${slug}`));
  for (const slug of Object.keys(STATUS_NAMES)) $('f-status').append(el('option', { value: slug }, statusLabel(slug)));
  state.map = makeMap(layers.tiles);
  const overlays = vectorLayers(layers);
  state.clusters = L.markerClusterGroup({ iconCreateFunction: clusterIcon, disableClusteringAtZoom: 18, showCoverageOnHover: false, maxClusterRadius: 50 });
  state.clusters.addTo(state.map);
  L.control.layers(null, { '案件 Cases': state.clusters, ...overlays }, { collapsed: false }).addTo(state.map);
  legend(!!layers.tiles);
  for (const id of ['f-type', 'f-status', 'f-unit', 'f-source']) $(id).addEventListener('change', draw);
  for (const id of ['f-from', 'f-to']) $(id).addEventListener('change', loadCases);
  await loadCases();
  // Nothing placed yet: show the vector layers rather than the whole world.
  if (!state.fitted) fitTo(Object.values(overlays));
}

function showLogin(message) {
  showSignIn($('map-main'), message || '需要审核员、派遣员或管理员的密钥。A reviewer, dispatcher or admin key. The key stays in this browser tab only.', { keep: true });
}

function makeMap(tiles) {
  const map = L.map('map', { zoomControl: true, attributionControl: true, maxZoom: tiles?.maxZoom ?? 19 }).setView([31.23, 121.47], 12);
  if (tiles) {
    L.tileLayer(tiles.url, { attribution: tiles.attribution, subdomains: tiles.subdomains, maxZoom: tiles.maxZoom }).addTo(map);
  } else {
    map.attributionControl.addAttribution('无底图：未配置 MAP_TILE_URL · No base map: MAP_TILE_URL not configured');
  }
  return map;
}

function tip(title, ...lines) {
  return el('div', { class: 'map-tip' }, el('b', {}, title), ...lines.filter(Boolean).map((l) => el('div', {}, l)));
}

function vectorLayers(layers) {
  const cameras = L.layerGroup();
  const views = L.layerGroup();
  for (const f of layers.cameras.features) {
    const p = f.properties;
    if (f.geometry.type === 'Point') {
      const [lon, lat] = f.geometry.coordinates;
      L.circleMarker([lat, lon], { radius: 7, color: '#0f172a', weight: 2, fillColor: '#38bdf8', fillOpacity: 1 })
        .bindTooltip(tip(`摄像头 Camera ${p.name}`, p.id, p.calibrated ? '已标定地面 calibrated to the ground' : '未标定 not calibrated'))
        .addTo(cameras);
    } else {
      L.geoJSON(f, { style: { color: '#0284c7', weight: 2, dashArray: '6 4', fillOpacity: 0.08 } })
        .bindTooltip(tip(`标定地面范围 Calibrated ground · ${p.name}`, '摄像头在此范围内定位违规 sightings are placed on the map here'))
        .addTo(views);
    }
  }
  const areas = L.layerGroup();
  const footprints = L.layerGroup();
  const candidates = L.layerGroup();
  const names = layers.surveyNames || {};
  for (const f of layers.surveys.features) {
    const p = f.properties;
    const survey = names[p.surveyId] || p.surveyId;
    if (p.kind === 'survey-area') {
      L.geoJSON(f, { style: { color: '#ea580c', weight: 2, fillOpacity: 0.04 } }).bindTooltip(tip(`航拍区域 Survey area · ${p.name}`, formatTime(p.flownAt))).addTo(areas);
    } else if (p.kind === 'footprint') {
      L.geoJSON(f, { style: { color: '#f97316', weight: 1, fillOpacity: 0.06 } }).bindTooltip(tip(`图像覆盖 Image footprint`, survey, p.fileName)).addTo(footprints);
    } else if (p.kind === 'candidate') {
      const [lon, lat] = f.geometry.coordinates;
      const style = p.kept ? { radius: 4, color: '#c2410c', weight: 1, fillColor: '#fb923c', fillOpacity: 0.9 } : { radius: 3, color: '#9ca3af', weight: 1, fillOpacity: 0.25, opacity: 0.5 };
      L.circleMarker([lat, lon], style)
        .bindTooltip(tip(`候选 Candidate: ${p.label} ${(p.score * 100).toFixed(0)}%`, survey, p.kept ? '' : `已剔除 dropped: ${p.dropped || ''}`))
        .addTo(candidates);
    }
  }
  const zones = L.layerGroup();
  const zoneColour = { noParking: '#dc2626', sidewalks: '#16a34a', permittedBuildings: '#6b7280' };
  for (const f of layers.zones.features) {
    const p = f.properties;
    L.geoJSON(f, { style: { color: zoneColour[p.layer] || '#6b7280', weight: 1, fillOpacity: 0.15 } })
      .bindTooltip(tip(ZONE_NAMES[p.layer] || p.layer, p.surveyName))
      .addTo(zones);
  }
  const overlays = {
    '摄像头 Cameras': cameras,
    '标定范围 Calibrated ground': views,
    '航拍区域 Survey areas': areas,
    '图像覆盖 Image footprints': footprints,
    '候选目标 Candidates': candidates,
    '区域图层 Zone layers': zones,
  };
  for (const layer of Object.values(overlays)) layer.addTo(state.map);
  return overlays;
}

async function loadCases() {
  const q = new URLSearchParams({ limit: String(MAX_CASES) });
  // Dates are local days: from the start of the first to the end of the last.
  if ($('f-from').value) q.set('from', new Date(`${$('f-from').value}T00:00:00`).toISOString());
  if ($('f-to').value) q.set('to', new Date(new Date(`${$('f-to').value}T00:00:00`).getTime() + 86_400_000).toISOString());
  const geo = await api(`/v1/export/cases.geojson?${q}`);
  state.cases = geo.features.filter((f) => f.geometry);
  state.capped = geo.features.length >= MAX_CASES;
  fillChoices();
  draw();
}

function fillChoices() {
  const keep = (select, options) => {
    const value = select.value;
    const fixed = [...select.options].filter((o) => o.value === '' || o.value.startsWith('kind:'));
    select.replaceChildren(...fixed, ...options.map(([v, label]) => el('option', { value: v }, label)));
    select.value = [...select.options].some((o) => o.value === value) ? value : '';
  };
  const units = [...new Set(state.cases.map((f) => f.properties.unit).filter(Boolean))].sort();
  keep($('f-unit'), units.map((u) => [u, state.unitNames.has(u) ? `${state.unitNames.get(u)} (${u})` : u]));
  const sources = new Map();
  for (const f of state.cases) sources.set(f.properties.source, `${f.properties.sourceKind === 'survey' ? '无人机' : '摄像头'} ${f.properties.sourceName || f.properties.source}`);
  keep($('f-source'), [...sources].sort((a, b) => a[1].localeCompare(b[1])));
}

function matches(p) {
  const type = $('f-type').value;
  const status = $('f-status').value;
  const unit = $('f-unit').value;
  const source = $('f-source').value;
  if (type && p.type !== type) return false;
  if (status === 'overdue' ? !p.overdue : status && p.status !== status) return false;
  if (unit && p.unit !== unit) return false;
  if (source.startsWith('kind:') ? p.sourceKind !== source.slice(5) : source && p.source !== source) return false;
  return true;
}

function caseMarker(f) {
  const p = f.properties;
  const [lon, lat] = f.geometry.coordinates;
  const icon = L.divIcon({ className: `case-marker s-${p.status} t-${p.type}${p.overdue ? ' overdue' : ''}`, iconSize: [18, 18] });
  const marker = L.marker([lat, lon], { icon, keyboard: true, title: `#${p.id} ${TYPE_NAMES[p.type] || p.type} ${statusLabel(p.status)}` });
  marker.hot = p.overdue || p.status === 'reopened';
  marker.bindTooltip(
    tip(
      `#${p.id} ${TYPE_NAMES[p.type] || p.type} ${p.type}`,
      `${statusLabel(p.status)}${p.overdue ? ' · 超期 overdue' : ''}`,
      `${p.sourceName || p.source}${p.zoneId ? ` · ${p.zoneId}` : ''}`,
      p.unit ? `单位 Unit: ${state.unitNames.get(p.unit) || p.unit}` : '',
      `最近 Last seen ${formatTime(p.lastSeen)}`,
    ),
  );
  marker.on('add', () => (marker.getElement().dataset.caseId = String(p.id)));
  marker.on('click', () => (location.href = `case.html?id=${p.id}`));
  return marker;
}

function clusterIcon(cluster) {
  const hot = cluster.getAllChildMarkers().some((m) => m.hot);
  const n = cluster.getChildCount();
  return L.divIcon({ html: `<span>${Number(n)}</span>`, className: `case-cluster${hot ? ' hot' : ''}`, iconSize: L.point(36, 36) });
}

function draw() {
  const shown = state.cases.filter((f) => matches(f.properties));
  state.clusters.clearLayers();
  state.clusters.addLayers(shown.map(caseMarker));
  $('shown').replaceChildren(el('b', { id: 'shown-count' }, String(shown.length)), ` 件案件 cases${state.capped ? `（仅最新 ${MAX_CASES} newest only）` : ''}`);
  if (!state.fitted && shown.length) {
    state.map.fitBounds(L.latLngBounds(shown.map((f) => [f.geometry.coordinates[1], f.geometry.coordinates[0]])).pad(0.2), { maxZoom: 17 });
    state.fitted = true;
  }
}

function fitTo(layers) {
  const bounds = L.latLngBounds([]);
  for (const group of layers) group.eachLayer((l) => bounds.extend(l.getBounds ? l.getBounds() : l.getLatLng()));
  if (bounds.isValid()) state.map.fitBounds(bounds.pad(0.2), { maxZoom: 17 });
}

function legend(hasTiles) {
  const statuses = Object.keys(STATUS_NAMES).map((s) => el('li', {}, el('span', { class: `swatch s-${s}` }), statusLabel(s)));
  statuses.push(el('li', {}, el('span', { class: 'swatch overdue' }), '超期 overdue'));
  const types = Object.entries(TYPE_NAMES).map(([t, name]) => el('li', {}, el('span', { class: `ring t-${t}` }), name, el('span', { class: 'en' }, t.replace(/_/g, ' '))));
  $('legend').replaceChildren(
    el('h3', {}, '状态（填充）Status (fill)'),
    el('ul', {}, statuses),
    el('h3', {}, '类型（外圈）Type (ring)'),
    el('ul', { class: 'types' }, types),
    hasTiles ? '' : el('div', { class: 'no-tiles' }, '无底图 No base tiles (MAP_TILE_URL)'),
  );
}

wireSignOut();

start().catch((err) => {
  console.error(err);
  document.body.append(el('p', { class: 'error' }, `出错了 Something went wrong: ${err.message}`));
});
