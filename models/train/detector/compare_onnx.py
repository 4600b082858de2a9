"""`python3 -m models.train.detector.compare_onnx MODEL.onnx DIR`: runs the loader on DIR/input.bin and
prints, as JSON, the largest absolute difference to each DIR/<output>.bin that onnxruntime wrote
(DIR/shapes.json gives every tensor's shape). The test side runs onnxruntime-node; this side torch."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import torch

from .onnx_module import UnsupportedModelError, load_onnx_module


def main(model_file: str, folder: str) -> None:
    module = load_onnx_module(model_file).eval()
    d = Path(folder)
    shapes: dict[str, list[int]] = json.loads((d / 'shapes.json').read_text())
    x = np.fromfile(d / 'input.bin', dtype=np.float32).reshape(shapes['input'])
    with torch.no_grad():
        outputs = module(torch.from_numpy(x))
    diffs = {}
    for name, value in outputs.items():
        expected = np.fromfile(d / f'{name}.bin', dtype=np.float32).reshape(shapes[name])
        diffs[name] = float(np.abs(value.numpy() - expected).max())
    print(json.dumps({'maxAbsDiff': diffs}))


if __name__ == '__main__':
    try:
        main(sys.argv[1], sys.argv[2])
    except UnsupportedModelError as error:
        print(f'error: {error}', file=sys.stderr)
        sys.exit(2)
