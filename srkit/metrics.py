"""PSNR and SSIM with the conventions that change a number as required keyword arguments.

Every published SR table is measured the same way (see ``benchmarks/README`` of the course):
luma Y of BT.601 YCbCr (MATLAB range 16..235), ``scale`` pixels cropped from each border, one value per
image, then the mean over the set. Forgetting any of those changes the result by tenths of a dB to dB,
so :func:`psnr` and :func:`ssim` make you write ``crop_border=`` and ``y_channel=`` at every call.
:func:`gradient_wasserstein` is a perception proxy (how natural the output's gradient statistics are, not
how faithful its pixels are), with the same conventions (lesson 10).

Images are uint8 (0..255), or floats in [0, 1]; both arguments must use the same convention.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np

from ._util import separable_filter
from .color import rgb2y

__all__ = ["psnr", "ssim", "gradient_wasserstein", "mean_over_set", "prepare", "gaussian_window"]


#: A float image whose maximum exceeds this is taken to be in 0..255, not 0..1, and refused. Legitimate
#: [0, 1] images overshoot 1 only a little: the worst case of separable MATLAB bicubic (Keys, a = -0.5) on
#: an adversarial 0..1 pattern is about 1.30 (1.28 for enlarging x4), Lanczos-3's about 1.67, and Gaussian
#: noise of 30 grey levels (``degrade(kind="noise")``, unclipped for floats) reaches ~1.55 on a large bright
#: image -- so 1.5 would be too tight. A 0..255 image with a maximum under 2 grey levels is black, so 2
#: misses no real 0..255 image.
FLOAT_MAX = 2.0


def prepare(image: np.ndarray, *, crop_border: int, y_channel: bool) -> np.ndarray:
    """What is actually scored: (Y or all channels) with ``crop_border`` pixels removed, as float64 in 0..255.

    A single-channel image is its own Y (no R = G = B conversion, which would scale errors by 219/255).
    Images are gray or RGB: an alpha channel is refused rather than scored (drop it with ``image[..., :3]``).
    Float images must be in [0, 1] (a maximum above :data:`FLOAT_MAX` is refused: PSNR of 0..255 floats
    scaled by 255 again would be about -5 dB).
    """
    image = np.asarray(image)
    if image.dtype == np.uint8:
        scale = 1.0
    elif np.issubdtype(image.dtype, np.floating):
        if not np.all(np.isfinite(image)):
            raise ValueError("image contains NaN or infinite values")
        if image.size and image.max() > FLOAT_MAX:
            raise ValueError(
                f"float images must be in [0, 1], but this one reaches {float(image.max()):g} "
                "(0..255 values?): pass uint8 images, or divide float ones by 255"
            )
        scale = 255.0
    else:
        raise TypeError(f"images must be uint8 (0..255) or float (0..1), got dtype {image.dtype}")
    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    if image.ndim not in (2, 3):
        raise ValueError(f"image must be H x W or H x W x C, got shape {image.shape}")
    if image.ndim == 3 and image.shape[-1] != 3:  # alpha (RGBA, gray + alpha) is not part of the picture
        raise ValueError(
            f"images must be gray (H x W) or RGB (H x W x 3), got shape {image.shape}; "
            "drop an alpha channel first (image[..., :3] or srkit.data.as_rgb)"
        )
    if y_channel and image.ndim == 3:
        image = rgb2y(image)  # uint8 -> rounded uint8 Y, as MATLAB; float -> float Y in [0, 1]
    image = image.astype(np.float64) * scale
    crop_border = int(crop_border)
    if crop_border < 0:
        raise ValueError(f"crop_border must be >= 0, got {crop_border}")
    if crop_border:
        if min(image.shape[:2]) <= 2 * crop_border:
            raise ValueError(f"crop_border={crop_border} leaves nothing of a {image.shape[0]}x{image.shape[1]} image")
        image = image[crop_border:-crop_border, crop_border:-crop_border]
    return image


def _check_pair(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        raise ValueError(f"images must have the same shape, got {a.shape} and {b.shape}")
    if (a.dtype == np.uint8) != (b.dtype == np.uint8):
        raise TypeError(f"compare uint8 with uint8 or float with float, got {a.dtype} and {b.dtype}")
    return a, b


def _pair(a: np.ndarray, b: np.ndarray, crop_border: int, y_channel: bool) -> tuple[np.ndarray, np.ndarray]:
    a, b = _check_pair(a, b)
    return prepare(a, crop_border=crop_border, y_channel=y_channel), prepare(
        b, crop_border=crop_border, y_channel=y_channel
    )


def psnr(reference: np.ndarray, test: np.ndarray, *, crop_border: int, y_channel: bool) -> float:
    """Peak signal-to-noise ratio in dB: 10 log10(255^2 / MSE) on the prepared images.

    Returns ``inf`` for identical images.
    """
    return _psnr(*_pair(reference, test, crop_border, y_channel))


def _psnr(x: np.ndarray, y: np.ndarray) -> float:
    """:func:`psnr` of two prepared images."""
    mse = np.mean((x - y) ** 2)
    return float("inf") if mse == 0 else float(10 * np.log10(255.0**2 / mse))


def gaussian_window(size: int = 11, sigma: float = 1.5) -> np.ndarray:
    """Normalised 1-D Gaussian of ``size`` taps (MATLAB ``fspecial('gaussian')`` is its outer product)."""
    x = np.arange(size) - (size - 1) / 2
    g = np.exp(-(x**2) / (2 * sigma**2))
    return g / g.sum()


def _filter_valid(image: np.ndarray, window: np.ndarray) -> np.ndarray:
    """Separable correlation keeping only the 'valid' region (no padding enters the result)."""
    r = len(window) // 2
    return separable_filter(image, window)[r:-r, r:-r]


def _local_statistics(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The local mean and variance of one 2-D prepared image under SSIM's window ('valid' region)."""
    w = gaussian_window()
    if min(x.shape) < len(w):
        raise ValueError(f"SSIM needs images of at least 11x11 after cropping, got {x.shape}")
    mu = _filter_valid(x, w)
    return mu, _filter_valid(x * x, w) - mu**2


def _ssim_2d(x: np.ndarray, y: np.ndarray, x_statistics: tuple | None = None) -> float:
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    mu_x, sxx = x_statistics if x_statistics is not None else _local_statistics(x)
    mu_y, syy = _local_statistics(y)
    sxy = _filter_valid(x * y, gaussian_window()) - mu_x * mu_y
    ssim_map = ((2 * mu_x * mu_y + c1) * (2 * sxy + c2)) / ((mu_x**2 + mu_y**2 + c1) * (sxx + syy + c2))
    return float(ssim_map.mean())


def ssim(reference: np.ndarray, test: np.ndarray, *, crop_border: int, y_channel: bool) -> float:
    """Structural similarity (Wang, Bovik, Sheikh & Simoncelli, IEEE TIP 13(4), 2004, eq. 13).

    Gaussian window 11x11 with sigma 1.5, K1 = 0.01, K2 = 0.03, L = 255, statistics of the 'valid'
    region only (as the authors' ``ssim_index.m``); for colour images without ``y_channel`` the mean of
    the per-channel SSIMs.
    """
    return _ssim(*_pair(reference, test, crop_border, y_channel))


def _ssim(x: np.ndarray, y: np.ndarray, x_statistics: list | None = None) -> float:
    """:func:`ssim` of two prepared images; ``x_statistics``: :func:`_reference_statistics` of ``x``, if known."""
    if x.ndim == 2:
        return _ssim_2d(x, y, None if x_statistics is None else x_statistics[0])
    return float(
        np.mean(
            [
                _ssim_2d(x[..., c], y[..., c], None if x_statistics is None else x_statistics[c])
                for c in range(x.shape[-1])
            ]
        )
    )


def _reference_statistics(x: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """:func:`_local_statistics` of each channel of a prepared image (one for a 2-D image): what :func:`ssim`
    computes of the reference alone, for a caller that scores many images against the same reference."""
    return [_local_statistics(x)] if x.ndim == 2 else [_local_statistics(x[..., c]) for c in range(x.shape[-1])]


def _gradient_magnitudes(image: np.ndarray) -> np.ndarray:
    """|grad| from forward differences on the common (H-1) x (W-1) grid, sorted (one 2-D channel)."""
    dx = image[:-1, 1:] - image[:-1, :-1]
    dy = image[1:, :-1] - image[:-1, :-1]
    return np.sort(np.hypot(dx, dy).ravel())


def gradient_wasserstein(reference: np.ndarray, test: np.ndarray, *, crop_border: int, y_channel: bool) -> float:
    """A perception proxy: how far the *distribution* of ``test``'s gradient magnitudes is from ``reference``'s.

    The Wasserstein-1 (earth mover's) distance, in grey levels per pixel, between the empirical distributions
    of the gradient magnitudes (forward differences) of the two prepared images: with equally many values,
    the mean absolute difference of the sorted values. Blau & Michaeli (*The Perception-Distortion
    Tradeoff*, CVPR 2018) define perceptual quality as a divergence between the distribution of an
    estimator's outputs and that of natural images; this is a crude, computable instance of that idea for
    one image and one statistic. Natural images have heavy-tailed gradient distributions (Field, JOSA A 1987;
    Simoncelli & Olshausen, Annu. Rev. Neurosci. 2001): a blurred image lacks the large gradients, a noisy
    one has too many, and both move away from 0 (0: the same statistics as the reference).

    Limits: it ignores *where* the gradients are (an image shifted by a pixel, or texture in the wrong place,
    scores near 0: it does not measure fidelity, PSNR does); it needs the reference image (NIQE does not);
    and it is not validated against human opinion scores (LPIPS, Zhang et al., CVPR 2018, is). Colour images
    without ``y_channel``: the mean over channels.
    """
    x, y = _pair(reference, test, crop_border, y_channel)
    if min(x.shape[:2]) < 2:
        raise ValueError(f"gradients need images of at least 2x2 after cropping, got {x.shape[:2]}")
    x, y = (x, y) if x.ndim == 3 else (x[..., None], y[..., None])
    return float(
        np.mean(
            [
                np.mean(np.abs(_gradient_magnitudes(x[..., c]) - _gradient_magnitudes(y[..., c])))
                for c in range(x.shape[-1])
            ]
        )
    )


def mean_over_set(
    metric: Callable[..., float], references: Iterable[np.ndarray], tests: Iterable[np.ndarray], **conventions
) -> tuple[float, list[float]]:
    """Per-image values of ``metric`` and their mean, the way tables average over a set.

    (Not the PSNR of the pooled MSE, which weights large images more and is a different number.)
    """
    values = [metric(r, t, **conventions) for r, t in zip(references, tests, strict=True)]
    if not values:
        raise ValueError("no images to score")
    return float(np.mean(values)), values
