// Connected regions of a binary mask (8-connected: a building's corner pixels belong to it),
// labelled 1…count, with each region's pixel count and bounding box.

export interface Component {
  label: number;
  area: number;
  /** [x1, y1, x2, y2], pixels inclusive. */
  box: [number, number, number, number];
}

export interface Components {
  labels: Int32Array;
  components: Component[];
}

export function connectedComponents(mask: Uint8Array, width: number, height: number): Components {
  const labels = new Int32Array(width * height);
  const components: Component[] = [];
  const stack: number[] = [];
  for (let start = 0; start < mask.length; start++) {
    if (!mask[start] || labels[start]) continue;
    const label = components.length + 1;
    const c: Component = { label, area: 0, box: [width, height, -1, -1] };
    labels[start] = label;
    stack.push(start);
    while (stack.length > 0) {
      const i = stack.pop()!;
      const x = i % width, y = (i - x) / width;
      c.area++;
      if (x < c.box[0]) c.box[0] = x;
      if (y < c.box[1]) c.box[1] = y;
      if (x > c.box[2]) c.box[2] = x;
      if (y > c.box[3]) c.box[3] = y;
      for (let ny = Math.max(0, y - 1); ny <= Math.min(height - 1, y + 1); ny++) {
        for (let nx = Math.max(0, x - 1); nx <= Math.min(width - 1, x + 1); nx++) {
          const j = ny * width + nx;
          if (mask[j] && !labels[j]) {
            labels[j] = label;
            stack.push(j);
          }
        }
      }
    }
    components.push(c);
  }
  return { labels, components };
}
