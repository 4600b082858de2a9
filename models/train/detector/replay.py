"""Rehearsal against forgetting: ground-level photos labelled by the base model itself (its own
confident boxes of the classes the new model keeps), mixed into training so that fine-tuning on,
say, one drone frame does not unlearn what the base knew about cars in the street."""
from __future__ import annotations

from pathlib import Path

import torch
from PIL import Image

from .augment import InputSpec, whole_view
from .dataset import IMAGE_SUFFIXES, Box, Sample
from .evaluate import decode
from .nanodet_model import NanodetModel

MIN_SCORE = 0.4


def replay_samples(base: NanodetModel, folders: list[str], classes: list[str], spec: InputSpec) -> list[Sample]:
    """Base-labelled samples from the photos in `folders`; only photos with a box of a kept class."""
    kept = {base.labels.index(c): classes.index(c) for c in classes if c in base.labels}
    if not kept:
        return []
    centres, strides = base.cell_centres()
    out: list[Sample] = []
    base.eval()
    for folder in folders:
        for f in sorted(Path(folder).glob('*')) if Path(folder).is_dir() else []:
            if f.suffix.lower() not in IMAGE_SUFFIXES:
                continue
            with Image.open(f) as im:
                image = im.convert('RGB')
            probe = Sample(f, image.width, image.height, [], f'replay:{f.stem}', None)
            x, _, _ = whole_view(probe, image, spec)
            with torch.no_grad():
                cls, reg = base.head_logits(x[None])
            boxes, scores, labels = decode(cls[0], reg[0], centres, strides, base.bins)
            sx, sy = image.width / spec.width, image.height / spec.height
            probe.boxes = [Box(kept[int(c)], float(b[0]) * sx, float(b[1]) * sy, float(b[2]) * sx, float(b[3]) * sy)
                           for b, s, c in zip(boxes, scores, labels) if s >= MIN_SCORE and int(c) in kept]
            if probe.boxes:
                out.append(probe)
    return out
