"""Small registered Keras layers used by the SR models (instead of ``Lambda``, which breaks ``safe_mode``)."""

from __future__ import annotations

import keras
import numpy as np
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


def bicubic_phase_kernels(scale: int) -> tuple[np.ndarray, int]:
    """1-D weights of MATLAB-bicubic enlargement by an integer ``scale``: row k holds the taps of output
    phase k (output pixel s*m + k reads input pixels m + offset), and the smallest offset."""
    from ..resize import _contributions

    n = 32
    weights, indices = _contributions(n, n * scale, scale, "bicubic", True)
    m = n // 2
    taps = [
        {int(i) - m: float(w) for i, w in zip(indices[m * scale + k], weights[m * scale + k]) if w != 0}
        for k in range(scale)
    ]
    lo, hi = min(min(t) for t in taps), max(max(t) for t in taps)
    kernels = np.zeros((scale, hi - lo + 1))
    for k, t in enumerate(taps):
        for offset, w in t.items():
            kernels[k, offset - lo] += w
    return kernels, lo


@keras.saving.register_keras_serializable(package="srkit")
class Upsample(keras.layers.Layer):
    """Fixed (not learned) bicubic enlargement by an integer ``scale``, identical to srkit's MATLAB-exact
    ``imresize`` (edge pixels replicated): one convolution with the s^2 phase kernels, then a sub-pixel
    shuffle. Used for global residuals over bicubic. Plain convolutions, so it compiles with XLA and
    exports to TFLite (``tf.image.resize``'s bicubic gradient does neither)."""

    def __init__(self, scale: int, **kwargs):
        super().__init__(**kwargs)
        self.scale = int(scale)
        k1, self.low = bicubic_phase_kernels(self.scale)
        self.taps = k1.shape[1]
        self._k1 = k1

    def build(self, input_shape):
        c, s, t = int(input_shape[-1]), self.scale, self.taps
        kernel = np.zeros((t, t, c, c * s * s), dtype="float32")
        for i in range(s):
            for j in range(s):
                for ch in range(c):
                    kernel[:, :, ch, (i * s + j) * c + ch] = np.outer(self._k1[i], self._k1[j])
        self.kernel = self.add_weight(
            shape=kernel.shape, initializer=keras.initializers.Constant(kernel), trainable=False, name="kernel"
        )

    def _replicate(self, x, axis):
        before, after = -self.low, self.taps - 1 + self.low
        first = ops.take(x, [0], axis=axis)
        last = ops.take(x, [ops.shape(x)[axis] - 1], axis=axis)
        return ops.concatenate([first] * before + [x] + [last] * after, axis=axis)

    def call(self, x):
        x = self._replicate(self._replicate(x, 1), 2)
        y = ops.conv(x, ops.cast(self.kernel, x.dtype), padding="valid")
        return ops.depth_to_space(y, self.scale, data_format="channels_last")

    def compute_output_shape(self, shape):
        s = self.scale
        return (
            shape[0],
            None if shape[1] is None else shape[1] * s,
            None if shape[2] is None else shape[2] * s,
            shape[3],
        )

    def get_config(self):
        return {**super().get_config(), "scale": self.scale}


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
        # depth_to_space (TF/Keras order) sends channel k*C + c to output channel c at sub-position k,
        # so the C base filters are tiled r^2 times (not repeated filter by filter, which is PyTorch's order)
        return ops.tile(base, [1, 1, 1, r2])

    def get_config(self):
        return {"scale": self.scale, "initializer": self.initializer}
