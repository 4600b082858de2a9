"""AP50 and AP50-95 on held-out images, a faithful Python port of the product's evaluator
(models/evaluate/metrics.ts: greedy COCO matching by score, 101-point interpolated AP) over the
product's own decoding (pipeline/detect/decoders/nanodet.ts: best class per cell, score ≥ 0.05 as
`eval detect` keeps for the curve, per-class NMS at IoU 0.45, at most 300 boxes). IoU does not change
when both boxes are stretched alike, so boxes are compared at the model's input size."""
from __future__ import annotations

import numpy as np
import torch

from .gfl import distances_to_boxes
from .losses import box_iou

CURVE_MIN_SCORE = 0.05
IOU_THRESHOLDS = [round(0.5 + 0.05 * i, 2) for i in range(10)]


def decode(cls_logits: torch.Tensor, reg: torch.Tensor, centres: torch.Tensor, strides: torch.Tensor, bins: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One image: boxes [K, 4], scores [K], classes [K] after NMS, highest score first."""
    scores, classes = cls_logits.sigmoid().max(1)
    keep = (scores >= CURVE_MIN_SCORE).nonzero(as_tuple=True)[0]
    _, boxes = distances_to_boxes(centres[keep], strides[keep], reg[keep], bins)
    scores, classes = scores[keep], classes[keep]
    kept: list[int] = []
    for c in classes.unique().tolist():
        idx = (classes == c).nonzero(as_tuple=True)[0]
        idx = idx[scores[idx].argsort(descending=True, stable=True)]
        ious = box_iou(boxes[idx], boxes[idx])
        suppressed = torch.zeros(len(idx), dtype=torch.bool)
        for i in range(len(idx)):
            if suppressed[i]:
                continue
            kept.append(int(idx[i]))
            suppressed |= ious[i] > 0.45
    order = sorted(kept, key=lambda i: -float(scores[i]))[:300]
    return boxes[order].numpy().reshape(-1, 4), scores[order].numpy(), classes[order].numpy()


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    iw = min(a[2], b[2]) - max(a[0], b[0])
    ih = min(a[3], b[3]) - max(a[1], b[1])
    if iw <= 0 or ih <= 0:
        return 0.0
    inter = iw * ih
    area = lambda x: max(0.0, x[2] - x[0]) * max(0.0, x[3] - x[1])  # noqa: E731
    return float(inter / (area(a) + area(b) - inter))


def average_precision(results: list[dict], cls: int, threshold: float) -> float:
    objects = sum(int((r['gt_classes'] == cls).sum()) for r in results)
    if objects == 0:
        return float('nan')
    dets = [(float(s), i, j) for i, r in enumerate(results) for j, s in enumerate(r['scores']) if r['classes'][j] == cls]
    dets.sort(key=lambda d: -d[0])  # stable, as the TypeScript sort
    taken = [np.zeros(len(r['gt_classes']), dtype=bool) for r in results]
    hits: list[int] = []
    for _, i, j in dets:
        r = results[i]
        best, best_iou = -1, threshold
        for g in range(len(r['gt_classes'])):
            if r['gt_classes'][g] != cls or taken[i][g]:
                continue
            o = _iou(r['boxes'][j], r['gt_boxes'][g])
            if o >= best_iou:
                best, best_iou = g, o
        if best < 0:
            hits.append(0)
        else:
            taken[i][best] = True
            hits.append(1)
    precision, recall, tp = [], [], 0
    for k, h in enumerate(hits):
        tp += h
        precision.append(tp / (k + 1))
        recall.append(tp / objects)
    for k in range(len(precision) - 2, -1, -1):
        precision[k] = max(precision[k], precision[k + 1])
    total, k = 0.0, 0
    for step in range(101):
        r = step / 100
        while k < len(recall) and recall[k] < r - 1e-12:
            k += 1
        total += precision[k] if k < len(precision) else 0
    return total / 101


def evaluate(results: list[dict], classes: list[str]) -> dict:
    """results: per image {boxes, scores, classes, gt_boxes, gt_classes}. Means over classes with objects."""
    per_class: dict[str, dict[str, float]] = {}
    for c, name in enumerate(classes):
        aps = [average_precision(results, c, t) for t in IOU_THRESHOLDS]
        if np.isnan(aps[0]):
            continue
        per_class[name] = {'ap50': aps[0], 'ap50to95': float(np.mean(aps)), 'objects': int(sum((r['gt_classes'] == c).sum() for r in results))}
    mean = lambda key: float(np.mean([v[key] for v in per_class.values()])) if per_class else float('nan')  # noqa: E731
    return {'ap50': mean('ap50'), 'ap50to95': mean('ap50to95'), 'perClass': per_class}
