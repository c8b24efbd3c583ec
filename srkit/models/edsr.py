"""EDSR (Lim, Son, Kim, Nah & Lee, "Enhanced Deep Residual Networks for Single Image Super-Resolution",
CVPRW 2017): residual blocks *without* batch normalisation (conv-ReLU-conv, scaled by ``res_scale``, plus
the input), a long skip over the body, and a sub-pixel upsampler. Baseline: 16 blocks x 64 filters."""

from __future__ import annotations

import keras
from keras import layers

from .layers import DepthToSpace, Upsample


def _res_block(x, filters: int, res_scale: float, name: str):
    y = layers.Conv2D(filters, 3, padding="same", activation="relu", name=f"{name}_conv1")(x)
    y = layers.Conv2D(filters, 3, padding="same", name=f"{name}_conv2")(y)
    if res_scale != 1:
        y = layers.Rescaling(res_scale, name=f"{name}_scale")(y)
    return layers.Add(name=f"{name}_add")([x, y])


def _upsampler(x, scale: int, filters: int):
    factors = [2, 2] if scale == 4 else [scale]  # x4 as two x2 stages, as in the paper
    for i, r in enumerate(factors):
        x = layers.Conv2D(filters * r * r, 3, padding="same", name=f"up{i + 1}_conv")(x)
        x = DepthToSpace(r, name=f"up{i + 1}_shuffle")(x)
    return x


def edsr(
    scale: int = 4,
    *,
    blocks: int = 16,
    filters: int = 64,
    res_scale: float = 1.0,
    channels: int = 3,
    bicubic_residual: bool = False,
) -> keras.Model:
    """EDSR for ``scale`` in {2, 3, 4}: baseline (16 x 64, 1,369,859 parameters at x2 on RGB) by default;
    the paper's large model is ``blocks=32, filters=256, res_scale=0.1``.

    ``bicubic_residual=True`` adds a bicubic upsampling of the input to the output, so the network only
    learns the missing detail (VDSR's global residual) -- a big help for small, CPU-trained models.
    """
    if scale not in (2, 3, 4):
        raise ValueError(f"EDSR is defined for scale 2, 3 or 4, got {scale}")
    x_in = keras.Input((None, None, channels))
    x = layers.Rescaling(1.0, offset=-0.5, name="center")(x_in)  # EDSR subtracts the data mean
    head = layers.Conv2D(filters, 3, padding="same", name="head")(x)
    x = head
    for i in range(blocks):
        x = _res_block(x, filters, res_scale, name=f"block{i + 1}")
    x = layers.Conv2D(filters, 3, padding="same", name="body_end")(x)
    x = layers.Add(name="long_skip")([head, x])
    x = _upsampler(x, scale, filters)
    x = layers.Conv2D(channels, 3, padding="same", name="tail")(x)
    if bicubic_residual:
        x = layers.Add(name="bicubic_residual")([Upsample(scale, name="bicubic")(x_in), x])
    else:
        x = layers.Rescaling(1.0, offset=0.5, name="uncenter")(x)
    return keras.Model(x_in, x, name=f"edsr_{blocks}x{filters}_x{scale}")
