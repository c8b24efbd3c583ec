"""VDSR (Kim, Lee & Lee, "Accurate Image Super-Resolution Using Very Deep Convolutional Networks",
CVPR 2016): 20 3x3 convolutions of 64 filters on the bicubic-upsampled image, predicting the *residual*
(HR minus bicubic), which is added back -- "global residual learning"."""

from __future__ import annotations

import keras
from keras import layers


def vdsr(scale: int = 3, *, depth: int = 20, filters: int = 64, channels: int = 1) -> keras.Model:
    """VDSR with ``depth`` layers (665,921 parameters for 20 x 64 on Y). Input: bicubic-upsampled image."""
    x_in = keras.Input((None, None, channels))
    x = x_in
    for i in range(depth - 1):
        x = layers.Conv2D(
            filters, 3, padding="same", activation="relu", kernel_initializer="he_normal", name=f"conv{i + 1}"
        )(x)
    residual = layers.Conv2D(channels, 3, padding="same", name=f"conv{depth}")(x)
    return keras.Model(
        x_in, layers.Add(name="global_residual")([x_in, residual]), name=f"vdsr_{depth}x{filters}_x{scale}"
    )
