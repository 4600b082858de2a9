"""Training views of a labelled image, fed to the model exactly as the product feeds it (stretched
to the input size, BGR, mean/std): a random window (tile-sized or most of the image, with aspect
jitter), a horizontal flip, and colour jitter. Boxes are clipped to the window; slivers are dropped."""
from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np
import torch
from PIL import Image, ImageEnhance

from .dataset import Box, Sample


@dataclass
class InputSpec:
    width: int
    height: int
    mean: tuple[float, float, float]  # in the model's channel order
    std: tuple[float, float, float]
    bgr: bool


def to_tensor(image: Image.Image, spec: InputSpec) -> torch.Tensor:
    rgb = np.asarray(image.convert('RGB').resize((spec.width, spec.height), Image.BILINEAR), dtype=np.float32)
    chans = rgb[:, :, ::-1] if spec.bgr else rgb
    x = (chans - np.asarray(spec.mean, dtype=np.float32)) / np.asarray(spec.std, dtype=np.float32)
    return torch.from_numpy(np.ascontiguousarray(x.transpose(2, 0, 1)))


def _window(sample: Sample, spec: InputSpec, rng: random.Random) -> tuple[float, float, float, float]:
    w, h = sample.width, sample.height
    if rng.random() < 0.5 and min(w, h) > spec.width:
        # As the survey path tiles: input-sized windows of source pixels, a little zoomed either way.
        side = spec.width * rng.uniform(0.7, 1.5)
        ww, wh = min(w, side * rng.uniform(0.8, 1.25)), min(h, side)
    else:
        frac = rng.uniform(0.6, 1.0)
        ww, wh = w * frac, h * min(1.0, frac * rng.uniform(0.8, 1.25))
    x0 = rng.uniform(0, w - ww)
    y0 = rng.uniform(0, h - wh)
    return x0, y0, x0 + ww, y0 + wh


def _boxes_in(boxes: list[Box], win: tuple[float, float, float, float], spec: InputSpec, flip: bool) -> tuple[np.ndarray, np.ndarray]:
    x0, y0, x1, y1 = win
    sx, sy = spec.width / (x1 - x0), spec.height / (y1 - y0)
    out: list[list[float]] = []
    cls: list[int] = []
    for b in boxes:
        cx1, cy1, cx2, cy2 = max(b.x1, x0), max(b.y1, y0), min(b.x2, x1), min(b.y2, y1)
        full = (b.x2 - b.x1) * (b.y2 - b.y1)
        # Keep a box cut by the window only when most of it is still seen.
        if cx2 <= cx1 or cy2 <= cy1 or (cx2 - cx1) * (cy2 - cy1) < 0.45 * full:
            continue
        bx1, bx2 = (cx1 - x0) * sx, (cx2 - x0) * sx
        if flip:
            bx1, bx2 = spec.width - bx2, spec.width - bx1
        box = [bx1, (cy1 - y0) * sy, bx2, (cy2 - y0) * sy]
        if box[2] - box[0] < 2 or box[3] - box[1] < 2:
            continue
        out.append(box)
        cls.append(b.cls)
    return np.asarray(out, dtype=np.float32).reshape(-1, 4), np.asarray(cls, dtype=np.int64)


def colour_jitter(image: Image.Image, rng: random.Random) -> Image.Image:
    image = ImageEnhance.Brightness(image).enhance(rng.uniform(0.7, 1.3))
    image = ImageEnhance.Contrast(image).enhance(rng.uniform(0.7, 1.3))
    return ImageEnhance.Color(image).enhance(rng.uniform(0.6, 1.4))


def training_view(sample: Sample, image: Image.Image, spec: InputSpec, rng: random.Random) -> tuple[torch.Tensor, np.ndarray, np.ndarray]:
    win = _window(sample, spec, rng)
    flip = rng.random() < 0.5
    crop = image.crop(tuple(int(round(v)) for v in win))
    win = (round(win[0]), round(win[1]), round(win[0]) + crop.width, round(win[1]) + crop.height)
    if flip:
        crop = crop.transpose(Image.FLIP_LEFT_RIGHT)
    boxes, cls = _boxes_in(sample.boxes, win, spec, flip)
    return to_tensor(colour_jitter(crop, rng), spec), boxes, cls


def whole_view(sample: Sample, image: Image.Image, spec: InputSpec) -> tuple[torch.Tensor, np.ndarray, np.ndarray]:
    """The whole image, stretched as the product's whole-image pass does (for validation)."""
    win = (0.0, 0.0, float(sample.width), float(sample.height))
    boxes, cls = _boxes_in(sample.boxes, win, spec, False)
    return to_tensor(image, spec), boxes, cls
