// Shared by the review queue and the case page: the API key, API calls, and formatting.
// Plain browser JavaScript, no build step.

const KEY_STORAGE = 'cg.apiKey';

/** The key comes once in the URL fragment (#key=...; never sent to the server) or is typed in; it stays for this tab only. */
export function takeKeyFromUrl() {
  const params = new URLSearchParams(location.hash.slice(1));
  const key = params.get('key');
  if (key) {
    sessionStorage.setItem(KEY_STORAGE, key);
    params.delete('key');
    const rest = params.toString();
    history.replaceState(null, '', location.pathname + location.search + (rest ? `#${rest}` : ''));
  }
  return sessionStorage.getItem(KEY_STORAGE);
}

export function setKey(key) {
  sessionStorage.setItem(KEY_STORAGE, key);
}

/** The key this tab signed in with (for requests api() does not make, e.g. downloads). */
export function currentKey() {
  return sessionStorage.getItem(KEY_STORAGE);
}

export function forgetKey() {
  sessionStorage.removeItem(KEY_STORAGE);
}

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message || `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

export async function api(path, { method = 'GET', body } = {}) {
  const headers = { authorization: `Bearer ${sessionStorage.getItem(KEY_STORAGE) || ''}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  const data = text ? JSON.parse(text) : null;
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

export const TYPE_NAMES = {
  street_vending: '占道经营',
  illegal_parking: '违停',
  exposed_garbage: '暴露垃圾',
  illegal_construction: '违法建筑',
  uncovered_muck_truck: '渣土车未覆盖',
};

export const STATUS_NAMES = {
  pending_review: '待审核',
  confirmed: '已立案',
  rejected: '已驳回',
  dispatched: '已派遣',
  handled: '已处置',
  verified: '已核查',
  closed: '已结案',
  reopened: '已重开',
};

/** English beside each status's Chinese name, for pills and lists people read. */
export const STATUS_EN = {
  pending_review: 'pending review',
  confirmed: 'confirmed',
  rejected: 'rejected',
  dispatched: 'dispatched',
  handled: 'handled',
  verified: 'verified',
  closed: 'closed',
  reopened: 'reopened',
};

/** "已派遣 dispatched": a status as people read it, Chinese first. */
export function statusLabel(status) {
  return STATUS_NAMES[status] ? `${STATUS_NAMES[status]} ${STATUS_EN[status]}` : status;
}

/** A status pill; data-status keeps the machine value for tests and styles. */
export function statusPill(status, attrs = {}) {
  return el('span', { class: `status s-${status}`, dataset: { status }, title: status, ...attrs }, statusLabel(status));
}

export const ACTION_NAMES = {
  undo: '撤销 undone',
  reopen_rejected: '驳回后重开 sent back to review',
  still_there: '复查仍在 still there',
  created: '发现 created',
  confirm: '确认立案 confirmed',
  reject: '驳回 rejected',
  reclassify: '改类型 reclassified',
  dispatch: '派遣 dispatched',
  handle: '处置 handled',
  verify: '核查 verified',
  close: '结案 closed',
  reopen: '重开 reopened',
  label: '属性标注 labelled',
};

const pad = (n) => String(n).padStart(2, '0');

export function formatTime(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export function ago(iso, now = Date.now()) {
  const s = Math.round((now - new Date(iso).getTime()) / 1000);
  if (s < 60) return `${Math.max(s, 0)} 秒前`;
  if (s < 3600) return `${Math.floor(s / 60)} 分钟前`;
  if (s < 86400) return `${Math.floor(s / 3600)} 小时前`;
  return `${Math.floor(s / 86400)} 天前`;
}

export function duration(fromIso, toIso) {
  const s = Math.max(0, Math.round((new Date(toIso) - new Date(fromIso)) / 1000));
  if (s < 60) return `${s} 秒`;
  if (s < 3600) return `${Math.floor(s / 60)} 分 ${s % 60} 秒`;
  return `${Math.floor(s / 3600)} 小时 ${Math.floor((s % 3600) / 60)} 分`;
}

/** Creates an element: el('div', { class: 'x', onclick }, child, 'text', ...). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else if (k === 'class') node.className = v;
    else if (k === 'dataset') Object.assign(node.dataset, v);
    else node.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c !== undefined && c !== null && c !== false) node.append(c instanceof Node ? c : String(c));
  return node;
}

export function place(c) {
  const name = c.source.name || c.source.id;
  const zone = c.zoneId ? ` · 区域 ${c.zoneId}` : '';
  const where = c.location ? ` · ${c.location.lat.toFixed(5)}, ${c.location.lon.toFixed(5)}` : '';
  return `${name}${zone}${where}`;
}

export function toast(message, kind = 'info') {
  let box = document.getElementById('toasts');
  if (!box) {
    box = el('div', { id: 'toasts', role: 'status', 'aria-live': 'polite' });
    document.body.append(box);
  }
  const t = el('div', { class: `toast ${kind}` }, message);
  box.append(t);
  setTimeout(() => t.remove(), kind === 'error' ? 8000 : 3000);
}

/** The page's 退出 button: the tab forgets its key and the page asks for one again. */
export function wireSignOut(button = document.getElementById('sign-out')) {
  button?.addEventListener('click', () => {
    forgetKey();
    location.reload();
  });
}

/**
 * The sign-in form, in place of `container`'s content or (keep) before it: a key typed there is
 * kept for this tab and the page starts again with it.
 */
export function showSignIn(container, message, { keep = false } = {}) {
  document.body.classList.remove('signed-in');
  const panel = loginPanel((key) => {
    setKey(key);
    location.reload();
  }, message);
  if (keep) container.prepend(panel);
  else container.replaceChildren(panel);
}

/**
 * A key the API refused (401, or 403 with `forbidden` saying what this page needs): forgotten, and
 * the sign-in shown with why. True when `err` was such a refusal.
 */
export function refusedKey(err, forbidden, showLogin) {
  if (!(err instanceof ApiError) || (err.status !== 401 && err.status !== 403)) return false;
  forgetKey();
  showLogin(err.status === 403 ? forbidden : '密钥无效。That key is not valid.');
  return true;
}

export function loginPanel(onKey, message) {
  const input = el('input', { type: 'password', id: 'key-input', placeholder: 'cgk_…', autocomplete: 'off', 'aria-label': 'API key' });
  const form = el(
    'form',
    {
      class: 'login',
      onsubmit: (e) => {
        e.preventDefault();
        if (input.value.trim()) onKey(input.value.trim());
      },
    },
    el('h2', {}, '输入 API 密钥 · Enter your API key'),
    el('p', {}, message || '需要审核员 (reviewer) 或管理员 (admin) 角色的密钥。The key stays in this browser tab only.'),
    input,
    el('button', { type: 'submit', class: 'primary' }, '进入 Sign in'),
  );
  setTimeout(() => input.focus(), 0);
  return form;
}
