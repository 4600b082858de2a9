// Box editing on an evidence image: an SVG laid over the <img> with viewBox = the image's own
// pixels and preserveAspectRatio "meet" (what object-fit: contain does to the image), so pointer
// positions map to image pixels through the SVG's screen matrix, at any zoom or letterboxing.
// Boxes are moved by dragging their inside, resized by their corner and edge handles, drawn in draw
// mode (B), removed with Delete. Nothing is sent from here: the page saves `boxes()` (Enter).
//
// A region of a large image (a 4000x3000 drone photo, where a car is ~100 px) can be shown on its own
// with setView([x, y, w, h]): the viewBox becomes that region, so the screen matrix, and with it every
// box drawn, moved or resized, still speaks whole-image pixels. The <img> cannot be cropped by a
// viewBox, so while zoomed the picture is drawn by an SVG <image> behind the boxes and the <img> only
// keeps its place in the layout.
const NS = 'http://www.w3.org/2000/svg';
const MIN_SIDE = 3; // image pixels: a smaller drag is a click, not a box

function svgEl(tag, attrs = {}) {
  const node = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}

const HANDLES = ['nw', 'n', 'ne', 'e', 'se', 's', 'sw', 'w'];

export class BoxEditor {
  /**
   * @param {HTMLImageElement} img the evidence image, already in the page
   * @param {{ box: number[], label: string, origin: 'model'|'drawn' }[]} boxes the image's effective boxes
   * @param {{ askLabel: (current?: string) => Promise<string|null>, onChange: () => void }} hooks
   */
  constructor(img, boxes, hooks) {
    this.img = img;
    this.original = boxes.map((b) => ({ ...b, box: [...b.box] }));
    this.items = boxes.map((b) => ({ ...b, box: [...b.box] }));
    this.hooks = hooks;
    this.selected = -1;
    this.drawing = false;
    this.dirty = false;
    this.drag = null;
    /** The region shown, [x, y, w, h] in image pixels; null: the whole image. */
    this.region = null;
    this.backdrop = null;
    this.svg = svgEl('svg', { class: 'boxes', preserveAspectRatio: 'xMidYMid meet', 'aria-label': 'boxes' });
    img.after(this.svg);
    const ready = () => {
      this.width = img.naturalWidth;
      this.height = img.naturalHeight;
      this.svg.dataset.ready = 'true';
      this.applyView();
    };
    if (img.complete && img.naturalWidth) ready();
    else img.addEventListener('load', ready, { once: true });
    this.svg.addEventListener('pointerdown', (e) => this.down(e));
    this.svg.addEventListener('pointermove', (e) => this.move(e));
    this.svg.addEventListener('pointerup', (e) => this.up(e));
    this.svg.addEventListener('pointercancel', () => (this.drag = null));
  }

  /** Image pixels under the pointer, clamped to the image. */
  point(e) {
    const p = this.svg.createSVGPoint();
    p.x = e.clientX;
    p.y = e.clientY;
    const q = p.matrixTransform(this.svg.getScreenCTM().inverse());
    return [Math.min(Math.max(q.x, 0), this.width), Math.min(Math.max(q.y, 0), this.height)];
  }

  /** Shows only this region of the image, [x, y, w, h] in image pixels (clamped to the image). */
  setView(region) {
    this.region = region ? [...region] : null;
    this.applyView();
  }

  /** Back to the whole image. */
  resetView() {
    this.setView(null);
  }

  /** The region shown, or null for the whole image. */
  view() {
    return this.region ? [...this.region] : null;
  }

  applyView() {
    if (!this.width) return; // ready() applies it once the image has its size
    let region = null;
    if (this.region) {
      const [x, y, w, h] = this.region;
      const cw = Math.min(Math.max(w, MIN_SIDE), this.width);
      const ch = Math.min(Math.max(h, MIN_SIDE), this.height);
      region = [Math.min(Math.max(x, 0), this.width - cw), Math.min(Math.max(y, 0), this.height - ch), cw, ch];
      this.region = region;
    }
    const [x, y, w, h] = region ?? [0, 0, this.width, this.height];
    this.svg.setAttribute('viewBox', `${x} ${y} ${w} ${h}`);
    if (region && !this.backdrop) {
      this.backdrop = svgEl('image', { class: 'backdrop', x: 0, y: 0, width: this.width, height: this.height, preserveAspectRatio: 'none', 'pointer-events': 'none' });
      this.backdrop.setAttribute('href', this.img.currentSrc || this.img.src);
    } else if (!region) {
      this.backdrop = null;
    }
    // visibility keeps the <img>'s layout box, which sizes the overlay.
    this.img.style.visibility = region ? 'hidden' : '';
    this.svg.classList.toggle('zoomed', Boolean(region));
    if (region) this.svg.dataset.view = region.map((v) => Math.round(v)).join(',');
    else delete this.svg.dataset.view;
    this.render();
  }

  /** Screen pixels per image pixel, for handle sizes that stay the same on screen. */
  scale() {
    return this.svg.getScreenCTM()?.a || 1;
  }

  setDrawing(on) {
    this.drawing = on;
    this.svg.classList.toggle('drawing', on);
    this.hooks.onChange();
  }

  changed() {
    this.dirty = true;
    this.render();
    this.hooks.onChange();
  }

  down(e) {
    if (!this.width || e.button !== 0) return;
    e.preventDefault();
    this.svg.setPointerCapture(e.pointerId);
    const at = this.point(e);
    if (this.drawing) {
      this.drag = { mode: 'draw', from: at, box: [...at, ...at] };
      return;
    }
    const handle = e.target.dataset?.handle;
    const index = Number(e.target.closest('[data-index]')?.dataset.index ?? -1);
    if (index >= 0) {
      this.selected = index;
      this.drag = { mode: handle || 'move', from: at, start: [...this.items[index].box], moved: false };
    } else {
      this.selected = -1;
    }
    this.render();
    this.hooks.onChange();
  }

  move(e) {
    if (!this.drag) return;
    const [x, y] = this.point(e);
    const d = this.drag;
    if (d.mode === 'draw') {
      d.box = [Math.min(d.from[0], x), Math.min(d.from[1], y), Math.max(d.from[0], x), Math.max(d.from[1], y)];
      this.render(d.box);
      return;
    }
    const b = this.items[this.selected];
    const [x1, y1, x2, y2] = d.start;
    const dx = x - d.from[0];
    const dy = y - d.from[1];
    if (d.mode === 'move') {
      const mx = Math.min(Math.max(dx, -x1), this.width - x2);
      const my = Math.min(Math.max(dy, -y1), this.height - y2);
      b.box = [x1 + mx, y1 + my, x2 + mx, y2 + my];
    } else {
      let [nx1, ny1, nx2, ny2] = d.start;
      if (d.mode.includes('w')) nx1 = Math.min(x, x2 - MIN_SIDE);
      if (d.mode.includes('e')) nx2 = Math.max(x, x1 + MIN_SIDE);
      if (d.mode.includes('n')) ny1 = Math.min(y, y2 - MIN_SIDE);
      if (d.mode.includes('s')) ny2 = Math.max(y, y1 + MIN_SIDE);
      b.box = [nx1, ny1, nx2, ny2];
    }
    d.moved = d.moved || Math.abs(dx) > 0 || Math.abs(dy) > 0;
    this.render();
  }

  async up(e) {
    const d = this.drag;
    this.drag = null;
    if (!d) return;
    if (this.svg.hasPointerCapture(e.pointerId)) this.svg.releasePointerCapture(e.pointerId);
    if (d.mode === 'draw') {
      this.setDrawing(false);
      const [x1, y1, x2, y2] = d.box;
      this.render();
      if (x2 - x1 < MIN_SIDE || y2 - y1 < MIN_SIDE) return;
      const label = await this.hooks.askLabel();
      if (!label) {
        this.render();
        return;
      }
      this.items.push({ box: d.box, label, origin: 'drawn' });
      this.selected = this.items.length - 1;
      this.changed();
      return;
    }
    if (d.moved) this.changed();
  }

  /** Delete: removes the selected box (a drawn one, or the model's when it boxes nothing). */
  deleteSelected() {
    if (this.selected < 0) return false;
    this.items.splice(this.selected, 1);
    this.selected = -1;
    this.changed();
    return true;
  }

  async relabelSelected() {
    const b = this.items[this.selected];
    if (!b) return false;
    const label = await this.hooks.askLabel(b.label);
    if (label && label !== b.label) {
      b.label = label;
      this.changed();
    }
    return true;
  }

  /** Tab: the next box. */
  selectNext() {
    if (!this.items.length) return;
    this.selected = (this.selected + 1) % this.items.length;
    this.render();
    this.hooks.onChange();
  }

  /** Esc: back to the boxes as loaded. */
  discard() {
    this.items = this.original.map((b) => ({ ...b, box: [...b.box] }));
    this.selected = -1;
    this.dirty = false;
    this.setDrawing(false);
    this.render();
  }

  /** After a save: what was saved is the new starting point. */
  saved(boxes) {
    this.original = boxes.map((b) => ({ ...b, box: [...b.box] }));
    this.dirty = false;
    this.hooks.onChange();
  }

  /** The boxes to save, in whole image pixels. */
  boxes() {
    return this.items.map((b) => ({ box: b.box.map((v) => Math.round(v)), label: b.label, origin: b.origin }));
  }

  render(pending) {
    if (!this.width) return;
    const s = this.scale();
    const stroke = 2 / s;
    const handle = 5 / s;
    const font = 13 / s;
    const nodes = this.items.map((b, i) => {
      const [x1, y1, x2, y2] = b.box;
      const g = svgEl('g', { class: `box ${b.origin}${i === this.selected ? ' selected' : ''}`, 'data-index': i, 'data-label': b.label });
      g.append(svgEl('rect', { x: x1, y: y1, width: x2 - x1, height: y2 - y1, 'stroke-width': stroke }));
      // Inside the box's top-left corner: evidence frames have the model's own label burnt in just above it.
      const tag = svgEl('text', { x: x1 + 3 / s, y: y1 + font + 2 / s, 'font-size': font });
      tag.textContent = `${b.label}${b.origin === 'drawn' ? ' ✎' : ''}`;
      g.append(tag);
      if (i === this.selected) {
        const at = { nw: [x1, y1], n: [(x1 + x2) / 2, y1], ne: [x2, y1], e: [x2, (y1 + y2) / 2], se: [x2, y2], s: [(x1 + x2) / 2, y2], sw: [x1, y2], w: [x1, (y1 + y2) / 2] };
        for (const h of HANDLES) {
          g.append(svgEl('rect', { class: `handle h-${h}`, 'data-handle': h, x: at[h][0] - handle, y: at[h][1] - handle, width: 2 * handle, height: 2 * handle, 'stroke-width': stroke / 2 }));
        }
      }
      return g;
    });
    if (pending) {
      const [x1, y1, x2, y2] = pending;
      nodes.push(svgEl('rect', { class: 'pending', x: x1, y: y1, width: x2 - x1, height: y2 - y1, 'stroke-width': stroke }));
    }
    this.svg.replaceChildren(...(this.backdrop ? [this.backdrop] : []), ...nodes);
  }
}
