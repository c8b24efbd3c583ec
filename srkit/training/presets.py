"""Named presets: a model, its scale and how to train it (steps per budget, patches, loss, clipping)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Preset:
    """A model, its scale and how to train it; ``steps`` per budget (quick / cpu / gpu)."""

    model: str
    scale: int
    steps: dict
    hyperparameters: dict = field(default_factory=dict)
    lr_patch: int = 16  # LR patch size (HR = lr_patch * scale)
    batch_size: int = 16
    learning_rate: float = 1e-3
    loss: str = "l1"  # "l1" or "l2"
    clipnorm: float | None = None  # gradient clipping (the optimizer's clipnorm), e.g. VDSR's high learning rate
    epochs: int = 10  # validation points per run (steps are split evenly)

    @property
    def keras_loss(self) -> str:
        return {"l1": "mae", "l2": "mse"}[self.loss]


# steps per budget: quick (CI, seconds), cpu (a few minutes on 2 cores), gpu (a Colab GPU session)
_BASE = {
    "srcnn": dict(model="srcnn-915", steps=dict(quick=40, cpu=6_000, gpu=100_000), lr_patch=11, loss="l2"),
    "srcnn-955": dict(model="srcnn-955", steps=dict(quick=40, cpu=4_000, gpu=100_000), lr_patch=11, loss="l2"),
    "fsrcnn": dict(model="fsrcnn", steps=dict(quick=40, cpu=8_000, gpu=100_000), loss="l2"),
    "fsrcnn-s": dict(model="fsrcnn-s", steps=dict(quick=40, cpu=10_000, gpu=100_000), loss="l2"),
    # ReLU instead of the paper's tanh (why, measured: srkit.models.espcn and MODEL_CARD.md)
    "espcn": dict(
        model="espcn", steps=dict(quick=40, cpu=15_000, gpu=100_000), loss="l2", hyperparameters=dict(activation="relu")
    ),
    # gradient clipping, as VDSR (Kim et al., CVPR 2016) trains with a high learning rate
    "vdsr": dict(
        model="vdsr", steps=dict(quick=20, cpu=1_000, gpu=60_000), lr_patch=14, learning_rate=1e-4, clipnorm=1.0
    ),
    "edsr-small": dict(model="edsr-small", steps=dict(quick=20, cpu=3_000, gpu=100_000), lr_patch=24),
    # trained with --precision mixed_bfloat16 on a CPU with AMX (4.7x faster than float32 here)
    "edsr-medium": dict(
        model="edsr-medium", steps=dict(quick=10, cpu=1_000, gpu=100_000), lr_patch=24, learning_rate=5e-4
    ),
    "unet": dict(model="unet", steps=dict(quick=20, cpu=3_000, gpu=100_000), lr_patch=24),
    "edsr-baseline": dict(
        model="edsr-baseline", steps=dict(quick=10, cpu=300, gpu=100_000), lr_patch=24, learning_rate=1e-4
    ),
}
PRESETS: dict[str, Preset] = {
    f"{name}-x{s}": Preset(scale=s, **base) for name, base in _BASE.items() for s in (2, 3, 4)
}


def preset(name: str) -> Preset:
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; choose one of {sorted(PRESETS)}")
    return PRESETS[name]
