"""Colour spaces: RGB <-> YCbCr exactly as MATLAB's ``rgb2ycbcr`` / ``ycbcr2rgb``.

Super-resolution papers since SRCNN (Dong et al., 2014) train and score on the luma channel Y of
ITU-R BT.601 YCbCr in "studio swing" (MATLAB's convention): for R, G, B in [0, 1],

    Y  =  16 + ( 65.481 R + 128.553 G +  24.966 B)
    Cb = 128 + (-37.797 R -  74.203 G + 112.000 B)
    Cr = 128 + (112.000 R -  93.786 G -  18.214 B)

so Y lies in [16, 235] and Cb, Cr in [16, 240]. For uint8 images MATLAB rounds the result to uint8;
for floating-point images in [0, 1] it returns floats divided by 255 (Y in [16/255, 235/255]).
The functions below follow that rule exactly: the dtype of the input decides the dtype of the output.
"""

from __future__ import annotations

import numpy as np

from ._util import round_to

__all__ = ["RGB2YCBCR", "YCBCR_OFFSET", "rgb2ycbcr", "ycbcr2rgb", "rgb2y", "to_y", "rgb2ycbcr_tf", "ycbcr2rgb_tf"]

#: BT.601 matrix (rows Y, Cb, Cr) acting on RGB in [0, 1] and giving values in [0, 255].
RGB2YCBCR = np.array(
    [[65.481, 128.553, 24.966], [-37.797, -74.203, 112.0], [112.0, -93.786, -18.214]],
    dtype=np.float64,
)
#: Offsets added after the matrix, in the 0..255 scale.
YCBCR_OFFSET = np.array([16.0, 128.0, 128.0], dtype=np.float64)


def _check_rgb(image: np.ndarray, name: str = "image") -> np.ndarray:
    image = np.asarray(image)
    if image.ndim != 3 or image.shape[-1] != 3:
        raise ValueError(f"{name} must be an H x W x 3 array, got shape {image.shape}")
    if image.dtype != np.uint8 and not np.issubdtype(image.dtype, np.floating):
        raise TypeError(f"{name} must be uint8 (0..255) or float (0..1), got dtype {image.dtype}")
    return image


def _linear(image: np.ndarray, row: int) -> np.ndarray:
    """Channel ``row`` of the transform in 0..255 scale, summed in a fixed order (so Y is bit-identical
    whether computed alone or with Cb and Cr)."""
    rgb = image.astype(np.float64) / 255.0 if image.dtype == np.uint8 else image.astype(np.float64)
    m = RGB2YCBCR[row]
    return m[0] * rgb[..., 0] + m[1] * rgb[..., 1] + m[2] * rgb[..., 2] + YCBCR_OFFSET[row]


def rgb2ycbcr(image: np.ndarray) -> np.ndarray:
    """RGB -> YCbCr (BT.601, studio swing), as MATLAB ``rgb2ycbcr``.

    uint8 in -> uint8 out (rounded); float in [0, 1] -> float64 out in [0, 1] (Y in [16/255, 235/255]).
    """
    image = _check_rgb(image)
    ycc = np.stack([_linear(image, row) for row in range(3)], axis=-1)
    return round_to(ycc) if image.dtype == np.uint8 else ycc / 255.0


def ycbcr2rgb(image: np.ndarray) -> np.ndarray:
    """YCbCr (BT.601, studio swing) -> RGB, as MATLAB ``ycbcr2rgb``.

    uint8 in -> uint8 out (rounded and clipped to 0..255); float in -> float64 out clipped to [0, 1], as
    MATLAB's ``ycbcr2rgb.m`` does for double (``rgb = min(max(rgb, 0.0), 1.0)``): YCbCr triples outside
    the RGB cube (e.g. bicubic-enlarged Cb, Cr) would otherwise give negative or > 1 RGB values.
    """
    image = _check_rgb(image, "YCbCr image")
    ycc = image.astype(np.float64) if image.dtype == np.uint8 else image.astype(np.float64) * 255.0
    rgb = (ycc - YCBCR_OFFSET) @ np.linalg.inv(RGB2YCBCR).T
    return round_to(rgb * 255.0) if image.dtype == np.uint8 else np.clip(rgb, 0.0, 1.0)


def rgb2y(image: np.ndarray) -> np.ndarray:
    """The Y channel of :func:`rgb2ycbcr` only (H x W), with the same dtype rule."""
    image = _check_rgb(image)
    y = _linear(image, 0)
    return round_to(y) if image.dtype == np.uint8 else y / 255.0


def to_y(image: np.ndarray) -> np.ndarray:
    """Luma for scoring: Y of an RGB image, or a single-channel image used as Y directly.

    A gray image is *not* converted to R = G = B first: that would scale its error by 219/255
    and inflate PSNR by 20 log10(255/219) = 1.32 dB (a pitfall of some evaluation scripts).
    """
    image = np.asarray(image)
    if image.ndim == 2:
        return image
    if image.ndim == 3 and image.shape[-1] == 1:
        return image[..., 0]
    return rgb2y(image)


def rgb2ycbcr_tf(image):
    """TensorFlow version of :func:`rgb2ycbcr` for float tensors in [0, 1] (..., 3); usable in tf.data
    and inside models. No rounding: it matches the float branch of the numpy version."""
    import tensorflow as tf

    image = tf.convert_to_tensor(image)
    m = tf.constant(RGB2YCBCR.T / 255.0, dtype=image.dtype)
    return tf.tensordot(image, m, axes=1) + tf.constant(YCBCR_OFFSET / 255.0, dtype=image.dtype)


def ycbcr2rgb_tf(image):
    """TensorFlow version of :func:`ycbcr2rgb` for float tensors in [0, 1] (..., 3).

    Not clipped (unlike :func:`ycbcr2rgb`), so that gradients pass through it inside a model."""
    import tensorflow as tf

    image = tf.convert_to_tensor(image)
    m = tf.constant(np.linalg.inv(RGB2YCBCR).T * 255.0, dtype=image.dtype)
    return tf.tensordot(image - tf.constant(YCBCR_OFFSET / 255.0, dtype=image.dtype), m, axes=1)
