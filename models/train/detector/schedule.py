"""Learning rate and weight averaging: linear warm-up then cosine decay over the run's progress (steps
done over steps planned, or time spent over the --minutes budget, whichever is further), and an
exponential moving average of the weights whose decay ramps up so early steps are not frozen in."""
from __future__ import annotations

import copy
import math

import torch
from torch import nn

WARMUP_STEPS = 30
WARMUP_RATIO = 0.1
FINAL_RATIO = 0.05


def learning_rate(base_lr: float, step: int, progress: float, warmup: int = WARMUP_STEPS) -> float:
    if step < warmup:
        return base_lr * (WARMUP_RATIO + (1 - WARMUP_RATIO) * step / warmup)
    p = min(max(progress, 0.0), 1.0)
    return base_lr * (FINAL_RATIO + (1 - FINAL_RATIO) * 0.5 * (1 + math.cos(math.pi * p)))


class Ema:
    def __init__(self, model: nn.Module, decay: float = 0.998) -> None:
        self.model = copy.deepcopy(model).eval()
        for p in self.model.parameters():
            p.requires_grad_(False)
        self.decay = decay
        self.updates = 0

    @torch.no_grad()
    def update(self, model: nn.Module) -> None:
        self.updates += 1
        d = self.decay * (1 - math.exp(-self.updates / 100))
        for e, p in zip(self.model.parameters(), model.parameters()):
            e.mul_(d).add_(p.detach(), alpha=1 - d)
