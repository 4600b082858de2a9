"""`python3 -m detector.check_dataset CONFIG.json`: reads and checks the dataset as training will
(without importing torch, so a bad dataset is refused in a moment) and prints its summary as JSON."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from .dataset import DatasetError, read_dataset, split_samples


def main(config_file: str) -> int:
    cfg = json.loads(Path(config_file).read_text())
    try:
        samples, classes, names = read_dataset(cfg['dataset'], cfg.get('label_map'), cfg.get('classes'))
    except DatasetError as error:
        print(f'error: {error}', file=sys.stderr)
        return 2
    train, val = split_samples(samples)
    print(json.dumps({'classes': classes, 'datasetClasses': names, 'images': len(samples), 'train': len(train), 'val': len(val)}))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1]))
