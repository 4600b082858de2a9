// The evaluation as a table a person reads in a terminal: one row per label, models side by side.
import type { Evaluation } from './metrics.ts';

export interface ModelEvaluation {
  modelId: string;
  evaluation: Evaluation;
  msPerImage: number;
  images: number;
}

const num = (v: number, digits = 2) => (Number.isNaN(v) ? '-' : v.toFixed(digits));

export function formatTable(models: readonly ModelEvaluation[], threshold: number): string {
  const labels = [...new Set(models.flatMap((m) => m.evaluation.perLabel.map((l) => l.label)))].sort();
  const head = ['label', 'objects', ...models.flatMap((m) => [`${m.modelId} P`, 'R', 'AP50', 'AP50-95'])];
  const rows: string[][] = labels.map((label) => {
    const objects = models.map((m) => m.evaluation.perLabel.find((l) => l.label === label)?.objects ?? 0);
    return [
      label,
      String(Math.max(...objects)),
      ...models.flatMap((m) => {
        const l = m.evaluation.perLabel.find((x) => x.label === label);
        return l ? [num(l.precision), num(l.recall), num(l.ap50), num(l.ap50to95)] : ['-', '-', '-', '-'];
      }),
    ];
  });
  rows.push(['ms/image', '', ...models.flatMap((m) => [num(m.msPerImage, 1), '', '', ''])]);
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]) => cells.map((cell, c) => (c < 1 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
  const out = [
    `P and R at score ≥ ${threshold} and IoU ≥ 0.5; AP over all scores (COCO 101-point); images: ${models[0]?.images ?? 0}`,
    line(head),
    ...rows.map(line),
    '',
  ];
  for (const m of models) {
    out.push(`what each object was detected as (${m.modelId}, score ≥ ${threshold}, IoU ≥ 0.5):`);
    for (const [label, seen] of Object.entries(m.evaluation.confusion).sort()) {
      const parts = Object.entries(seen).sort((a, b) => b[1] - a[1]).map(([as, n]) => `${as} ${n}`);
      out.push(`  ${label} → ${parts.join(', ')}`);
    }
  }
  return out.join('\n');
}
