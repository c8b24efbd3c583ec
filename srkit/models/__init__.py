"""SR model architectures, one short file each (Keras functional API, no ``Lambda`` layers).

``build(name, scale=..., **hyperparameters)`` returns a Keras model; :data:`REGISTRY` says, for each name,
the builder, its defaults, the colour space it works in (``y`` or ``rgb``) and whether it expects a
bicubic-upsampled input (``pre_upsampled``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import keras

from .edsr import edsr
from .espcn import espcn
from .fsrcnn import fsrcnn
from .layers import ICNR, DepthToSpace, Upsample
from .srcnn import srcnn
from .unet import CropLike, PadToMultiple, unet
from .vdsr import vdsr

__all__ = [
    "Architecture",
    "REGISTRY",
    "build",
    "names",
    "count_params",
    "count_macs",
    "srcnn",
    "fsrcnn",
    "espcn",
    "vdsr",
    "edsr",
    "unet",
    "DepthToSpace",
    "Upsample",
    "ICNR",
    "PadToMultiple",
    "CropLike",
]


@dataclass(frozen=True)
class Architecture:
    builder: Callable[..., keras.Model]
    color: str  # "y" (luma only) or "rgb"
    pre_upsampled: bool  # input is the bicubic-upsampled LR image
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
    "edsr-small": Architecture(
        edsr,
        "y",
        False,
        dict(blocks=8, filters=32, channels=1, bicubic_residual=True),
        "EDSR blocks, CPU-sized, global residual over bicubic (this course)",
    ),
    "edsr-medium": Architecture(
        edsr,
        "y",
        False,
        dict(blocks=16, filters=64, channels=1, bicubic_residual=True),
        "EDSR-baseline's body (16 x 64) on Y, global residual over bicubic (this course)",
    ),
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


def count_macs(model: keras.Model, input_shape: tuple[int, int], channels: int | None = None) -> int:
    """Multiply-accumulates of the convolutions (and transposed convolutions) for one input image of
    ``input_shape`` (H, W): per layer, output pixels x kernel height x width x input channels x filters
    (a transposed convolution: input pixels x the same). Biases and activations are not counted.

    The usual cost measure of SR papers (e.g. FSRCNN, Dong et al. 2016, sec. 3.3, counts it per LR image).
    """
    import numpy as np

    convs = [layer for layer in model.layers if isinstance(layer, (keras.layers.Conv2D, keras.layers.Conv2DTranspose))]
    if not convs:
        return 0
    probe = keras.Model(model.inputs[0], [layer.input for layer in convs] + [layer.output for layer in convs])
    c = channels or model.inputs[0].shape[-1]
    shapes = [t.shape for t in probe(np.zeros((1, *input_shape, c), dtype="float32"))]
    total = 0
    for layer, s_in, s_out in zip(convs, shapes[: len(convs)], shapes[len(convs) :]):
        kh, kw = layer.kernel_size
        pixels = s_in[1] * s_in[2] if isinstance(layer, keras.layers.Conv2DTranspose) else s_out[1] * s_out[2]
        total += int(pixels) * kh * kw * int(s_in[-1]) * int(s_out[-1])
    return total
