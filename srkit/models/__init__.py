"""SR model architectures, one short file each (Keras functional API, no ``Lambda`` layers).

``build(name, scale=..., **hyperparameters)`` returns a Keras model; :data:`REGISTRY` says, for each name,
the builder, its defaults, the colour space it works in (``y`` or ``rgb``) and whether it expects a
bicubic-upsampled input (``pre_upsampled``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import keras

from .edsr import edsr
from .espcn import espcn
from .fsrcnn import fsrcnn
from .layers import ICNR, DepthToSpace, Upsample
from .srcnn import srcnn
from .unet import CropLike, PadToMultiple, unet
from .vdsr import vdsr

__all__ = ["Architecture", "REGISTRY", "build", "names", "count_params", "srcnn", "fsrcnn", "espcn", "vdsr",
           "edsr", "unet", "DepthToSpace", "Upsample", "ICNR", "PadToMultiple", "CropLike"]


@dataclass(frozen=True)
class Architecture:
    builder: Callable[..., keras.Model]
    color: str                      # "y" (luma only) or "rgb"
    pre_upsampled: bool             # input is the bicubic-upsampled LR image
    defaults: dict = field(default_factory=dict)
    paper: str = ""


REGISTRY: dict[str, Architecture] = {
    "srcnn-915": Architecture(srcnn, "y", True, dict(f2=1), "Dong et al., ECCV 2014"),
    "srcnn-955": Architecture(srcnn, "y", True, dict(f2=5), "Dong et al., TPAMI 2016"),
    "fsrcnn": Architecture(fsrcnn, "y", False, dict(d=56, s=12, m=4), "Dong, Loy & Tang, ECCV 2016"),
    "fsrcnn-s": Architecture(fsrcnn, "y", False, dict(d=32, s=5, m=1), "Dong, Loy & Tang, ECCV 2016"),
    "espcn": Architecture(espcn, "y", False, {}, "Shi et al., CVPR 2016"),
    "vdsr": Architecture(vdsr, "y", True, {}, "Kim, Lee & Lee, CVPR 2016"),
    "edsr-baseline": Architecture(edsr, "rgb", False, dict(blocks=16, filters=64), "Lim et al., CVPRW 2017"),
    "edsr-small": Architecture(edsr, "y", False, dict(blocks=8, filters=32, channels=1, bicubic_residual=True),
                               "EDSR blocks, CPU-sized, global residual over bicubic (this course)"),
    "unet": Architecture(unet, "y", False, dict(filters=16, levels=2), "Ronneberger et al., MICCAI 2015, for SR"),
}


def names() -> list[str]:
    return sorted(REGISTRY)


def build(name: str, *, scale: int, **hyperparameters) -> keras.Model:
    """Build architecture ``name`` for ``scale`` (2, 3 or 4); keyword arguments override its defaults."""
    if name not in REGISTRY:
        raise ValueError(f"unknown model {name!r}; choose one of {names()}")
    if scale not in (2, 3, 4):
        raise ValueError(f"scale must be 2, 3 or 4, got {scale!r}")
    arch = REGISTRY[name]
    return arch.builder(scale, **{**arch.defaults, **hyperparameters})


def count_params(model: keras.Model, *, biases: bool = True) -> int:
    """Trainable parameters; ``biases=False`` counts convolution kernels only (as FSRCNN's paper does)."""
    total = 0
    for w in model.trainable_weights:
        if not biases and ("bias" in w.path or "alpha" in w.path):
            continue
        total += int(w.numpy().size)
    return total
