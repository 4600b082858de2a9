"""The base detector's ONNX graph as a trainable NanoDet: finds the GFL head of each stride (the
1x1 conv whose output the graph splits into class logits and box distributions), rebuilds its class
rows for the requested classes, and hands training the raw logits the ONNX outputs are made from."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import onnx
import torch
from torch import nn

from .onnx_module import OnnxModule, UnsupportedModelError

# NanoDet's class-bias prior: sigmoid(-4.595) = 0.01, so a new class starts out quiet.
NEW_CLASS_BIAS = -math.log((1 - 0.01) / 0.01)


@dataclass
class HeadLevel:
    stride: int
    grid_w: int
    grid_h: int
    split: str  # the tensor the Split node reads: [B, nc + 4 * bins, H, W]
    conv_weight: str
    bias: str
    split_sizes: str
    score_reshape: str
    box_reshape: str


class NanodetModel(nn.Module):
    def __init__(self, model: onnx.ModelProto, labels: list[str], source: str = 'model') -> None:
        super().__init__()
        self.graph = OnnxModule(model, source)
        dims = [d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim]
        if len(dims) != 4 or dims[1] != 3:
            raise UnsupportedModelError(f'{source}: input {dims} is not [1, 3, H, W]')
        self.input_h, self.input_w = dims[2], dims[3]
        self.labels = list(labels)
        self.levels = self._find_levels(source)
        self.bins = int(self.graph.constants[self.levels[0].split_sizes][1]) // 4
        self.graph.taps = [lv.split for lv in self.levels]

    @property
    def num_classes(self) -> int:
        return len(self.labels)

    def _find_levels(self, source: str) -> list[HeadLevel]:
        nodes = self.graph.nodes
        producer = {o: n for n in nodes for o in n.outputs}
        consumers: dict[str, list] = {}
        for n in nodes:
            for i in n.inputs:
                consumers.setdefault(i, []).append(n)
        levels: list[HeadLevel] = []
        for split in (n for n in nodes if n.op == 'Split'):
            add = producer.get(split.inputs[0])
            conv = producer.get(add.inputs[0]) if add is not None and add.op == 'Add' else None
            if conv is None or conv.op != 'Conv' or len(split.outputs) != 2:
                raise UnsupportedModelError(f'{source}: a Split that is not a NanoDet GFL head (conv + bias + split into scores and boxes)')
            scores, boxes = split.outputs
            score_reshape = next((c for c in consumers.get(consumers[scores][0].outputs[0], []) if c.op == 'Reshape'), None)
            box_reshape = next((c for c in consumers.get(boxes, []) if c.op == 'Reshape'), None)
            if score_reshape is None or box_reshape is None:
                raise UnsupportedModelError(f'{source}: head {split.inputs[0]} is not sigmoid→reshape / reshape')
            cells = int(self.graph.constants[score_reshape.inputs[1]][2])
            stride = round(math.sqrt(self.input_w * self.input_h / cells))
            levels.append(HeadLevel(stride, math.ceil(self.input_w / stride), math.ceil(self.input_h / stride), split.inputs[0],
                                    conv.inputs[1], add.inputs[1], split.inputs[1], score_reshape.inputs[1], box_reshape.inputs[1]))
        if not levels:
            raise UnsupportedModelError(f'{source}: no NanoDet GFL head (no Split of class scores and box distributions)')
        levels.sort(key=lambda lv: lv.stride)
        return levels

    def rebuild_classes(self, classes: list[str]) -> list[str]:
        """New class rows; a class the base knows by name starts from the base's row. Returns those names."""
        kept = [c for c in classes if c in self.labels]
        for lv in self.levels:
            w = self.graph.tensor(lv.conv_weight).detach()
            b = self.graph.tensor(lv.bias).detach()
            nc = self.num_classes
            new_w = torch.randn((len(classes), *w.shape[1:])) * 0.01
            new_b = torch.full((1, len(classes), *b.shape[2:]), NEW_CLASS_BIAS)
            for i, name in enumerate(classes):
                if name in self.labels:
                    j = self.labels.index(name)
                    new_w[i] = w[j]
                    new_b[0, i] = b[0, j]
            self.graph.set_parameter(lv.conv_weight, torch.cat([new_w, w[nc:]], 0))
            self.graph.set_parameter(lv.bias, torch.cat([new_b, b[:, nc:]], 1))
            self.graph.constants[lv.split_sizes] = np.asarray([len(classes), 4 * self.bins], dtype=np.int64)
            shape = self.graph.constants[lv.score_reshape].copy()
            shape[1] = len(classes)
            self.graph.constants[lv.score_reshape] = shape
        self.labels = list(classes)
        return kept

    def freeze_backbone(self) -> int:
        """Freezes every weight before the FPN's first upsample (the backbone, in the importer's node
        order): backprop then stops at the neck, about halving a CPU step. Returns how many were frozen."""
        frozen = 0
        for node in self.graph.nodes:
            if node.op == 'Resize':
                break
            for name in node.inputs:
                if name in self.graph.param_names:
                    p = self.graph.tensor(name)
                    if p.requires_grad:
                        p.requires_grad_(False)
                        frozen += p.numel()
        return frozen

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """The ONNX outputs (sigmoided scores, box logits per stride), as the product reads them."""
        out = self.graph(x)
        return {k: out[k] for k in self.graph.output_names}

    def head_logits(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Class logits [B, N, nc] and box logits [B, N, 4 * bins] over all strides, cells row-major."""
        out = self.graph(x)
        cls, reg = [], []
        nc = self.num_classes
        for lv in self.levels:
            t = out[lv.split].flatten(2).transpose(1, 2)
            cls.append(t[..., :nc])
            reg.append(t[..., nc:])
        return torch.cat(cls, 1), torch.cat(reg, 1)

    def cell_centres(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Per cell of head_logits: centre (x, y) in input pixels, as the decoder places it, and its stride."""
        centres, strides = [], []
        for lv in self.levels:
            ys, xs = torch.meshgrid(torch.arange(lv.grid_h), torch.arange(lv.grid_w), indexing='ij')
            c = torch.stack([(xs.flatten() + 0.5) * lv.stride, (ys.flatten() + 0.5) * lv.stride], 1).float()
            centres.append(c)
            strides.append(torch.full((c.shape[0],), float(lv.stride)))
        return torch.cat(centres), torch.cat(strides)


def load_nanodet(file: str, labels: list[str]) -> NanodetModel:
    try:
        model = onnx.load(file)
    except Exception as error:
        raise UnsupportedModelError(f'{file}: not a readable ONNX file ({error})') from error
    return NanodetModel(model, labels, file)
