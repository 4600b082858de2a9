"""`python3 -m detector.bench BASE.onnx LABELS.txt DATASET [STEPS] [BATCH]`: training images per second
at the base's input size, measured in this run: the whole training step (augmented views from real
photos, forward, GFL loss with ATSS, backward, AdamW, EMA), with every weight trained and with the
backbone frozen. Prints one JSON object of figures."""
from __future__ import annotations

import json
import random
import sys
import time

import torch
from PIL import Image

from .augment import InputSpec, training_view
from .dataset import read_dataset
from .gfl import gfl_loss
from .nanodet_model import load_nanodet
from .schedule import Ema


def measure(base: str, labels: list[str], dataset: str, steps: int, batch: int, freeze: bool) -> float:
    samples, classes, _ = read_dataset(dataset, None, None)
    model = load_nanodet(base, labels)
    model.rebuild_classes(classes)
    if freeze:
        model.freeze_backbone()
    ema = Ema(model)
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-4)
    spec = InputSpec(model.input_w, model.input_h, (103.53, 116.28, 123.675), (57.375, 57.12, 58.395), True)
    images = {s.image: Image.open(s.image).convert('RGB') for s in samples}
    centres, strides = model.cell_centres()
    sizes = [lv.grid_w * lv.grid_h for lv in model.levels]
    rng = random.Random(1)
    model.train()

    def step() -> None:
        views = [training_view(s, images[s.image], spec, rng) for s in (rng.choice(samples) for _ in range(batch))]
        cls, reg = model.head_logits(torch.stack([v[0] for v in views]))
        loss, _ = gfl_loss(cls, reg, centres, strides, sizes, [(v[1], v[2]) for v in views], model.bins)
        opt.zero_grad()
        loss.backward()
        opt.step()
        ema.update(model)

    step()  # the first step allocates; not measured
    started = time.perf_counter()
    for _ in range(steps):
        step()
    return steps * batch / (time.perf_counter() - started)


def main() -> None:
    base, labels_file, dataset = sys.argv[1:4]
    steps = int(sys.argv[4]) if len(sys.argv) > 4 else 3
    batch = int(sys.argv[5]) if len(sys.argv) > 5 else 8
    torch.set_num_threads(2)
    labels = [line.strip() for line in open(labels_file) if line.strip()]
    full = measure(base, labels, dataset, steps, batch, False)
    frozen = measure(base, labels, dataset, steps, batch, True)
    print(json.dumps({'threads': torch.get_num_threads(), 'steps': steps, 'batch': batch, 'imagesPerSecond': {'all': full, 'backboneFrozen': frozen}}))


if __name__ == '__main__':
    main()
