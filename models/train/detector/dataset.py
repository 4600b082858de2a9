"""A YOLO dataset as `dataset:export` writes it (images/, labels/, classes.txt or names.txt, with or
without train/ and val/ subfolders), read and checked before any training starts: every problem
is a DatasetError naming the file and line."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

IMAGE_SUFFIXES = ('.jpg', '.jpeg', '.png', '.webp', '.bmp')


class DatasetError(Exception):
    """The dataset cannot be trained on; the message names the file."""


@dataclass
class Box:
    cls: int  # index into the model's classes
    x1: float
    y1: float
    x2: float
    y2: float


@dataclass
class Sample:
    image: Path
    width: int
    height: int
    boxes: list[Box]
    source: str  # what ties tiles of one photo together for the held-out split
    split: str | None  # train/val when the export already split it


def read_names(root: Path) -> list[str]:
    for name in ('classes.txt', 'names.txt'):
        f = root / name
        if f.exists():
            names = [line.strip() for line in f.read_text().splitlines() if line.strip()]
            if not names:
                raise DatasetError(f'{f}: no class names')
            return names
    raise DatasetError(f'{root}: no classes.txt (or names.txt): the YOLO class names, one a line')


def read_label_map(file: str | None, names: list[str]) -> dict[int, str | None]:
    """Dataset class number -> model class name (None: ignore). Keys may be numbers or names."""
    if file is None:
        return {i: n for i, n in enumerate(names)}
    try:
        raw = json.loads(Path(file).read_text())
    except (OSError, json.JSONDecodeError) as error:
        raise DatasetError(f'--label-map {file}: {error}') from error
    if not isinstance(raw, dict):
        raise DatasetError(f'--label-map {file}: expected a JSON object such as {{"3": "car", "6": null}}')
    mapping: dict[int, str | None] = {}
    for key, value in raw.items():
        index = int(key) if re.fullmatch(r'\d+', key) else (names.index(key) if key in names else -1)
        if not 0 <= index < len(names):
            raise DatasetError(f'--label-map {file}: "{key}" is neither a class number below {len(names)} nor a name in classes.txt')
        if value is not None and not (isinstance(value, str) and value.strip()):
            raise DatasetError(f'--label-map {file}: "{key}" maps to {json.dumps(value)}; use a class name or null')
        mapping[index] = value
    # Classes the map does not mention keep their own name.
    return {i: mapping.get(i, n) if i in mapping else n for i, n in enumerate(names)}


_TILE_SUFFIX = re.compile(r'(-x\d+-y\d+|-whole|__\d+|_tile\d+)$')


def source_of(stem: str) -> str:
    """Tiles of one survey image (…-x640-y0, …-whole) and crops (…__3) share a source."""
    return _TILE_SUFFIX.sub('', stem)


def _images(root: Path) -> list[tuple[Path, str | None]]:
    folder = root / 'images'
    if not folder.is_dir():
        raise DatasetError(f'{root}: no images/ folder (a YOLO dataset has images/, labels/ and classes.txt)')
    out: list[tuple[Path, str | None]] = []
    for f in sorted(folder.rglob('*')):
        if f.suffix.lower() in IMAGE_SUFFIXES:
            rel = f.relative_to(folder).parts
            out.append((f, rel[0] if len(rel) > 1 and rel[0] in ('train', 'val') else None))
    if not out:
        raise DatasetError(f'{folder}: empty dataset (no .jpg/.png/.webp images)')
    return out


def _read_boxes(label_file: Path, width: int, height: int, names: list[str], label_map: dict[int, str | None], classes: list[str]) -> list[Box]:
    boxes: list[Box] = []
    for n, line in enumerate(label_file.read_text().splitlines(), start=1):
        parts = line.split()
        if not parts:
            continue
        where = f'{label_file}:{n}'
        if len(parts) != 5:
            raise DatasetError(f'{where}: expected "class cx cy w h", got "{line.strip()}"')
        try:
            cls = int(parts[0])
            cx, cy, w, h = (float(v) for v in parts[1:])
        except ValueError as error:
            raise DatasetError(f'{where}: not numbers: "{line.strip()}"') from error
        if not 0 <= cls < len(names):
            raise DatasetError(f'{where}: class {cls} is beyond classes.txt ({len(names)} classes, 0-{len(names) - 1})')
        eps = 1e-3  # exporters round to 6 decimals
        if w <= 0 or h <= 0 or cx - w / 2 < -eps or cy - h / 2 < -eps or cx + w / 2 > 1 + eps or cy + h / 2 > 1 + eps:
            raise DatasetError(f'{where}: box outside the image (cx {cx}, cy {cy}, w {w}, h {h} must lie within 0-1 with positive size)')
        name = label_map[cls]
        if name is None or name not in classes:
            continue
        boxes.append(Box(classes.index(name), max(0.0, cx - w / 2) * width, max(0.0, cy - h / 2) * height,
                         min(1.0, cx + w / 2) * width, min(1.0, cy + h / 2) * height))
    return boxes


def read_dataset(root_dir: str, label_map_file: str | None, classes: list[str] | None) -> tuple[list[Sample], list[str], list[str]]:
    """Returns the samples, the model's classes (from --classes, else the mapped names) and the dataset's names."""
    root = Path(root_dir)
    if not root.is_dir():
        raise DatasetError(f'--dataset {root_dir}: not a folder')
    names = read_names(root)
    label_map = read_label_map(label_map_file, names)
    mapped = list(dict.fromkeys(n for n in label_map.values() if n is not None))
    if classes is None:
        classes = mapped
    missing = [c for c in classes if c not in mapped]
    if missing:
        raise DatasetError(f'--classes {",".join(missing)}: no dataset class maps to {"it" if len(missing) == 1 else "them"} (dataset classes after --label-map: {", ".join(mapped)})')
    samples: list[Sample] = []
    for image, split in _images(root):
        rel = image.relative_to(root / 'images').with_suffix('.txt')
        label_file = root / 'labels' / rel
        if not label_file.exists():
            raise DatasetError(f'{image}: image without labels (expected {label_file}; an empty file marks an image with nothing in it)')
        try:
            with Image.open(image) as im:
                width, height = im.size
        except OSError as error:
            raise DatasetError(f'{image}: not a readable image ({error})') from error
        boxes = _read_boxes(label_file, width, height, names, label_map, classes)
        samples.append(Sample(image, width, height, boxes, source_of(image.stem), split))
    if not any(s.boxes for s in samples):
        raise DatasetError(f'{root}: no box of the classes {", ".join(classes)} in any label file')
    return samples, classes, names


def split_samples(samples: list[Sample], val_fraction: float = 0.2) -> tuple[list[Sample], list[Sample]]:
    """The export's own split when it has one; else by source (a hash of its name), never one photo on both sides."""
    if any(s.split for s in samples):
        return [s for s in samples if s.split != 'val'], [s for s in samples if s.split == 'val']
    import hashlib

    def is_val(source: str) -> bool:
        return int(hashlib.sha256(source.encode()).hexdigest()[:8], 16) / 2**32 < val_fraction

    sources = sorted({s.source for s in samples})
    val = {src for src in sources if is_val(src)}
    if len(sources) >= 2 and not val:
        val = {sources[-1]}
    if len(val) == len(sources):
        val = set(sources[1:]) if len(sources) >= 2 else set()
    return [s for s in samples if s.source not in val], [s for s in samples if s.source in val]
