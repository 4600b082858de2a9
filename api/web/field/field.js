// The field team's page, for a phone: the unit's dispatched cases nearest first (when the phone
// shares its position), each with a small picture, the place, the due time and a geo: link the
// phone's map app opens; one case's evidence and notes; and "handled" with at least one after-photo
// (taken with the camera or picked) and a note. Photos are shrunk on the phone before sending and
// each is retried on its own when the connection drops; the same photo sent twice is one photo.
import { api, ApiError, el, forgetKey, formatTime, setKey, takeKeyFromUrl, toast } from '/review/common.js';

const $ = (id) => document.getElementById(id);
const state = { me: null, here: null, items: [] };
const MAX_SIDE = 1600;
const RETRIES = 4;

async function start() {
  if (!takeKeyFromUrl()) return showLogin();
  try {
    state.me = await api('/v1/field/me');
  } catch (err) {
    if (err instanceof ApiError && (err.status === 401 || err.status === 403 || err.status === 400)) {
      forgetKey();
      return showLogin(err.status === 401 ? '密钥无效 That key is not valid.' : '这个密钥不是外勤密钥 This is not a field key (a field key is bound to one unit).');
    }
    throw err;
  }
  $('unit').textContent = `${state.me.unit.name}`;
  locate();
  route();
}

function showLogin(message) {
  const input = el('input', { type: 'password', id: 'key-input', placeholder: 'cgk_…', autocomplete: 'off', 'aria-label': 'API key' });
  $('app').replaceChildren(
    el(
      'form',
      {
        class: 'login',
        onsubmit: (e) => {
          e.preventDefault();
          if (!input.value.trim()) return;
          setKey(input.value.trim());
          start();
        },
      },
      el('h2', {}, '输入外勤密钥 ', el('span', { class: 'en' }, 'Enter your field key')),
      el('p', {}, message || '密钥绑定一个中队，只显示该中队的案件。The key is bound to one unit and shows only its cases.'),
      input,
      el('button', { type: 'submit', class: 'primary' }, '进入 Sign in'),
    ),
  );
}

/** Asks the phone where it is once; the list is sorted by distance when it answers. */
function locate() {
  if (!navigator.geolocation) {
    $('where').textContent = '无法定位，按期限排序 · No location: sorted by due time';
    return;
  }
  $('where').textContent = '正在定位… Finding where you are…';
  navigator.geolocation.getCurrentPosition(
    (pos) => {
      state.here = { lat: pos.coords.latitude, lon: pos.coords.longitude };
      $('where').textContent = `按距离排序 Nearest first · ${state.here.lat.toFixed(5)}, ${state.here.lon.toFixed(5)}`;
      if (!location.hash.includes('case=')) showList();
    },
    () => {
      $('where').textContent = '未获得位置，按期限排序 · Location not shared: sorted by due time';
    },
    { enableHighAccuracy: false, timeout: 8000, maximumAge: 60_000 },
  );
}

function route() {
  const id = Number(new URLSearchParams(location.hash.slice(1)).get('case'));
  if (id) showCase(id);
  else showList();
}

function distanceText(m) {
  if (m == null) return '';
  return m < 1000 ? `${m} 米 m` : `${(m / 1000).toFixed(1)} 公里 km`;
}

async function showList() {
  const q = new URLSearchParams();
  if (state.here) {
    q.set('lat', String(state.here.lat));
    q.set('lon', String(state.here.lon));
  }
  let page;
  try {
    page = await api(`/v1/field/cases?${q}`);
  } catch (err) {
    $('app').replaceChildren(el('div', { class: 'empty' }, `加载失败 Could not load: ${err.message}`, el('br'), el('button', { type: 'button', onclick: showList }, '重试 Retry')));
    return;
  }
  state.items = page.items;
  if (!page.items.length) {
    $('app').replaceChildren(el('div', { class: 'empty', id: 'no-cases' }, el('h2', {}, '暂无待处置案件 ✓'), el('p', {}, 'No cases dispatched to your unit.')));
    return;
  }
  $('app').replaceChildren(...page.items.map(card));
}

function card(c) {
  const again = c.lastNote?.action === 'still_there';
  return el(
    'article',
    { class: `card${c.overdue ? ' overdue' : ''}${again ? ' again' : ''}`, dataset: { caseId: c.id } },
    c.thumbUrl ? el('img', { src: c.thumbUrl, alt: '', loading: 'lazy', width: 84, height: 64 }) : el('div', { class: 'noimg' }),
    el('h2', {}, c.typeName || c.type, el('span', { class: 'id' }, `#${c.id}`), c.distanceM != null ? el('span', { class: 'distance id' }, distanceText(c.distanceM)) : null),
    el('div', { class: 'place' }, `${c.source.name || c.source.id}${c.zoneId ? ` · ${c.zoneId}` : ''}${c.plate && !c.plate.startsWith('unreadable') ? ` · ${c.plate}` : ''}`),
    el('div', { class: `due${c.overdue ? ' late' : ''}` }, `期限 Due ${formatTime(c.dueAt)}${c.overdue ? ' · 已超时 overdue' : ''}`),
    c.lastNote ? el('div', { class: 'note' }, c.lastNote.text) : null,
    el(
      'div',
      { class: 'acts' },
      c.geoUri ? el('a', { class: 'button nav', href: c.geoUri }, '导航 Navigate') : el('span', { class: 'meta' }, '无坐标 no coordinates'),
      el('button', { type: 'button', class: 'primary', onclick: () => (location.hash = `case=${c.id}`) }, '处置 Handle'),
    ),
  );
}

const KIND = { frame: '确认帧 Frame', crop: '特写 Close-up', start_frame: '起始帧 First frame', after_photo: '处置后 After', verify_frame: '复查帧 Camera looked again', verify_crop: '复查特写' };

async function showCase(id) {
  let d;
  try {
    d = await api(`/v1/field/cases/${id}`);
  } catch (err) {
    $('app').replaceChildren(el('button', { type: 'button', class: 'back', onclick: () => (location.hash = '') }, '← 返回 Back'), el('div', { class: 'empty' }, err.message));
    return;
  }
  const images = [...d.evidence.filter((e) => e.kind === 'crop' || e.kind === 'frame').slice(0, 2), ...d.followUp];
  const facts = [
    ['地点 Place', `${d.source.name || d.source.id}${d.zoneId ? ` · ${d.zoneId}` : ''}`],
    ['坐标 Position', d.location ? `${d.location.lat.toFixed(5)}, ${d.location.lon.toFixed(5)}` : '—'],
    ['车牌 Plate', d.plate || '—'],
    ['期限 Due', `${formatTime(d.dueAt)}${d.overdue ? ' · 已超时 overdue' : ''}`],
    ['状态 Status', d.status === 'dispatched' ? '待处置 to handle' : d.status],
  ];
  const geo = d.location ? `geo:${d.location.lat.toFixed(6)},${d.location.lon.toFixed(6)}?q=${d.location.lat.toFixed(6)},${d.location.lon.toFixed(6)}(${encodeURIComponent(`#${d.id}`)})` : null;
  $('app').replaceChildren(
    el(
      'section',
      { class: 'detail', dataset: { caseId: d.id } },
      el('button', { type: 'button', class: 'back', onclick: () => (location.hash = '') }, '← 返回列表 Back to list'),
      el('h2', {}, `${d.typeName || d.type} `, el('span', { class: 'en' }, `#${d.id} ${d.type}`)),
      el(
        'div',
        { class: 'evidence' },
        images.map((e) => el('figure', {}, el('img', { src: e.url, alt: KIND[e.kind] || e.kind, loading: 'lazy' }), el('figcaption', {}, `${KIND[e.kind] || e.kind} · ${formatTime(e.capturedAt)}`))),
      ),
      el('dl', { class: 'facts' }, facts.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)])),
      geo ? el('a', { class: 'button nav', href: geo }, '导航到现场 Navigate there') : null,
      d.notes.length ? el('ul', { class: 'notes' }, d.notes.map((n) => el('li', { class: n.action }, el('time', {}, `${formatTime(n.at)} · ${n.actor}`), n.text))) : null,
      d.status === 'dispatched' ? handleForm(d) : el('p', { class: 'empty' }, '已处置，等待核查 · Handled, waiting for verification'),
    ),
  );
}

/** Shrinks a photo to MAX_SIDE on its long side (JPEG), so a slow connection carries less; small photos go as they are. */
async function shrink(file) {
  try {
    const bitmap = await createImageBitmap(file);
    const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
    if (scale === 1 && file.size < 1.5 * 1024 * 1024) return file;
    const canvas = document.createElement('canvas');
    canvas.width = Math.round(bitmap.width * scale);
    canvas.height = Math.round(bitmap.height * scale);
    canvas.getContext('2d').drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    return await new Promise((resolve) => canvas.toBlob((b) => resolve(b || file), 'image/jpeg', 0.85));
  } catch {
    return file; // not decodable here: let the API say what it is
  }
}

/** Sends one photo, retrying with backoff when the network fails or the server is busy; a refusal (4xx) is final. */
async function sendPhoto(caseId, blob, onState) {
  for (let attempt = 1; ; attempt++) {
    try {
      const res = await fetch(`/v1/cases/${caseId}/after-photos`, {
        method: 'POST',
        headers: { authorization: `Bearer ${sessionStorage.getItem('cg.apiKey') || ''}`, 'content-type': blob.type || 'application/octet-stream' },
        body: blob,
      });
      const body = await res.json().catch(() => ({}));
      if (res.ok) return body;
      if (res.status < 500) throw Object.assign(new Error(body.message || `HTTP ${res.status}`), { final: true });
      throw new Error(body.message || `HTTP ${res.status}`);
    } catch (err) {
      if (err.final || attempt >= RETRIES) throw err;
      onState(`重试 retry ${attempt}/${RETRIES - 1}…`);
      await new Promise((r) => setTimeout(r, 1000 * 2 ** (attempt - 1)));
    }
  }
}

function handleForm(d) {
  const photos = []; // { blob, url, sha256?, node, error? }
  const list = el('div', { class: 'photos', id: 'photos' });
  const problem = el('p', { class: 'problem', id: 'problem', role: 'alert' });
  const input = el('input', { type: 'file', id: 'photo-input', accept: 'image/jpeg,image/png,image/webp', capture: 'environment', multiple: true });
  const note = el('textarea', { id: 'handle-note', maxlength: 2000, placeholder: '做了什么？What was done?' });
  const submit = el('button', { type: 'submit', class: 'primary', id: 'handle-submit' }, '已处置 Mark handled');

  async function upload(p) {
    p.node.className = 'photo';
    const label = p.node.querySelector('.state');
    label.textContent = '上传中 uploading…';
    try {
      const stored = await sendPhoto(d.id, p.blob, (s) => (label.textContent = s));
      p.sha256 = stored.sha256;
      p.error = null;
      p.node.className = 'photo done';
      label.textContent = '已上传 uploaded ✓';
    } catch (err) {
      p.error = err.message;
      p.node.className = 'photo failed';
      label.textContent = '失败 failed';
      problem.textContent = `照片未上传 Photo not uploaded: ${err.message}`;
    }
  }

  input.addEventListener('change', async () => {
    problem.textContent = '';
    for (const file of input.files) {
      const blob = await shrink(file);
      const url = URL.createObjectURL(blob);
      const node = el('div', { class: 'photo' }, el('img', { src: url, alt: '处置后照片 after-photo' }), el('span', { class: 'state' }, '…'));
      const p = { blob, url, node };
      node.addEventListener('click', () => p.error && upload(p));
      photos.push(p);
      list.append(node);
      upload(p);
    }
    input.value = '';
  });

  const form = el(
    'form',
    {
      class: 'handle',
      id: 'handle-form',
      onsubmit: async (e) => {
        e.preventDefault();
        problem.textContent = '';
        for (const p of photos.filter((x) => x.error)) await upload(p);
        const done = photos.filter((p) => p.sha256).map((p) => p.sha256);
        if (!done.length) return (problem.textContent = '至少需要一张处置后照片 · At least one after-photo is needed');
        if (photos.some((p) => !p.sha256)) return (problem.textContent = '还有照片未上传完成 · Some photos are still uploading or failed (tap to retry)');
        if (!note.value.trim()) return (problem.textContent = '请填写处置说明 · Write what was done');
        submit.disabled = true;
        try {
          await api(`/v1/cases/${d.id}/handle`, { method: 'POST', body: { note: note.value.trim(), photos: [...new Set(done)] } });
          toast(`#${d.id} 已处置 Handled ✓`, 'ok');
          location.hash = '';
        } catch (err) {
          // A lost answer to a handle that went through: the case is handled already.
          if (err instanceof ApiError && err.status === 409 && err.body?.status === 'handled') {
            toast(`#${d.id} 已处置 Handled ✓`, 'ok');
            location.hash = '';
            return;
          }
          problem.textContent = err.message;
          submit.disabled = false;
        }
      },
    },
    el('h3', {}, '处置结果 ', el('span', { class: 'en' }, 'Report handled')),
    el('label', { class: 'pick' }, '处置后照片（至少一张）', el('span', { class: 'en' }, 'After-photos (at least one)'), input),
    list,
    el('label', { class: 'pick' }, '处置说明 ', el('span', { class: 'en' }, 'Note'), note),
    problem,
    submit,
  );
  return form;
}

$('refresh').addEventListener('click', () => {
  locate();
  route();
});
window.addEventListener('hashchange', () => {
  if (new URLSearchParams(location.hash.slice(1)).has('key')) return location.reload();
  if (state.me) route();
});

start().catch((err) => {
  $('app').replaceChildren(el('div', { class: 'empty' }, `出错了 Something failed: ${err.message}`));
});
