"""`python3 -m detector.held_out DATASET [--label-map FILE] [--classes a,b]`: the images the trainer held
out of DATASET (the same read and split as train.py, without importing torch), as JSON, so a trained
detector and the one it would replace are measured on the same photos."""
from __future__ import annotations

import json
import sys

from .dataset import DatasetError, read_dataset, split_samples


def main(argv: list[str]) -> int:
    dataset = argv[0]
    label_map = argv[argv.index('--label-map') + 1] if '--label-map' in argv else None
    classes = argv[argv.index('--classes') + 1].split(',') if '--classes' in argv else None
    try:
        samples, classes, names = read_dataset(dataset, label_map, classes)
    except DatasetError as error:
        print(f'error: {error}', file=sys.stderr)
        return 2
    _, val = split_samples(samples)
    print(json.dumps({'classes': classes, 'datasetClasses': names, 'heldOut': bool(val), 'images': [str(s.image) for s in val]}))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
