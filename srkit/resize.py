"""Image resizing that reproduces MATLAB's ``imresize``, and the interpolation family used as baselines.

Published super-resolution tables make their low-resolution (LR) inputs with MATLAB's
``imresize(HR, 1/s, 'bicubic')``. Reproducing those tables needs the same arithmetic:

* Keys' cubic kernel with a = -0.5 (Keys, "Cubic convolution interpolation for digital image
  processing", IEEE TASSP 29(6), 1981, eq. 15);
* when shrinking by a factor s, the kernel is stretched by s ("antialiasing"): h(x) = k(x/s)/s;
* output pixel i (1-based) sits at input coordinate u = i/scale + (1 - 1/scale)/2;
* taps that fall outside the image replicate the edge pixel: the indices are clamped, as in MATLAB's
  ``imresize.m`` up to at least R2013 (``indices = min(max(1, indices), in_length)``, "Clamp out-of-range
  indices; has the effect of replicating end-points"). Later MATLAB releases mirror them instead
  (``aux = [1:in_length, in_length:-1:1]``), which changes pixels near the border. srkit keeps the
  clamping; which release made a given benchmark's LR images is not known here;
* the weights of each output pixel are normalised to sum to one;
* the image is resized one dimension at a time, rows first unless the column scale is smaller,
  and uint8 images are rounded (half away from zero) back to uint8 after *each* 1-D pass.

:func:`imresize` follows those rules for ``method`` in nearest, bilinear, bicubic, lanczos2 and
lanczos3 (MATLAB's set). :func:`imresize_tf` is the same algorithm in TensorFlow for tf.data.
:func:`downscale_with` shrinks an image with another library's bicubic resizer (Pillow, TensorFlow,
scikit-image), for measuring how far each one is from MATLAB's.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from ._util import positive_int, round_to

__all__ = [
    "LIBRARIES",
    "METHODS",
    "downscale_with",
    "imresize",
    "imresize_tf",
    "integer_scale",
    "modcrop",
    "output_shape_for",
]


def _cubic(x: np.ndarray) -> np.ndarray:
    """Keys (1981) cubic convolution kernel with a = -0.5, support [-2, 2]."""
    ax = np.abs(x)
    ax2, ax3 = ax**2, ax**3
    return (1.5 * ax3 - 2.5 * ax2 + 1) * (ax <= 1) + (-0.5 * ax3 + 2.5 * ax2 - 4 * ax + 2) * ((1 < ax) & (ax <= 2))


def _box(x: np.ndarray) -> np.ndarray:
    return ((-0.5 <= x) & (x < 0.5)).astype(np.float64)


def _triangle(x: np.ndarray) -> np.ndarray:
    return (x + 1) * ((-1 <= x) & (x < 0)) + (1 - x) * ((0 <= x) & (x <= 1))


def _lanczos(a: int) -> Callable[[np.ndarray], np.ndarray]:
    def kernel(x: np.ndarray) -> np.ndarray:
        eps = np.finfo(np.float64).eps  # MATLAB's guard against 0/0 at x = 0
        return (np.sin(np.pi * x) * np.sin(np.pi * x / a) + eps) / (np.pi**2 * x**2 / a + eps) * (np.abs(x) < a)

    return kernel


#: method name -> (kernel, kernel width in input pixels, antialias by default when shrinking)
METHODS: dict[str, tuple[Callable[[np.ndarray], np.ndarray], float, bool]] = {
    "nearest": (_box, 1.0, False),
    "bilinear": (_triangle, 2.0, True),
    "bicubic": (_cubic, 4.0, True),
    "lanczos2": (_lanczos(2), 4.0, True),
    "lanczos3": (_lanczos(3), 6.0, True),
}
_ALIASES = {"lanczos": "lanczos3", "cubic": "bicubic", "linear": "bilinear", "triangle": "bilinear", "box": "nearest"}


def _method(method: str) -> tuple[Callable[[np.ndarray], np.ndarray], float, bool]:
    name = _ALIASES.get(method, method)
    if name not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {sorted(METHODS) + sorted(_ALIASES)}")
    return METHODS[name]


def _contributions(
    in_len: int, out_len: int, scale: float, method: str, antialias: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Weights (out_len x P) and 0-based input indices (out_len x P) of each output pixel, as MATLAB's
    ``contributions`` sub-function computes them."""
    kernel, width, _ = _method(method)
    if scale < 1 and antialias:
        h = lambda x: scale * kernel(scale * x)  # noqa: E731  (the stretched kernel k(x/s)/s, s = 1/scale)
        width = width / scale
    else:
        h = kernel
    u = np.arange(1, out_len + 1, dtype=np.float64) / scale + 0.5 * (1 - 1 / scale)
    left = np.floor(u - width / 2)
    indices = left[:, None] + np.arange(int(np.ceil(width)) + 2)
    weights = h(u[:, None] - indices)
    weights = weights / weights.sum(axis=1, keepdims=True)
    indices = np.clip(indices, 1, in_len).astype(np.int64) - 1  # replicate the edge pixels
    return weights, indices


def output_shape_for(shape: Sequence[int], scale: float | Sequence[float]) -> tuple[int, int]:
    """MATLAB's output size ``ceil(scale * size)``, guarded against 1/3*3 = 1.0000000000000002."""
    sh, sw = (scale, scale) if np.isscalar(scale) else scale
    return int(np.ceil(sh * shape[0] - 1e-9)), int(np.ceil(sw * shape[1] - 1e-9))


def _resize_axis(image: np.ndarray, axis: int, out_len: int, scale: float, method: str, antialias: bool) -> np.ndarray:
    weights, indices = _contributions(image.shape[axis], out_len, scale, method, antialias)
    src = np.ascontiguousarray(np.moveaxis(image.astype(np.float64, copy=False), axis, 0))
    out = np.zeros((out_len,) + src.shape[1:], dtype=np.float64)
    term = np.empty_like(out)  # one buffer for every tap: the same sums in the same order, fewer allocations
    extra = (slice(None),) + (None,) * (src.ndim - 1)
    for k in range(weights.shape[1]):
        np.take(src, indices[:, k], axis=0, out=term)
        term *= weights[:, k][extra]
        out += term
    return np.moveaxis(out, 0, axis)


def _validate(image: np.ndarray) -> np.ndarray:
    image = np.asarray(image)
    if image.ndim not in (2, 3):
        raise ValueError(f"image must be H x W or H x W x C, got shape {image.shape}")
    if image.dtype != np.uint8 and not np.issubdtype(image.dtype, np.floating):
        raise TypeError(f"image must be uint8 or float, got dtype {image.dtype}")
    if min(image.shape[:2]) < 1:
        raise ValueError(f"image is empty: shape {image.shape}")
    return image


def _plan(shape: Sequence[int], scale, output_shape) -> tuple[tuple[int, int], tuple[float, float]]:
    if (scale is None) == (output_shape is None):
        raise ValueError("give exactly one of scale= or output_shape=")
    if output_shape is not None:
        out = (int(output_shape[0]), int(output_shape[1]))
        if min(out) < 1:
            raise ValueError(f"output_shape must be positive, got {output_shape}")
        return out, (out[0] / shape[0], out[1] / shape[1])
    scales = (float(scale), float(scale)) if np.isscalar(scale) else (float(scale[0]), float(scale[1]))
    if not all(np.isfinite(s) and s > 0 for s in scales):
        raise ValueError(f"scale must be a positive number, got {scale}")
    out = output_shape_for(shape, scales)
    if min(out) < 1:
        raise ValueError(f"scale {scale} shrinks a {shape[0]}x{shape[1]} image to nothing")
    return out, scales


def imresize(
    image: np.ndarray,
    scale: float | Sequence[float] | None = None,
    *,
    output_shape: Sequence[int] | None = None,
    method: str = "bicubic",
    antialias: bool | None = None,
) -> np.ndarray:
    """Resize like MATLAB ``imresize(image, scale, method)`` (or ``imresize(image, [h w], method)``).

    Args:
        image: H x W or H x W x C, uint8 (0..255) or float (any range, not clipped).
        scale: factor (``0.25`` shrinks 4x, ``3`` enlarges 3x), or a (rows, cols) pair.
        output_shape: (H, W) of the result instead of ``scale``.
        method: ``nearest``, ``bilinear``, ``bicubic`` (default), ``lanczos2`` or ``lanczos3``.
        antialias: stretch the kernel when shrinking; MATLAB's default is on, except for nearest.

    Returns:
        The resized image, same dtype as the input (uint8 rounded after each 1-D pass, as MATLAB).
    """
    image = _validate(image)
    (out_h, out_w), (sh, sw) = _plan(image.shape, scale, output_shape)
    if antialias is None:
        antialias = _method(method)[2]
    passes = [(0, out_h, sh), (1, out_w, sw)]
    if sh > sw:
        passes.reverse()  # MATLAB resizes the dimension with the smaller scale first
    out = image
    for axis, length, s in passes:
        out = _resize_axis(out, axis, length, s, method, antialias)
        if image.dtype == np.uint8:
            out = round_to(out)
    return out if image.dtype == np.uint8 else out.astype(image.dtype)


def integer_scale(scale) -> int:
    """An SR factor as an ``int``: ``3`` and ``3.0`` give 3; ``2.5``, ``0``, ``-1``, NaN and non-numbers raise."""
    return positive_int(scale, "scale", floats=True)


def modcrop(image: np.ndarray, scale: int) -> np.ndarray:
    """Crop the bottom/right so that height and width are multiples of ``scale`` (keeps the top-left part)."""
    image = np.asarray(image)
    scale = integer_scale(scale)
    h, w = image.shape[0] - image.shape[0] % scale, image.shape[1] - image.shape[1] % scale
    if h == 0 or w == 0:
        raise ValueError(f"image of shape {image.shape[:2]} is smaller than the scale {scale}")
    return image[:h, :w]


def _weight_matrix(in_len, out_len, scale, method, antialias) -> np.ndarray:
    """Dense (out_len x in_len) float32 matrix with the contributions of :func:`imresize`."""
    weights, indices = _contributions(int(in_len), int(out_len), float(scale), method, bool(antialias))
    matrix = np.zeros((int(out_len), int(in_len)), dtype=np.float64)
    np.add.at(matrix, (np.repeat(np.arange(int(out_len)), weights.shape[1]), indices.ravel()), weights.ravel())
    return matrix.astype(np.float32)


def imresize_tf(
    image, scale: float, *, method: str = "bicubic", antialias: bool | None = None, round_uint8: bool | None = None
):
    """:func:`imresize` in TensorFlow, for tf.data pipelines (float32 arithmetic, dynamic shapes).

    ``image`` is an (H, W, C) tensor. Each 1-D pass is a matrix product with the same weights as
    :func:`imresize`; uint8 tensors are rounded after each pass. Because the sums are in float32 rather
    than float64, a uint8 result can differ from :func:`imresize` by one grey level where the exact
    value lies within ~1e-4 of a rounding boundary (measured: under 0.01 % of pixels on the bundled
    images; ``tests/test_resize.py`` checks the bound).

    ``round_uint8`` rounds (half away from zero) and clips to 0..255 after each pass (default: for uint8
    input, as MATLAB); ``False`` on a uint8 tensor keeps the passes in float and rounds and clips once at
    the end, so a uint8 result is always rounded and clipped, never truncated or wrapped.
    """
    import tensorflow as tf

    _method(method)
    if antialias is None:
        antialias = _method(method)[2]
    image = tf.convert_to_tensor(image)
    is_uint8 = image.dtype == tf.uint8
    round_uint8 = is_uint8 if round_uint8 is None else round_uint8
    x = tf.cast(image, tf.float32)
    shape = tf.shape(x)
    out_h = tf.cast(tf.math.ceil(tf.cast(shape[0], tf.float64) * scale - 1e-9), tf.int32)
    out_w = tf.cast(tf.math.ceil(tf.cast(shape[1], tf.float64) * scale - 1e-9), tf.int32)

    def matrix(in_len, out_len):
        m = tf.numpy_function(
            lambda i, o: _weight_matrix(i, o, scale, method, antialias), [in_len, out_len], tf.float32
        )
        return tf.reshape(m, [out_len, in_len])

    x = tf.einsum("oh,hwc->owc", matrix(shape[0], out_h), x)
    if round_uint8:
        x = tf.clip_by_value(tf.floor(x + 0.5), 0, 255)
    x = tf.einsum("ow,hwc->hoc", matrix(shape[1], out_w), x)
    if round_uint8 or is_uint8:  # a uint8 result always: 127.9 -> 128 (not 127) and -3 -> 0 (not 253)
        x = tf.clip_by_value(tf.floor(x + 0.5), 0, 255)
    return tf.cast(x, image.dtype)


# Other libraries' bicubic downscaling, each as it is usually called; each value says how it differs from MATLAB's.
LIBRARIES = {
    "pillow": "Pillow Image.resize(BICUBIC): antialiased, a = -0.5; its own fixed-point arithmetic and rounding",
    "tensorflow": "tf.image.resize(bicubic): antialias=False by default, so the kernel is not stretched (aliasing)",
    "tensorflow-antialias": "tf.image.resize(bicubic, antialias=True): stretched kernel, other edges, float32",
    "scikit-image": "skimage.transform.resize(order=3, anti_aliasing=True): a Gaussian blur, then cubic splines",
}


def downscale_with(image: np.ndarray, scale: int, library: str) -> np.ndarray:
    """Shrink a uint8 image (H x W or H x W x C) by the integer ``scale`` with another library's bicubic
    resizer, to ``(H // scale, W // scale)``: one of :data:`LIBRARIES`. The result is uint8, rounded half up
    as :func:`imresize` rounds; compare it with ``imresize(image, 1 / scale)`` to see what the published
    protocol would have made instead."""
    if library not in LIBRARIES:
        raise ValueError(f"unknown library {library!r}: choose one of {', '.join(LIBRARIES)}")
    scale = positive_int(scale, "scale")
    image = np.asarray(image)
    if image.dtype != np.uint8 or image.ndim not in (2, 3):
        raise ValueError(f"expected a uint8 H x W or H x W x C image, got {image.dtype} with shape {image.shape}")
    size = (image.shape[0] // scale, image.shape[1] // scale)
    if min(size) < 1:
        raise ValueError(f"a {image.shape[1]}x{image.shape[0]} image is too small to shrink {scale} times")
    if library == "pillow":
        from PIL import Image

        plane = image[..., 0] if image.ndim == 3 and image.shape[2] == 1 else image  # Pillow has no H x W x 1
        out = np.asarray(Image.fromarray(plane).resize(size[::-1], Image.Resampling.BICUBIC))
        return out.reshape(size + image.shape[2:])
    if library == "scikit-image":
        from skimage.transform import resize

        out = resize(image, size + image.shape[2:], order=3, anti_aliasing=True, preserve_range=True)
        return round_to(out)
    import tensorflow as tf

    x = image if image.ndim == 3 else image[..., None]
    out = tf.image.resize(x, size, method="bicubic", antialias=library == "tensorflow-antialias").numpy()
    out = round_to(out)
    return out if image.ndim == 3 else out[..., 0]
