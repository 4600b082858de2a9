// The Python trainer's progress lines (one JSON object per line) as people read them: a line per
// epoch with loss, held-out AP and the time left, a line every few steps, the data summary first.
export interface ProgressEvent {
  event: string;
  [key: string]: unknown;
}

const STEP_EVERY = 10;

export function parseProgress(line: string): ProgressEvent | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const v = JSON.parse(line) as ProgressEvent;
    return typeof v.event === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

const num = (v: unknown, digits = 3) => (typeof v === 'number' ? v.toFixed(digits) : 'n/a');

export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

/** The line to show for an event, or undefined for one not worth a line. */
export function progressLine(e: ProgressEvent): string | undefined {
  switch (e.event) {
    case 'data': {
      const t = e.train as { images: number; sources: number; boxes: Record<string, number> };
      const v = e.val as { images: number; sources: number };
      const boxes = Object.entries(t.boxes).map(([k, n]) => `${k} ${n}`).join(', ');
      return `classes ${(e.classes as string[]).join(', ')}; training ${t.images} images from ${t.sources} sources (${boxes}); ` +
        (e.heldOut ? `held out ${v.images} images from ${v.sources} other sources` : 'nothing held out (one source): validation AP is on the training images');
    }
    case 'base':
      return `base model before training: loss ${num(e.loss)} on the training images, AP50 ${num(e.ap50)}, AP50-95 ${num(e.ap50to95)}`;
    case 'replay':
      return `replay against forgetting: ${e.images} street photos with ${e.boxes} boxes the base model found`;
    case 'frozen':
      return `backbone frozen (${e.parameters} weights): training the neck and head`;
    case 'resumed':
      return `resumed at epoch ${e.epoch}, step ${e.step}`;
    case 'step':
      return (e.step as number) % STEP_EVERY === 0 ? `  step ${e.step}: loss ${num(e.loss)} (qfl ${num(e.qfl)}, giou ${num(e.giou)}, dfl ${num(e.dfl)})` : undefined;
    case 'epoch':
      return `epoch ${e.epoch}${e.epochs ? `/${e.epochs}` : ''}: loss ${num(e.loss)}, AP50 ${num(e.ap50)}, AP50-95 ${num(e.ap50to95)}, ETA ${formatDuration(e.etaSeconds as number)}`;
    case 'done':
      return `exported ${e.file}`;
    default:
      return undefined;
  }
}
