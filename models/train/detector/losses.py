"""NanoDet's losses: quality focal loss on the class logits (the target is the IoU of the predicted
box with its object), distribution focal loss on the box bins, and GIoU on the decoded boxes."""
from __future__ import annotations

import torch
import torch.nn.functional as F


def quality_focal_loss(logits: torch.Tensor, labels: torch.Tensor, quality: torch.Tensor, beta: float = 2.0) -> torch.Tensor:
    """logits [N, C]; labels [N] (-1 background); quality [N] (IoU for positives). Summed."""
    p = logits.sigmoid()
    loss = F.binary_cross_entropy_with_logits(logits, torch.zeros_like(logits), reduction='none') * p.pow(beta)
    pos = (labels >= 0).nonzero(as_tuple=True)[0]
    if pos.numel():
        c = labels[pos]
        q = quality[pos]
        pl = logits[pos, c]
        loss[pos, c] = F.binary_cross_entropy_with_logits(pl, q, reduction='none') * (q - pl.sigmoid()).abs().pow(beta)
    return loss.sum()


def distribution_focal_loss(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """logits [M, bins]; target [M] distances in bins (0..bins-1). Per element."""
    left = target.long().clamp(max=logits.shape[1] - 2)
    right = left + 1
    wl = right.float() - target
    wr = target - left.float()
    return F.cross_entropy(logits, left, reduction='none') * wl + F.cross_entropy(logits, right, reduction='none') * wr


def giou_loss(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Boxes [M, 4] x1y1x2y2. Per box."""
    lt = torch.max(pred[:, :2], target[:, :2])
    rb = torch.min(pred[:, 2:], target[:, 2:])
    inter = (rb - lt).clamp(min=0).prod(1)
    area_p = (pred[:, 2:] - pred[:, :2]).clamp(min=0).prod(1)
    area_t = (target[:, 2:] - target[:, :2]).clamp(min=0).prod(1)
    union = area_p + area_t - inter + 1e-7
    iou = inter / union
    elt = torch.min(pred[:, :2], target[:, :2])
    erb = torch.max(pred[:, 2:], target[:, 2:])
    enclose = (erb - elt).clamp(min=0).prod(1) + 1e-7
    return 1 - (iou - (enclose - union) / enclose)


def box_iou(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Pairwise IoU [len(a), len(b)]."""
    lt = torch.max(a[:, None, :2], b[None, :, :2])
    rb = torch.min(a[:, None, 2:], b[None, :, 2:])
    inter = (rb - lt).clamp(min=0).prod(2)
    area_a = (a[:, 2:] - a[:, :2]).clamp(min=0).prod(1)
    area_b = (b[:, 2:] - b[:, :2]).clamp(min=0).prod(1)
    return inter / (area_a[:, None] + area_b[None, :] - inter + 1e-7)
