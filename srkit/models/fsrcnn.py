"""FSRCNN (Dong, Loy & Tang, "Accelerating the Super-Resolution Convolutional Neural Network", ECCV 2016):
works on the LR image and upsamples at the end with a transposed convolution. Layers: feature extraction
5x5 (d), shrinking 1x1 (s), m mapping layers 3x3 (s), expanding 1x1 (d), deconvolution 9x9 with stride
``scale``; PReLU after every layer but the last. FSRCNN is (d, s, m) = (56, 12, 4); FSRCNN-s (32, 5, 1)."""

from __future__ import annotations

import keras
from keras import layers


def fsrcnn(scale: int = 3, *, d: int = 56, s: int = 12, m: int = 4, channels: int = 1) -> keras.Model:
    """FSRCNN(d, s, m) for ``scale``; weights (without biases/PReLU) 12,464 for (56, 12, 4), 3,937 for (32, 5, 1)."""

    def conv_prelu(x, filters: int, size: int, name: str):
        # named, so that fine-tuning (srkit.pretrained.transfer, by layer name) finds every PReLU's slopes
        x = layers.Conv2D(filters, size, padding="same", name=name)(x)
        return layers.PReLU(shared_axes=[1, 2], name=f"{name}_prelu")(x)

    x_in = keras.Input((None, None, channels))
    x = conv_prelu(x_in, d, 5, "extract")
    x = conv_prelu(x, s, 1, "shrink")
    for i in range(m):
        x = conv_prelu(x, s, 3, f"map{i + 1}")
    x = conv_prelu(x, d, 1, "expand")
    x = layers.Conv2DTranspose(
        channels,
        9,
        strides=scale,
        padding="same",
        name="deconv",
        kernel_initializer=keras.initializers.RandomNormal(stddev=0.001),
    )(x)
    return keras.Model(x_in, x, name=f"fsrcnn_{d}_{s}_{m}_x{scale}")
