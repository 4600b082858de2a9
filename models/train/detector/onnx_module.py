"""An ONNX graph read into a torch nn.Module, for the ops models/import writes (TF.js -> ONNX).

Every float initializer of rank >= 1 used as a Conv weight or an Add operand becomes a trainable
Parameter; shapes, pads and split sizes stay plain constants. The graph runs node by node in file
order (the importer writes it topologically sorted), so it is exactly the ONNX model, not a
re-creation of NanoDet that could drift from it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import numpy_helper
from torch import nn

SUPPORTED_OPS = frozenset(
    ['Conv', 'Add', 'Mul', 'Relu', 'LeakyRelu', 'Sigmoid', 'Pad', 'MaxPool', 'Concat', 'Resize', 'Split', 'Reshape', 'Transpose']
)


class UnsupportedModelError(Exception):
    """The ONNX file uses something this loader cannot run."""


@dataclass
class Node:
    op: str
    inputs: list[str]
    outputs: list[str]
    attrs: dict[str, object] = field(default_factory=dict)


def _attrs(node: onnx.NodeProto) -> dict[str, object]:
    out: dict[str, object] = {}
    for a in node.attribute:
        v = onnx.helper.get_attribute_value(a)
        out[a.name] = v.decode() if isinstance(v, bytes) else v
    return out


def _param_key(name: str) -> str:
    # nn.Module names may not hold dots; ONNX names may hold anything.
    return 'p' + ''.join(c if c.isalnum() else '_' for c in name)


class OnnxModule(nn.Module):
    """Runs an ONNX graph in torch. `taps` names tensors forward() also returns (e.g. head features)."""

    def __init__(self, model: onnx.ModelProto, source: str = 'model') -> None:
        super().__init__()
        graph = model.graph
        unknown = sorted({n.op_type for n in graph.node} - SUPPORTED_OPS)
        if unknown:
            raise UnsupportedModelError(f'{source}: ops this loader does not know: {", ".join(unknown)} (it reads {", ".join(sorted(SUPPORTED_OPS))})')
        if len(graph.input) != 1:
            raise UnsupportedModelError(f'{source}: expected one input, found {len(graph.input)}')
        self.input_name = graph.input[0].name
        self.output_names = [o.name for o in graph.output]
        self.nodes = [Node(n.op_type, list(n.input), list(n.output), _attrs(n)) for n in graph.node]
        arrays = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
        learnable = {n.inputs[1] for n in self.nodes if n.op == 'Conv'} | {
            i for n in self.nodes if n.op in ('Add', 'Mul') for i in n.inputs if i in arrays
        }
        self.params = nn.ParameterDict()
        self.param_names: dict[str, str] = {}
        self.constants: dict[str, np.ndarray] = {}
        for name, arr in arrays.items():
            if name in learnable and arr.dtype == np.float32:
                key = _param_key(name)
                self.params[key] = nn.Parameter(torch.from_numpy(arr.copy()))
                self.param_names[name] = key
            else:
                self.constants[name] = arr
        self.taps: list[str] = []

    def tensor(self, name: str) -> torch.Tensor:
        return self.params[self.param_names[name]]

    def set_parameter(self, name: str, value: torch.Tensor) -> None:
        self.params[self.param_names[name]] = nn.Parameter(value.detach().clone())

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        env: dict[str, torch.Tensor] = {self.input_name: x}
        for node in self.nodes:
            args = [self._value(env, i) for i in node.inputs]
            results = _OPS[node.op](self, node, args, x.shape[0])
            for name, value in zip(node.outputs, results):
                env[name] = value
        return {name: env[name] for name in [*self.output_names, *self.taps]}

    def _value(self, env: dict[str, torch.Tensor], name: str) -> torch.Tensor | np.ndarray | None:
        if name == '':
            return None
        if name in env:
            return env[name]
        if name in self.param_names:
            return self.tensor(name)
        if name in self.constants:
            return self.constants[name]
        raise UnsupportedModelError(f'tensor "{name}" is used before anything writes it')


Args = list
OpFn = Callable[[OnnxModule, Node, Args, int], list[torch.Tensor]]


def _as_tensor(v: torch.Tensor | np.ndarray, like: torch.Tensor) -> torch.Tensor:
    return v if isinstance(v, torch.Tensor) else torch.from_numpy(np.asarray(v)).to(like.device, like.dtype)


def _conv(m: OnnxModule, n: Node, a: Args, _b: int) -> list[torch.Tensor]:
    pads = list(n.attrs.get('pads', [0, 0, 0, 0]))  # type: ignore[arg-type]
    x = a[0]
    if pads[0] != pads[2] or pads[1] != pads[3]:
        x = F.pad(x, (pads[1], pads[3], pads[0], pads[2]))
        pads = [0, 0, 0, 0]
    bias = a[2] if len(a) > 2 else None
    return [F.conv2d(x, a[1], bias, stride=tuple(n.attrs.get('strides', [1, 1])), padding=(pads[0], pads[1]),  # type: ignore[arg-type]
                     dilation=tuple(n.attrs.get('dilations', [1, 1])), groups=int(n.attrs.get('group', 1)))]  # type: ignore[arg-type]


def _pad(m: OnnxModule, n: Node, a: Args, _b: int) -> list[torch.Tensor]:
    if n.attrs.get('mode', 'constant') != 'constant':
        raise UnsupportedModelError(f'Pad mode {n.attrs.get("mode")} is not supported')
    p = [int(v) for v in np.asarray(a[1]).tolist()]
    half = len(p) // 2
    begin, end = p[:half], p[half:]
    torch_pads: list[int] = []
    for axis in reversed(range(half)):
        torch_pads += [begin[axis], end[axis]]
    value = float(np.asarray(a[2]).item()) if len(a) > 2 and a[2] is not None else 0.0
    return [F.pad(a[0], tuple(torch_pads), value=value)]


def _maxpool(m: OnnxModule, n: Node, a: Args, _b: int) -> list[torch.Tensor]:
    pads = list(n.attrs.get('pads', [0, 0, 0, 0]))  # type: ignore[arg-type]
    return [F.max_pool2d(a[0], tuple(n.attrs['kernel_shape']), tuple(n.attrs.get('strides', [1, 1])), (pads[0], pads[1]))]  # type: ignore[arg-type]


def _resize(m: OnnxModule, n: Node, a: Args, _b: int) -> list[torch.Tensor]:
    if n.attrs.get('mode') != 'linear' or n.attrs.get('coordinate_transformation_mode', 'half_pixel') != 'half_pixel':
        raise UnsupportedModelError(f'Resize {n.attrs} is not supported (only linear, half_pixel)')
    x = a[0]
    if len(a) > 3 and a[3] is not None:
        size = [int(v) for v in np.asarray(a[3]).tolist()[2:]]
    elif len(a) > 2 and a[2] is not None:
        scales = np.asarray(a[2]).tolist()
        size = [int(math.floor(x.shape[2] * scales[2])), int(math.floor(x.shape[3] * scales[3]))]
    else:
        raise UnsupportedModelError(f'Resize {n.outputs[0]}: neither sizes nor scales')
    # half_pixel linear without antialias is exactly torch's bilinear with align_corners=False.
    return [F.interpolate(x, size=(size[0], size[1]), mode='bilinear', align_corners=False)]


def _split(m: OnnxModule, n: Node, a: Args, _b: int) -> list[torch.Tensor]:
    sizes = [int(v) for v in np.asarray(a[1]).tolist()]
    return list(torch.split(a[0], sizes, dim=int(n.attrs.get('axis', 0))))  # type: ignore[arg-type]


def _reshape(m: OnnxModule, n: Node, a: Args, batch: int) -> list[torch.Tensor]:
    shape = [int(v) for v in np.asarray(a[1]).tolist()]
    # The importer writes batch 1; a training batch keeps the same per-image shape.
    if shape and shape[0] == 1:
        shape[0] = batch
    # ONNX: 0 copies the input's dimension (allowzero unset), -1 is inferred.
    shape = [a[0].shape[i] if v == 0 else v for i, v in enumerate(shape)]
    return [a[0].reshape(shape)]


_OPS: dict[str, OpFn] = {
    'Conv': _conv,
    'Add': lambda m, n, a, b: [_as_tensor(a[0], a[1] if isinstance(a[1], torch.Tensor) else a[0]) + _as_tensor(a[1], a[0])],
    'Mul': lambda m, n, a, b: [_as_tensor(a[0], a[1] if isinstance(a[1], torch.Tensor) else a[0]) * _as_tensor(a[1], a[0])],
    'Relu': lambda m, n, a, b: [F.relu(a[0])],
    'LeakyRelu': lambda m, n, a, b: [F.leaky_relu(a[0], float(n.attrs.get('alpha', 0.01)))],  # type: ignore[arg-type]
    'Sigmoid': lambda m, n, a, b: [torch.sigmoid(a[0])],
    'Pad': _pad,
    'MaxPool': _maxpool,
    'Concat': lambda m, n, a, b: [torch.cat(a, dim=int(n.attrs['axis']))],  # type: ignore[arg-type]
    'Resize': _resize,
    'Split': _split,
    'Reshape': _reshape,
    'Transpose': lambda m, n, a, b: [a[0].permute(*n.attrs['perm'])],  # type: ignore[misc]
}


def load_onnx_module(file: str) -> OnnxModule:
    try:
        model = onnx.load(file)
    except Exception as error:  # onnx raises DecodeError and others for a file that is not ONNX
        raise UnsupportedModelError(f'{file}: not a readable ONNX file ({error})') from error
    return OnnxModule(model, file)
