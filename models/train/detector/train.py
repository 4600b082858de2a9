"""`python3 -m detector.train CONFIG.json`: fine-tunes the base NanoDet on a YOLO dataset.

Stages: read and check the dataset → split by source → load the base ONNX as torch, rebuild the
class rows → epochs of augmented views (AdamW, warm-up + cosine, EMA) → validate the EMA weights each
epoch → checkpoint (last and best; --resume continues from last) → stop at --epochs or --minutes →
export the best to ONNX. Progress is one JSON object per stdout line; the TypeScript side shows it."""
from __future__ import annotations

import json
import math
import random
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from .augment import InputSpec, training_view, whole_view
from .dataset import DatasetError, Sample, read_dataset, split_samples
from .evaluate import decode, evaluate
from .export import export_onnx
from .gfl import gfl_loss
from .nanodet_model import NanodetModel, load_nanodet
from .onnx_module import UnsupportedModelError
from .replay import replay_samples
from .schedule import WARMUP_STEPS, Ema, learning_rate


@dataclass
class Config:
    dataset: str
    base_file: str
    base_labels: list[str]
    input: dict  # the base's manifest input spec
    out_file: str  # the ONNX file to write
    work_dir: str  # checkpoints, result.json
    label_map: str | None = None
    classes: list[str] | None = None
    minutes: float | None = None
    epochs: int | None = None
    device: str = 'cpu'
    batch: int = 8
    lr: float = 5e-4
    weight_decay: float = 0.05
    seed: int = 1
    resume: bool = False
    threads: int = 2
    min_views_per_epoch: int = 64
    max_steps: int | None = None  # tests: stop after this many steps
    freeze_backbone: bool = False
    # Ground-level photos the base labels itself, mixed in against forgetting (replay.py).
    replay_dirs: list[str] = field(default_factory=list)
    replay_fraction: float = 0.25
    extra: dict = field(default_factory=dict)


def emit(event: str, **values: object) -> None:
    print(json.dumps({'event': event, **values}, default=lambda v: None if isinstance(v, float) and math.isnan(v) else str(v)), flush=True)


def input_spec(raw: dict) -> InputSpec:
    if raw.get('resize', 'stretch') != 'stretch' or raw.get('layout', 'NCHW') != 'NCHW' or float(raw.get('scale', 1)) != 1:
        raise UnsupportedModelError(f'base input {raw} is not the stretched NCHW 0-255 input NanoDet uses')
    return InputSpec(int(raw['width']), int(raw['height']), tuple(raw['mean']), tuple(raw['std']), raw.get('channels') == 'BGR')


def _load_images(samples: list[Sample]) -> dict[Path, Image.Image]:
    out = {}
    for s in samples:
        with Image.open(s.image) as im:
            out[s.image] = im.convert('RGB')
    return out


def validate(model: NanodetModel, samples: list[Sample], images: dict[Path, Image.Image], spec: InputSpec, device: torch.device) -> dict:
    centres, strides = model.cell_centres()
    results = []
    model.eval()
    with torch.no_grad():
        for s in samples:
            x, gt_boxes, gt_classes = whole_view(s, images[s.image], spec)
            cls, reg = model.head_logits(x[None].to(device))
            boxes, scores, classes = decode(cls[0].cpu(), reg[0].cpu(), centres, strides, model.bins)
            results.append({'boxes': boxes, 'scores': scores, 'classes': classes, 'gt_boxes': gt_boxes, 'gt_classes': gt_classes})
    return evaluate(results, model.labels)


def fixed_loss(model: NanodetModel, samples: list[Sample], images: dict[Path, Image.Image], spec: InputSpec, device: torch.device) -> float:
    """The loss on whole, unaugmented images: comparable before and after training, unlike batch losses."""
    centres, strides = model.cell_centres()
    level_sizes = [lv.grid_w * lv.grid_h for lv in model.levels]
    model.eval()
    views = [whole_view(s, images[s.image], spec) for s in samples[:16]]
    with torch.no_grad():
        cls, reg = model.head_logits(torch.stack([v[0] for v in views]).to(device))
        loss, _ = gfl_loss(cls.cpu(), reg.cpu(), centres, strides, level_sizes, [(v[1], v[2]) for v in views], model.bins)
    return float(loss)


def _summary(samples: list[Sample], classes: list[str]) -> dict:
    counts = {c: 0 for c in classes}
    for s in samples:
        for b in s.boxes:
            counts[classes[b.cls]] += 1
    return {'images': len(samples), 'sources': len({s.source for s in samples}), 'boxes': counts, 'negatives': sum(1 for s in samples if not s.boxes)}


@dataclass
class Session:
    """Everything one training run holds between its stages."""
    cfg: Config
    device: torch.device
    spec: InputSpec
    classes: list[str]
    names: list[str]
    train: list[Sample]
    val: list[Sample]
    held_out: bool
    replay: list[Sample]
    kept: list[str]
    model: NanodetModel
    ema: Ema
    optimizer: torch.optim.Optimizer
    work: Path
    images: dict[Path, Image.Image]
    state: dict


UNLIMITED = 10**9


def prepare(cfg: Config) -> Session:
    """Dataset → split → base model with rebuilt classes → optimizer, EMA → checkpoint if resuming."""
    torch.set_num_threads(cfg.threads)
    random.seed(cfg.seed)
    torch.manual_seed(cfg.seed)
    if cfg.device.startswith('cuda') and not torch.cuda.is_available():
        raise UnsupportedModelError('--device cuda: this torch has no CUDA (Debian python3-torch is CPU only); use --device cpu')
    device = torch.device(cfg.device)
    spec = input_spec(cfg.input)
    samples, classes, names = read_dataset(cfg.dataset, cfg.label_map, cfg.classes)
    train, val = split_samples(samples)
    held_out = bool(val)
    if not held_out:
        val = train  # one source: nothing can be held out; say so rather than pretend
    emit('data', classes=classes, train=_summary(train, classes), val=_summary(val, classes), heldOut=held_out)

    model = load_nanodet(cfg.base_file, cfg.base_labels)
    replay = replay_samples(model, cfg.replay_dirs, classes, spec) if cfg.replay_dirs and cfg.replay_fraction > 0 else []
    if replay:
        emit('replay', images=len(replay), boxes=sum(len(r.boxes) for r in replay))
    kept = model.rebuild_classes(classes)
    if cfg.freeze_backbone:
        emit('frozen', parameters=model.freeze_backbone())
    model.to(device)
    ema = Ema(model)
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=cfg.lr, weight_decay=cfg.weight_decay)
    work = Path(cfg.work_dir)
    work.mkdir(parents=True, exist_ok=True)
    images = _load_images((train if val is train else train + val) + replay)
    s = Session(cfg, device, spec, classes, names, train, val, held_out, replay, kept, model, ema, optimizer, work, images,
                {'epoch': 0, 'step': 0, 'elapsed': 0.0, 'best': -1.0, 'best_epoch': 0, 'history': [], 'first_losses': []})
    if cfg.resume and (work / 'last.pt').exists():
        _resume(s)
    else:
        _measure_base(s)
    return s


def _resume(s: Session) -> None:
    ckpt = torch.load(s.work / 'last.pt', map_location=s.device)
    if ckpt['classes'] != s.classes:
        raise DatasetError(f'--resume: the checkpoint in {s.work} was trained for classes {ckpt["classes"]}, not {s.classes}')
    s.model.load_state_dict(ckpt['model'])
    s.ema.model.load_state_dict(ckpt['ema'])
    s.ema.updates = ckpt['ema_updates']
    s.optimizer.load_state_dict(ckpt['optimizer'])
    s.state = ckpt['state']
    emit('resumed', epoch=s.state['epoch'], step=s.state['step'])


def _measure_base(s: Session) -> None:
    """The base model with its new head, before any step: what training is compared with."""
    base = validate(s.ema.model, s.val, s.images, s.spec, s.device)
    s.state['base_metrics'] = base
    s.state['base_loss'] = fixed_loss(s.ema.model, s.train, s.images, s.spec, s.device)
    s.state['base_train_ap'] = validate(s.ema.model, s.train[:16], s.images, s.spec, s.device) if s.held_out else base
    emit('base', loss=s.state['base_loss'], **base)


@dataclass
class Plan:
    epochs: int  # UNLIMITED when only --minutes bounds the run
    steps_per_epoch: int
    budget: float | None  # seconds
    warmup: int
    started: float

    def progress(self, step: int) -> float:
        by_steps = step / (self.epochs * self.steps_per_epoch) if self.epochs < UNLIMITED else 0.0
        by_time = (time.monotonic() - self.started) / self.budget if self.budget else 0.0
        return max(by_steps, by_time)

    def out_of_time(self) -> bool:
        return bool(self.budget and time.monotonic() - self.started > self.budget)


def plan(s: Session) -> Plan:
    cfg = s.cfg
    steps_per_epoch = math.ceil(max(len(s.train), cfg.min_views_per_epoch) / cfg.batch)
    budget = cfg.minutes * 60 if cfg.minutes else None
    epochs = cfg.epochs or (UNLIMITED if budget else 20)
    # A short run (a test, a few epochs on few images) must not spend itself warming up.
    warmup = min(WARMUP_STEPS, max(1, epochs * steps_per_epoch // 5)) if epochs < UNLIMITED else WARMUP_STEPS
    return Plan(epochs, steps_per_epoch, budget, warmup, time.monotonic() - s.state['elapsed'])


def train_epoch(s: Session, p: Plan, rng: random.Random) -> list[float]:
    """Augmented views, a quarter from the replay photos; one optimizer and EMA step per batch."""
    cfg, model = s.cfg, s.model
    centres, strides = model.cell_centres()
    level_sizes = [lv.grid_w * lv.grid_h for lv in model.levels]
    model.train()
    losses: list[float] = []
    for _ in range(p.steps_per_epoch):
        for g in s.optimizer.param_groups:
            g['lr'] = learning_rate(cfg.lr, s.state['step'], p.progress(s.state['step']), p.warmup)
        batch = [rng.choice(s.replay if s.replay and rng.random() < cfg.replay_fraction else s.train) for _ in range(cfg.batch)]
        views = [training_view(x, s.images[x.image], s.spec, rng) for x in batch]
        cls, reg = model.head_logits(torch.stack([v[0] for v in views]).to(s.device))
        # The assignment and losses run on the CPU, where the targets are; a GPU does the network.
        loss, parts = gfl_loss(cls.cpu(), reg.cpu(), centres, strides, level_sizes, [(v[1], v[2]) for v in views], model.bins)
        s.optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 35.0)
        s.optimizer.step()
        s.ema.update(model)
        s.state['step'] += 1
        losses.append(float(loss))
        if s.state['epoch'] == 0:
            s.state['first_losses'].append(float(loss))
        emit('step', step=s.state['step'], loss=float(loss), **parts)
        if p.out_of_time() or (cfg.max_steps and s.state['step'] >= cfg.max_steps):
            break
    return losses


def end_epoch(s: Session, p: Plan, losses: list[float]) -> None:
    """Validate the EMA weights, keep the best, checkpoint, and say how it goes."""
    st = s.state
    st['epoch'] += 1
    st['elapsed'] = time.monotonic() - p.started
    metrics = validate(s.ema.model, s.val, s.images, s.spec, s.device)
    score = metrics['ap50to95'] if not math.isnan(metrics['ap50to95']) else 0.0
    if score >= st['best']:  # a tie goes to the later, longer-trained epoch
        st['best'], st['best_epoch'] = score, st['epoch']
        torch.save({'ema': s.ema.model.state_dict()}, s.work / 'best.pt')
    st['history'].append({'epoch': st['epoch'], 'loss': float(np.mean(losses)), 'ap50': metrics['ap50'], 'ap50to95': metrics['ap50to95']})
    torch.save({'model': s.model.state_dict(), 'ema': s.ema.model.state_dict(), 'ema_updates': s.ema.updates,
                'optimizer': s.optimizer.state_dict(), 'state': st, 'classes': s.classes}, s.work / 'last.pt')
    left = [(p.epochs - st['epoch']) * st['elapsed'] / st['epoch']] if p.epochs < UNLIMITED else []
    if p.budget:
        left.append(p.budget - st['elapsed'])
    emit('epoch', epoch=st['epoch'], epochs=p.epochs if p.epochs < UNLIMITED else None, loss=float(np.mean(losses)),
         ap50=metrics['ap50'], ap50to95=metrics['ap50to95'], etaSeconds=max(0.0, min(left)), elapsedSeconds=st['elapsed'])


def finish(s: Session) -> dict:
    """The best checkpoint, measured on the training images, exported, and the result written."""
    st = s.state
    best = torch.load(s.work / 'best.pt')
    s.model.load_state_dict(best['ema'])
    final_loss = fixed_loss(s.model, s.train, s.images, s.spec, s.device)
    final_train_ap = validate(s.model, s.train[:16], s.images, s.spec, s.device)
    pick = lambda m: {'ap50': m['ap50'], 'ap50to95': m['ap50to95']} if m else None  # noqa: E731
    parity = export_onnx(s.model, s.cfg.base_file, s.cfg.out_file, s.work / 'parity')
    cfg = s.cfg
    result = {
        'classes': s.classes, 'keptFromBase': s.kept, 'datasetClasses': s.names,
        'training': {'dataset': str(Path(cfg.dataset).resolve()), 'train': _summary(s.train, s.classes), 'val': _summary(s.val, s.classes),
                     'heldOut': s.held_out, 'epochs': st['epoch'], 'steps': st['step'], 'seconds': round(st['elapsed'], 1),
                     'bestEpoch': st['best_epoch'], 'batch': cfg.batch, 'freezeBackbone': cfg.freeze_backbone,
                     'replay': {'images': len(s.replay), 'fraction': cfg.replay_fraction if s.replay else 0}, 'lr': cfg.lr, 'device': cfg.device,
                     'firstEpochLoss': float(np.mean(st['first_losses'])) if st.get('first_losses') else None,
                     'lossOnTrainingImages': {'base': st['base_loss'], 'trained': final_loss},
                     'apOnTrainingImages': {'base': pick(st['base_train_ap']), 'trained': pick(final_train_ap)}, 'history': st['history']},
        'metrics': {'validation': 'held-out sources' if s.held_out else 'training images (one source: nothing held out)',
                    'base': st['base_metrics'], 'best': st['history'][st['best_epoch'] - 1] if st['best_epoch'] else None},
        'exportParity': parity,
    }
    (s.work / 'result.json').write_text(json.dumps(result, indent=2, default=lambda v: None))
    emit('done', file=cfg.out_file, result=str(s.work / 'result.json'))
    return result


def run(cfg: Config) -> dict:
    s = prepare(cfg)
    p = plan(s)
    rng = random.Random(cfg.seed + s.state['step'])
    while s.state['epoch'] < p.epochs:
        losses = train_epoch(s, p, rng)
        end_epoch(s, p, losses)
        if p.out_of_time() or (cfg.max_steps and s.state['step'] >= cfg.max_steps):
            break
    return finish(s)


def main(config_file: str) -> int:
    raw = json.loads(Path(config_file).read_text())
    try:
        run(Config(**raw))
    except (DatasetError, UnsupportedModelError) as error:
        print(f'error: {error}', file=sys.stderr)
        return 2
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1]))
