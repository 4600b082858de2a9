"""The training loss of one batch: ATSS picks the cells that answer for each object, then quality
focal loss on every cell's class logits, GIoU and distribution focal loss on the positives' boxes,
weighted as NanoDet weights them (1 : 2 : 0.25), normalised by the number of positives."""
from __future__ import annotations

import numpy as np
import torch

from .assign import atss_assign
from .losses import box_iou, distribution_focal_loss, giou_loss, quality_focal_loss

W_QFL, W_GIOU, W_DFL = 1.0, 2.0, 0.25


def distances_to_boxes(centres: torch.Tensor, strides: torch.Tensor, reg: torch.Tensor, bins: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Box logits [N, 4 * bins] → expected distances in strides [N, 4] and boxes [N, 4] in pixels."""
    prob = reg.reshape(-1, 4, bins).softmax(-1)
    d = (prob * torch.arange(bins, dtype=reg.dtype)).sum(-1)
    s = strides[:, None]
    boxes = torch.cat([centres - d[:, :2] * s, centres + d[:, 2:] * s], 1)
    return d, boxes


def gfl_loss(cls: torch.Tensor, reg: torch.Tensor, centres: torch.Tensor, strides: torch.Tensor, level_sizes: list[int],
             targets: list[tuple[np.ndarray, np.ndarray]], bins: int) -> tuple[torch.Tensor, dict[str, float]]:
    total_qfl = cls.new_zeros(())
    total_giou = cls.new_zeros(())
    total_dfl = cls.new_zeros(())
    num_pos = 0
    weight_sum = cls.new_zeros(())
    for b, (boxes_np, labels_np) in enumerate(targets):
        gt = torch.from_numpy(boxes_np)
        gl = torch.from_numpy(labels_np)
        assigned, labels = atss_assign(centres, strides, level_sizes, gt, gl)
        pos = (assigned >= 0).nonzero(as_tuple=True)[0]
        quality = torch.zeros(cls.shape[1])
        if pos.numel():
            _, pred_boxes = distances_to_boxes(centres[pos], strides[pos], reg[b, pos], bins)
            target_boxes = gt[assigned[pos]]
            quality[pos] = box_iou(pred_boxes.detach(), target_boxes).diagonal().clamp(min=1e-6)
            weight = cls[b, pos].detach().sigmoid().max(1).values
            total_giou = total_giou + (giou_loss(pred_boxes, target_boxes) * weight).sum()
            c = centres[pos]
            s = strides[pos][:, None]
            target_d = torch.cat([(c - target_boxes[:, :2]) / s, (target_boxes[:, 2:] - c) / s], 1).clamp(0, bins - 1 - 0.01)
            dfl = distribution_focal_loss(reg[b, pos].reshape(-1, bins), target_d.reshape(-1))
            total_dfl = total_dfl + (dfl * weight[:, None].expand(-1, 4).reshape(-1)).sum() / 4
            weight_sum = weight_sum + weight.sum()
            num_pos += int(pos.numel())
        total_qfl = total_qfl + quality_focal_loss(cls[b], labels, quality)
    norm = max(num_pos, 1)
    wnorm = weight_sum.clamp(min=1e-6)
    qfl = W_QFL * total_qfl / norm
    giou = W_GIOU * total_giou / wnorm
    dfl = W_DFL * total_dfl / wnorm
    loss = qfl + giou + dfl
    return loss, {'qfl': float(qfl), 'giou': float(giou), 'dfl': float(dfl), 'positives': float(num_pos)}
