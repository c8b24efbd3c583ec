"""Small registered Keras layers used by the SR models (instead of ``Lambda``, which breaks ``safe_mode``)."""
from __future__ import annotations

import keras
from keras import ops

__all__ = ["DepthToSpace", "Upsample", "ICNR"]


@keras.saving.register_keras_serializable(package="srkit")
class DepthToSpace(keras.layers.Layer):
    """Sub-pixel shuffle (Shi et al., ESPCN, CVPR 2016, eq. 4): (H, W, C r^2) -> (rH, rW, C)."""

    def __init__(self, block_size: int, **kwargs):
        super().__init__(**kwargs)
        self.block_size = int(block_size)

    def call(self, x):
        return ops.depth_to_space(x, self.block_size, data_format="channels_last")

    def compute_output_shape(self, shape):
        r = self.block_size
        h = None if shape[1] is None else shape[1] * r
        w = None if shape[2] is None else shape[2] * r
        return (shape[0], h, w, shape[3] // (r * r))

    def get_config(self):
        return {**super().get_config(), "block_size": self.block_size}


@keras.saving.register_keras_serializable(package="srkit")
class Upsample(keras.layers.Layer):
    """Fixed (not learned) interpolation by an integer ``scale``, for global residuals over bicubic and
    for resize-then-convolve upsampling. TF's bicubic kernel (Keys, a = -0.5, half-pixel centres) is the
    same as MATLAB's when enlarging; it differs only in the outermost pixels."""

    def __init__(self, scale: int, method: str = "bicubic", **kwargs):
        super().__init__(**kwargs)
        self.scale = int(scale)
        self.method = method

    def call(self, x):
        shape = ops.shape(x)
        return ops.image.resize(x, (shape[1] * self.scale, shape[2] * self.scale), interpolation=self.method,
                                antialias=False)

    def compute_output_shape(self, shape):
        s = self.scale
        return (shape[0], None if shape[1] is None else shape[1] * s, None if shape[2] is None else shape[2] * s, shape[3])

    def get_config(self):
        return {**super().get_config(), "scale": self.scale, "method": self.method}


@keras.saving.register_keras_serializable(package="srkit")
class ICNR(keras.initializers.Initializer):
    """ICNR initialisation for a convolution feeding a sub-pixel shuffle (Aitken et al., "Checkerboard
    artifact free sub-pixel convolution", arXiv:1707.02937, 2017): initialise one sub-kernel and repeat it
    for the r^2 sub-pixel positions, so the shuffled output starts as a nearest-neighbour upsampling and has
    no checkerboard pattern."""

    def __init__(self, scale: int, initializer: str = "glorot_uniform"):
        self.scale = int(scale)
        self.initializer = initializer

    def __call__(self, shape, dtype=None):
        kh, kw, cin, cout = shape
        r2 = self.scale**2
        base = keras.initializers.get(self.initializer)((kh, kw, cin, cout // r2), dtype=dtype)
        return ops.repeat(base, r2, axis=3)  # channel c*r2 + k  -> output channel c, sub-position k

    def get_config(self):
        return {"scale": self.scale, "initializer": self.initializer}
