"""ATSS assignment (Zhang et al. 2020, as NanoDet uses it): for each object, the 9 cells per stride
nearest its centre are candidates; those whose anchor (5 strides square, at the cell centre) overlaps
it by more than the candidates' mean + std of IoU, and whose centre lies inside it, are positives.
A cell claimed by two objects goes to the one it overlaps most."""
from __future__ import annotations

import torch

from .losses import box_iou

TOPK = 9
ANCHOR_SCALE = 5.0


def atss_assign(centres: torch.Tensor, strides: torch.Tensor, level_sizes: list[int], gt_boxes: torch.Tensor, gt_labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Returns per cell: the assigned object's index (-1 none) and its class (-1 none)."""
    n = centres.shape[0]
    assigned = torch.full((n,), -1, dtype=torch.long)
    if gt_boxes.numel() == 0:
        return assigned, assigned.clone()
    half = strides[:, None] * ANCHOR_SCALE / 2
    anchors = torch.cat([centres - half, centres + half], 1)
    ious = box_iou(anchors, gt_boxes)  # [N, G]
    gt_centres = (gt_boxes[:, :2] + gt_boxes[:, 2:]) / 2
    dist = torch.cdist(centres, gt_centres)  # [N, G]
    candidates = []
    start = 0
    for size in level_sizes:
        k = min(TOPK, size)
        candidates.append(dist[start:start + size].topk(k, dim=0, largest=False).indices + start)
        start += size
    cand = torch.cat(candidates, 0)  # [K, G]
    cand_iou = ious.gather(0, cand)
    threshold = cand_iou.mean(0) + cand_iou.std(0)
    g_index = torch.arange(gt_boxes.shape[0]).expand_as(cand)
    c = centres[cand]
    inside = (c[..., 0] > gt_boxes[g_index, 0]) & (c[..., 0] < gt_boxes[g_index, 2]) & (c[..., 1] > gt_boxes[g_index, 1]) & (c[..., 1] < gt_boxes[g_index, 3])
    positive = (cand_iou >= threshold[None, :]) & inside
    overlap = torch.full_like(ious, -1.0)
    overlap[cand[positive], g_index[positive]] = ious[cand[positive], g_index[positive]]
    best, best_g = overlap.max(1)
    hit = best >= 0
    assigned[hit] = best_g[hit]
    classes = torch.full((n,), -1, dtype=torch.long)
    classes[hit] = gt_labels[best_g[hit]]
    return assigned, classes
