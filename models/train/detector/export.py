"""The trained model as ONNX in the layout the product's `nanodet` decoder reads. The module *is* the
base's ONNX graph run by torch, so the export writes that graph back with the trained tensors in
place of the base's (weights, biases, the class count in split sizes and reshapes): the same ops,
opset (17), output names and dynamic batch as the base, and a file this loader reads again as a base
for the next fine-tune. (torch.onnx.export of the interpreter also works in torch 1.13 at opset 17,
but turns every Pad and Reshape into shape arithmetic the product's tools would have to learn.)
Also writes one input and torch's outputs for it, so the TypeScript side checks onnxruntime agrees."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
import torch
from onnx import numpy_helper

from .nanodet_model import NanodetModel

OPSET = 17


def export_onnx(model: NanodetModel, base_file: str, out_file: str, parity_dir: Path) -> dict:
    model = model.cpu().eval()
    base = onnx.load(base_file)
    graph = base.graph
    for i, init in enumerate(graph.initializer):
        if init.name in model.graph.param_names:
            arr = model.graph.tensor(init.name).detach().numpy().astype(np.float32)
        elif init.name in model.graph.constants:
            arr = np.asarray(model.graph.constants[init.name]).astype(numpy_helper.to_array(init).dtype)
        else:
            continue
        graph.initializer[i].CopyFrom(numpy_helper.from_array(arr, init.name))
    nc = model.num_classes
    for out in graph.output:
        dims = out.type.tensor_type.shape.dim
        if out.name.startswith('scores') or (len(dims) == 3 and dims[2].dim_value not in (0, 4 * model.bins)):
            dims[2].dim_value = nc
    del graph.value_info[:]  # shapes of the base's class count; onnxruntime infers them again
    if not any(o.domain in ('', 'ai.onnx') and o.version == OPSET for o in base.opset_import):
        raise ValueError(f'{base_file}: the base is not opset {OPSET}')
    onnx.checker.check_model(base)
    Path(out_file).parent.mkdir(parents=True, exist_ok=True)
    onnx.save(base, out_file)

    x = torch.from_numpy(np.random.default_rng(7).normal(0, 1, (1, 3, model.input_h, model.input_w)).astype(np.float32))
    with torch.no_grad():
        expected = model(x)
    parity_dir.mkdir(parents=True, exist_ok=True)
    x.numpy().tofile(parity_dir / 'input.bin')
    shapes = {'input': list(x.shape)}
    for name, value in expected.items():
        value.numpy().astype(np.float32).tofile(parity_dir / f'{name}.bin')
        shapes[name] = list(value.shape)
    (parity_dir / 'shapes.json').write_text(json.dumps(shapes))
    return {'opset': OPSET, 'dir': str(parity_dir)}
