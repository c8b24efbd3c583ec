"""Degradations (HR -> LR) and LR/HR pairs, with the shrunk and shifted copies used for augmentation."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping

import numpy as np

from .._util import NonFiniteError, round_to, separable_filter
from ..metrics import gaussian_window
from ..resize import imresize, integer_scale, modcrop


def to_float(image: np.ndarray) -> np.ndarray:
    """uint8 0..255 -> float32 0..1."""
    return np.asarray(image, dtype=np.float32) / 255.0


def to_uint8(image: np.ndarray) -> np.ndarray:
    """float 0..1 -> uint8, clipped and rounded (half away from zero, as MATLAB's im2uint8).

    NaN and infinite values raise ``srkit._util.NonFiniteError`` (a ``ValueError``) instead of becoming 0 or 255
    (MATLAB's im2uint8 maps NaN to 0), which would hide a diverged model behind a plausible picture and PSNR.
    """
    x = np.asarray(image, dtype=np.float64)
    bad = ~np.isfinite(x)
    if bad.any():
        raise NonFiniteError(
            f"image contains NaN or infinite values ({int(bad.sum())} of {x.size}): "
            "refusing to turn them into pixels (a diverged model?)"
        )
    return round_to(x * 255.0)


def _gaussian_blur(image: np.ndarray, size: int, sigma: float) -> np.ndarray:
    """MATLAB ``imfilter(image, fspecial('gaussian', size, sigma), 'replicate')``."""
    return separable_filter(image.astype(np.float64), gaussian_window(size, sigma))


def jpeg(image: np.ndarray, quality: int) -> np.ndarray:
    """Encode as baseline JPEG at ``quality`` (1..95, Pillow/libjpeg scale) and decode again, in memory.

    uint8 in -> uint8 out; float (0..1) in -> float32 out (rounded to 8 bits first: JPEG stores 8 bits).
    Gray (H x W or H x W x 1) and RGB are supported.
    """
    import io

    from PIL import Image

    image = np.asarray(image)
    if not 1 <= int(quality) <= 95:
        raise ValueError(f"JPEG quality must be in 1..95, got {quality}")
    if image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] not in (1, 3)):
        raise ValueError(f"JPEG needs a gray or RGB image, got shape {image.shape}")
    is_uint8 = image.dtype == np.uint8
    pixels = image if is_uint8 else to_uint8(image)
    squeeze = pixels.ndim == 3 and pixels.shape[2] == 1
    buffer = io.BytesIO()
    Image.fromarray(pixels[..., 0] if squeeze else pixels).save(buffer, format="JPEG", quality=int(quality))
    out = np.asarray(Image.open(io.BytesIO(buffer.getvalue())).convert("L" if pixels.ndim == 2 or squeeze else "RGB"))
    out = out[..., None] if squeeze else out
    return out if is_uint8 else (out / 255.0).astype(np.float32)


def degrade(
    hr: np.ndarray,
    scale: int,
    *,
    kind: str = "bicubic",
    blur_sigma: float | None = None,
    noise_sigma: float | None = None,
    jpeg_quality: int = 40,
    seed: int | None = 0,
) -> np.ndarray:
    """Make the LR image of a (modcropped) HR image with a named degradation.

    ``bicubic``   (BI) MATLAB ``imresize(hr, 1/scale, 'bicubic')`` -- the standard benchmark degradation;
    ``bicubic-noaa`` bicubic *without* antialiasing (the kernel is not stretched when shrinking, as OpenCV's
                  ``INTER_CUBIC`` and many training scripts did): aliased LR, the wrong degradation for
                  the benchmarks -- models trained on it lose most of their gain there (lesson 11);
    ``blur``      (BD, Zhang et al., RDN, CVPR 2018) 7x7 Gaussian blur of ``blur_sigma`` (default 1.6) with
                  replicated borders (rounded to uint8 for uint8 input, as MATLAB's ``imfilter``), then
                  MATLAB's ``imresize(., 1/scale, 'nearest')``, which keeps the pixel nearest each LR pixel's centre;
    ``noise``     (DN, ibid.) bicubic, then additive Gaussian noise of ``noise_sigma`` (default 30) grey levels;
    ``blur-noise`` blur then noise, a harder mix;
    ``real``      a camera-like chain (the first-order model of Real-ESRGAN, Wang et al., ICCVW 2021, with
                  fixed instead of random strengths): 7x7 Gaussian blur of ``blur_sigma`` (default 1.0),
                  bicubic downscaling, Gaussian noise of ``noise_sigma`` (default 5) grey levels, then JPEG
                  at ``jpeg_quality`` (default 40).

    Noise is drawn from ``numpy.random.default_rng(seed)``. uint8 in -> uint8 out (rounded, clipped);
    float (0..1) in -> float32 out (not clipped, except ``real``, whose JPEG step stores 8 bits).
    """
    hr = np.asarray(hr)
    scale = integer_scale(scale)
    if kind not in DEGRADATIONS:
        raise ValueError(f"unknown degradation {kind!r}; choose one of {DEGRADATIONS}")
    if hr.shape[0] % scale or hr.shape[1] % scale:
        raise ValueError(f"HR shape {hr.shape[:2]} is not a multiple of scale {scale}: modcrop it first")
    random = kind in ("noise", "blur-noise", "real")
    if (random and seed is None) or not (hr.dtype == np.uint8 or np.issubdtype(hr.dtype, np.floating)):
        # a fresh noise draw each call, or an input imresize will refuse: nothing to remember
        return _degrade(hr, scale, kind, blur_sigma, noise_sigma, jpeg_quality, seed)
    key = (_fingerprint(hr), scale, kind, blur_sigma, noise_sigma, jpeg_quality, seed if random else None)
    return _LR_MEMO.get(key, lambda: _degrade(hr, scale, kind, blur_sigma, noise_sigma, jpeg_quality, seed))


class _ArrayMemo:
    """Results of a deterministic array function, kept in memory up to ``max_bytes`` (least recently used
    first out). Validation scores the same images after every epoch, and lessons score many models on the
    same images: their LR images are made once per process. Each caller gets its own copy.

    ``shared=True``, for srkit's own computations that only read the result: every caller gets the one stored
    copy, made read-only (writing to it raises), and a result may also be a list or tuple of arrays."""

    def __init__(self, max_bytes: int, *, shared: bool = False):
        from collections import OrderedDict

        self.max_bytes, self.shared, self.items, self.lock = max_bytes, shared, OrderedDict(), threading.Lock()

    def get(self, key, compute: Callable[[], np.ndarray]) -> np.ndarray:
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
                return self.items[key] if self.shared else self.items[key].copy()
        value = compute()
        if _nbytes(value) <= self.max_bytes // 4:
            stored = _read_only(value) if self.shared else value.copy()
            with self.lock:
                self.items[key] = stored
                while sum(_nbytes(v) for v in self.items.values()) > self.max_bytes:
                    self.items.popitem(last=False)
            if self.shared:
                return stored
        return value


def _nbytes(value) -> int:
    return sum(_nbytes(v) for v in value) if isinstance(value, (list, tuple)) else value.nbytes


def _read_only(value):
    """``value`` (an array, or a list or tuple of them) as contiguous arrays that own their memory (so that the
    memo counts what it keeps) and refuse writes."""
    if isinstance(value, (list, tuple)):
        return type(value)(_read_only(v) for v in value)
    value = np.array(value, order="C", copy=True)
    value.flags.writeable = False
    return value


_LR_MEMO = _ArrayMemo(max_bytes=256 * 2**20)


def _fingerprint(image: np.ndarray) -> tuple:
    import hashlib

    data = np.ascontiguousarray(image)
    return data.shape, data.dtype.str, hashlib.blake2b(data.view(np.uint8).reshape(-1), digest_size=16).hexdigest()


def _degrade(hr, scale, kind, blur_sigma, noise_sigma, jpeg_quality, seed) -> np.ndarray:
    is_uint8 = hr.dtype == np.uint8
    if kind in ("bicubic", "bicubic-noaa"):
        lr = imresize(hr, 1 / scale, antialias=kind == "bicubic")
        return lr if is_uint8 else lr.astype(np.float32)
    if blur_sigma is None:
        blur_sigma = 1.0 if kind == "real" else 1.6
    if noise_sigma is None:
        noise_sigma = 5.0 if kind == "real" else 30.0
    x = hr.astype(np.float64) / (255.0 if is_uint8 else 1.0)
    if kind in ("blur", "blur-noise", "real"):
        x = _gaussian_blur(x, 7, blur_sigma)
        if is_uint8:
            x = to_uint8(x).astype(np.float64) / 255.0
    if kind in ("blur", "blur-noise"):
        x = imresize(x, 1 / scale, method="nearest")  # RDN's Prepare_TrainData_HR_LR_BD.m
    else:
        x = imresize(x, 1 / scale)
    if kind in ("noise", "blur-noise", "real"):
        x = x + np.random.default_rng(seed).normal(0.0, noise_sigma / 255.0, size=x.shape)
    if kind == "real":
        x = jpeg(to_uint8(x), jpeg_quality)
        return x if is_uint8 else (x / 255.0).astype(np.float32)
    return to_uint8(x) if is_uint8 else x.astype(np.float32)


DEGRADATIONS = ("bicubic", "bicubic-noaa", "blur", "noise", "blur-noise", "real")


def make_pair(hr: np.ndarray, scale: int, *, degradation: str = "bicubic", **kwargs) -> tuple[np.ndarray, np.ndarray]:
    """(LR, HR): modcrop the HR image to the scale, then degrade it. ``kwargs`` go to :func:`degrade`."""
    hr = modcrop(hr, scale)
    return degrade(hr, scale, kind=degradation, **kwargs), hr


def make_pairs(
    images: Mapping[str, np.ndarray] | Iterable[np.ndarray],
    scale: int,
    *,
    degradation: str = "bicubic",
    copies: int = 1,
    seed: int = 0,
    **kwargs,
) -> list[tuple[np.ndarray, np.ndarray]]:
    """:func:`make_pair` for each image (a dict of images or any iterable of them).

    Random degradations (noise) draw a different realisation for every image and copy (seed ``seed + k``);
    ``copies`` > 1 makes that many LR versions of each image, so a model does not learn one noise pattern.
    """
    if copies < 1:
        raise ValueError(f"copies must be at least 1, got {copies}")
    values = list(images.values() if isinstance(images, Mapping) else images)
    return [
        make_pair(hr, scale, degradation=degradation, seed=seed + i * copies + c, **kwargs)
        for i, hr in enumerate(values)
        for c in range(copies)
    ]


def downscaled_copies(
    images: Mapping[str, np.ndarray], factors: Iterable[float], *, min_size: int = 1
) -> dict[str, np.ndarray]:
    """The images, then each image shrunk by every factor (MATLAB bicubic, antialiased), named ``name@factor``.

    Scale augmentation (FSRCNN: Dong, Loy & Tang, ECCV 2016, Sec. 4.1, shrank the 91 images by 0.9, 0.8, 0.7
    and 0.6): a shrunk photograph is a new HR image with finer, sharper detail -- camera blur and JPEG blocks
    shrink with it -- so a small training set teaches more. Applied to the HR images, before any LR is made.
    Copies with a side shorter than ``min_size`` (e.g. the HR training patch) are left out.
    """
    factors = [float(f) for f in factors]
    bad = [f for f in factors if not 0 < f < 1]
    if bad:
        raise ValueError(f"downscaling factors must be between 0 and 1 (exclusive), got {bad}")
    out = dict(images)
    for name, image in images.items():
        for f in factors:
            small = imresize(np.asarray(image), f)
            if min(small.shape[:2]) >= min_size:
                out[f"{name}@{f:g}"] = small
    return out


def shifted_copies(images: Mapping[str, np.ndarray], scale: int, *, min_size: int = 1) -> dict[str, np.ndarray]:
    """The images, then each image without its first ``dy`` rows and ``dx`` columns, for every shift
    (dy, dx) in {0, .., scale-1}^2 other than (0, 0), named ``name+dy,dx``.

    An LR image samples its HR image on a grid of pitch ``scale``; the pair made from a shifted copy
    (:func:`make_pair`) sees the same scene through the other ``scale**2 - 1`` phases of that grid, so the
    bicubic kernel meets every edge at every sub-pixel offset. Flips and rotations (:func:`augment_pair`)
    cannot do this: they turn the LR grid with the image. Applied to the HR images, before any LR is made.
    Copies whose side, once cropped to a multiple of ``scale`` (:func:`srkit.resize.modcrop`), is shorter than
    ``min_size`` (e.g. the HR training patch) are left out: a shift can cost the copy one LR row or column.
    """
    scale = integer_scale(scale)
    out = dict(images)
    for name, image in images.items():
        image = np.asarray(image)
        if min(image.shape[:2]) < 2 * scale:
            raise ValueError(f"image {name!r} of {image.shape[:2]} is too small to shift by up to {scale - 1} pixels")
        for dy in range(scale):
            for dx in range(scale):
                height, width = ((side - d) // scale * scale for side, d in zip(image.shape[:2], (dy, dx)))
                if (dy or dx) and min(height, width) >= min_size:
                    out[f"{name}+{dy},{dx}"] = image[dy:, dx:]
    return out
