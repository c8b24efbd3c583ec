"""SRCNN (Dong, Loy, He & Tang, "Image Super-Resolution Using Deep Convolutional Networks", ECCV 2014 /
TPAMI 2016): patch extraction (f1 x f1, n1 filters), non-linear mapping (f2 x f2, n2), reconstruction
(f3 x f3). Input: the bicubic-upsampled LR image (same size as the output); on Y by default."""

from __future__ import annotations

import keras
from keras import layers


def srcnn(
    scale: int = 3, *, f1: int = 9, f2: int = 1, f3: int = 5, n1: int = 64, n2: int = 32, channels: int = 1
) -> keras.Model:
    """SRCNN 9-1-5 by default (8,129 parameters on one channel); ``f2=5`` gives 9-5-5 (57,281).

    ``scale`` does not change the network (it sees pre-upsampled input); it is kept in the name.
    """
    x_in = keras.Input((None, None, channels))
    x = layers.Conv2D(n1, f1, padding="same", activation="relu", name="extract")(x_in)
    x = layers.Conv2D(n2, f2, padding="same", activation="relu", name="map")(x)
    x = layers.Conv2D(channels, f3, padding="same", name="reconstruct")(x)
    return keras.Model(x_in, x, name=f"srcnn_{f1}{f2}{f3}_x{scale}")
