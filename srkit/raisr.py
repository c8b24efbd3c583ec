"""RAISR: learned, hashed linear filters on top of bicubic upscaling -- example-based SR without deep learning.

Romano, Isidoro & Milanfar, "RAISR: Rapid and Accurate Image Super Resolution", IEEE Transactions on
Computational Imaging 3(1), 2017 (arXiv:1606.01299). The method, on the luma channel Y:

1. **Cheap upscaling.** ``x = imresize(lr, scale)``, MATLAB bicubic (the paper's "initial interpolation").
2. **Hashing** (the paper's hash-table keys). At each pixel k of ``x`` the gradients g = (g_x, g_y) of a
   small window around k are summarised by the Gaussian-weighted structure tensor

       G_k = sum_i w_i g_i g_i^T  =  [[sum w g_x^2, sum w g_x g_y], [sum w g_x g_y, sum w g_y^2]],

   whose eigenvalues lambda_1 >= lambda_2 and dominant eigenvector phi_1 give three features

       angle     theta = arctan(phi_1y / phi_1x)                       in [0, pi)  (edge orientation),
       strength  sqrt(lambda_1)                                        (how much gradient),
       coherence (sqrt(lambda_1) - sqrt(lambda_2)) / (sqrt(lambda_1) + sqrt(lambda_2)) in [0, 1]
                                                                        (one direction vs. texture).

   Each is quantised (24 angles, 3 strengths, 3 coherences, as in the paper), and combined with the pixel
   *type* -- its position modulo the scale, (i mod s, j mod s) -- since each of the s^2 HR sub-pixel
   positions sits at a different offset from the LR grid. That is ``s^2 * 24 * 3 * 3`` buckets.
3. **Learning.** For every bucket q, a d x d filter h_q maps the bicubic patch A_i (a row vector of d^2
   pixels) around pixel i to the HR pixel b_i, by regularised least squares

       h_q = argmin_h  sum_{i in q} (A_i h - b_i)^2 + lam ||h - delta||^2,

   solved, as in the paper, from the accumulated normal equations  Q_q = sum A_i^T A_i,  V_q = sum A_i^T b_i:
   (Q_q + lam I) h_q = V_q + lam delta. Here the ridge pulls each filter toward the identity ``delta`` (keep
   the bicubic pixel) rather than toward zero, so a bucket with little data stays close to bicubic; a
   bucket with fewer than ``min_samples`` samples *is* bicubic. Q and V are sums, so the training set is
   streamed image by image and never held in memory as one big matrix.
4. **Symmetry.** Rotating or mirroring an (HR, LR) pair gives another valid pair whose patches are the
   rotated patches, whose angles are rotated and whose pixel types are mirrored. Rather than hashing eight
   transformed copies of every image (the usual flip/rotate data augmentation), :func:`fit` adds to each
   bucket the permuted Q and V of its image under the 8 symmetries of the square -- eight times the data
   at no hashing cost, and a model that commutes with flips and 90-degree rotations.
5. **Upscaling.** ``y_k = A_k h_{q(k)}`` for every pixel: bicubic, then one filter per pixel.

Not implemented: the census-transform "blending" of the paper, which limits halos of strong filters,
and its "sharpening" variant that learns towards a sharpened HR.

Conventions used here: x (column) points right and y points *up*, so the angle is counter-clockwise from
the horizontal like a textbook plot: a vertical edge (intensity changing along x) has angle 0, a
horizontal edge angle pi/2. Angle bucket k is centred on k pi / angles, so the horizontal and vertical
edges that photographs are full of fall in the middle of a bucket rather than on a boundary.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np

from ._util import positive_int, separable_filter
from .color import to_y
from .metrics import gaussian_window
from .resize import imresize, modcrop

__all__ = [
    "DEFAULT_STRENGTH_THRESHOLDS",
    "DEFAULT_COHERENCE_THRESHOLDS",
    "GradientStructure",
    "RaisrModel",
    "gradient_structure",
    "quantize",
    "hash_pixels",
    "pixel_types",
    "training_pair",
    "fit",
]

#: Strength (sqrt(lambda_1), grey levels / 255 per pixel) and coherence thresholds of :func:`hash_pixels`
#: when none are given: about the 1/3 and 2/3 quantiles on the bicubic x2-x4 images of the training
#: split. :func:`fit` measures its own quantiles on its training data and stores them in the model.
DEFAULT_STRENGTH_THRESHOLDS = (0.003, 0.02)
DEFAULT_COHERENCE_THRESHOLDS = (0.25, 0.5)


# --------------------------------------------------------------------------- hashing
@dataclass(frozen=True)
class GradientStructure:
    """The three per-pixel features of the structure tensor (angle, strength, coherence), each an H x W float array."""

    angle: np.ndarray  #: orientation of the dominant gradient, radians in [0, pi)
    strength: np.ndarray  #: sqrt(lambda_1)
    coherence: np.ndarray  #: (sqrt(l1) - sqrt(l2)) / (sqrt(l1) + sqrt(l2)), in [0, 1]


def _check_image(image: np.ndarray, name: str = "image") -> np.ndarray:
    image = np.asarray(image)
    if image.ndim != 2:
        raise ValueError(f"{name} must be a single-channel H x W array (the Y channel), got shape {image.shape}")
    if not np.issubdtype(image.dtype, np.floating):
        raise ValueError(f"{name} must be float in [0, 1], got dtype {image.dtype}")
    if min(image.shape) < 2:
        raise ValueError(f"{name} is too small: shape {image.shape}")
    if not np.all(np.isfinite(image)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return image.astype(np.float64, copy=False)


def gradient_structure(image: np.ndarray, *, window: int = 9, sigma: float = 2.0) -> GradientStructure:
    """Angle, strength and coherence of every pixel of a float image (the RAISR hash features).

    Gradients are central differences (``np.gradient``); the tensor entries are averaged over a
    ``window`` x ``window`` Gaussian of standard deviation ``sigma`` (weights summing to one) with the
    image's edge pixels replicated. The 2 x 2 eigen-decomposition is done in closed form:
    lambda_{1,2} = (a + c)/2 +- sqrt(((a - c)/2)^2 + b^2) and theta = atan2(2b, a - c) / 2.
    """
    image = _check_image(image)
    window = positive_int(window, "window", odd=True)
    gy_down, gx = np.gradient(image)
    gy = -gy_down  # y points up
    w = gaussian_window(window, sigma)

    a, b, c = (separable_filter(x, w) for x in (gx * gx, gx * gy, gy * gy))
    half_trace = (a + c) / 2
    root = np.sqrt(((a - c) / 2) ** 2 + b**2)
    l1 = np.maximum(half_trace + root, 0.0)
    l2 = np.maximum(half_trace - root, 0.0)
    angle = np.mod(0.5 * np.arctan2(2 * b, a - c), np.pi)
    angle[angle >= np.pi] = 0.0  # np.mod(-tiny, pi) rounds to pi
    s1, s2 = np.sqrt(l1), np.sqrt(l2)
    with np.errstate(invalid="ignore", divide="ignore"):
        coherence = np.where(s1 + s2 > 1e-12, (s1 - s2) / (s1 + s2), 0.0)
    return GradientStructure(angle=angle, strength=s1, coherence=coherence)


def quantize(
    structure: GradientStructure,
    *,
    angles: int = 24,
    strength_thresholds: Iterable[float] = DEFAULT_STRENGTH_THRESHOLDS,
    coherence_thresholds: Iterable[float] = DEFAULT_COHERENCE_THRESHOLDS,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bucket numbers (angle, strength, coherence), each an int array like the features.

    Angle bucket k is centred on k pi / ``angles``; strength bucket j counts the thresholds below the
    strength (so there are ``len(strength_thresholds) + 1`` strengths), and likewise for coherence.
    """
    if angles < 1:
        raise ValueError(f"angles must be >= 1, got {angles}")
    st = np.asarray(tuple(strength_thresholds), dtype=np.float64)
    ct = np.asarray(tuple(coherence_thresholds), dtype=np.float64)
    for name, t in (("strength_thresholds", st), ("coherence_thresholds", ct)):
        if t.ndim != 1 or np.any(np.diff(t) <= 0):
            raise ValueError(f"{name} must be an increasing sequence, got {t}")
    step = np.pi / angles
    a = np.floor(structure.angle / step + 0.5).astype(np.int64) % angles
    s = np.searchsorted(st, structure.strength, side="right")
    c = np.searchsorted(ct, structure.coherence, side="right")
    return a, s.astype(np.int64), c.astype(np.int64)


def pixel_types(shape: tuple[int, int], scale: int) -> np.ndarray:
    """The pixel type (i mod s) * s + (j mod s) of every pixel of an HR image of ``shape``."""
    i = np.arange(shape[0]) % scale
    j = np.arange(shape[1]) % scale
    return (i[:, None] * scale + j[None, :]).astype(np.int64)


def hash_pixels(
    image: np.ndarray,
    *,
    angles: int = 24,
    strengths: int = 3,
    coherences: int = 3,
    scale: int = 1,
    strength_thresholds: Iterable[float] | None = None,
    coherence_thresholds: Iterable[float] | None = None,
    window: int = 9,
    sigma: float = 2.0,
) -> np.ndarray:
    """The bucket of every pixel of a (bicubic-upscaled) float image: an H x W int array.

    The bucket is ``np.ravel_multi_index((type, angle, strength, coherence), (scale**2, angles,
    strengths, coherences))`` -- with the default ``scale=1`` just the gradient hash, in
    ``[0, angles * strengths * coherences)``. Use ``np.unravel_index`` to split it, or
    :func:`gradient_structure` and :func:`quantize` for the features themselves (e.g. to plot them).

    Without thresholds, ``strengths`` / ``coherences`` buckets are cut at the defaults when their
    number matches them (3 each), else spaced evenly (strength on a log scale from 0.002 to 0.05).
    """
    if strengths < 1 or coherences < 1:
        raise ValueError(f"strengths and coherences must be >= 1, got {strengths} and {coherences}")
    if strength_thresholds is None:
        strength_thresholds = (
            DEFAULT_STRENGTH_THRESHOLDS
            if strengths == 3
            else tuple(np.geomspace(0.002, 0.05, strengths - 1))
            if strengths > 1
            else ()
        )
    if coherence_thresholds is None:
        coherence_thresholds = (
            DEFAULT_COHERENCE_THRESHOLDS if coherences == 3 else tuple(np.linspace(0, 1, coherences + 1)[1:-1])
        )
    strength_thresholds, coherence_thresholds = tuple(strength_thresholds), tuple(coherence_thresholds)
    if len(strength_thresholds) != strengths - 1 or len(coherence_thresholds) != coherences - 1:
        raise ValueError("need strengths - 1 strength thresholds and coherences - 1 coherence thresholds")
    image = _check_image(image)
    scale = _check_scale(scale)
    a, s, c = quantize(
        gradient_structure(image, window=window, sigma=sigma),
        angles=angles,
        strength_thresholds=strength_thresholds,
        coherence_thresholds=coherence_thresholds,
    )
    return np.ravel_multi_index(
        (pixel_types(image.shape, scale), a, s, c), (scale * scale, angles, strengths, coherences)
    )


def _check_scale(scale) -> int:
    return positive_int(scale, "scale")


# --------------------------------------------------------------------------- patches
def _patch_view(image: np.ndarray, patch: int) -> np.ndarray:
    """H x W x patch x patch view of the patches centred on every pixel (edges replicated)."""
    r = patch // 2
    return np.lib.stride_tricks.sliding_window_view(np.pad(image, r, mode="edge"), (patch, patch))


def _filter_image(image: np.ndarray, buckets: np.ndarray, filters: np.ndarray) -> np.ndarray:
    """y_k = A_k h_{q(k)}: one pass per filter tap, each vectorised over the whole image (no patch matrix)."""
    patch = filters.shape[-1]
    r = patch // 2
    padded = np.pad(image, r, mode="edge")
    h, w = image.shape
    taps = filters.reshape(len(filters), -1)
    out = np.zeros_like(image)
    for t in range(patch * patch):
        di, dj = divmod(t, patch)
        out += padded[di : di + h, dj : dj + w] * taps[buckets, t]
    return out


# --------------------------------------------------------------------------- the model
@dataclass
class RaisrModel:
    """A fitted RAISR model: the hash settings and one ``patch`` x ``patch`` filter per bucket.

    ``filters`` has shape (scale**2, angles, strengths, coherences, patch, patch); ``counts`` the number of
    training samples per bucket (after the 8 symmetries). Use :meth:`upscale` as the ``upscaler`` of
    ``srkit.evaluate.evaluate(..., protocol="y")``; :meth:`filter` for one filter to display.
    """

    scale: int
    filters: np.ndarray
    counts: np.ndarray
    strength_thresholds: tuple[float, ...]
    coherence_thresholds: tuple[float, ...]
    window: int = 9
    sigma: float = 2.0
    lam: float = 0.0
    info: dict = field(default_factory=dict)  #: training statistics (seconds, samples); not saved

    def __post_init__(self) -> None:
        self.scale = _check_scale(self.scale)
        self.filters = np.asarray(self.filters, dtype=np.float64)
        self.counts = np.asarray(self.counts)
        self.strength_thresholds = tuple(float(t) for t in self.strength_thresholds)
        self.coherence_thresholds = tuple(float(t) for t in self.coherence_thresholds)
        f = self.filters
        if (
            f.ndim != 6
            or f.shape[0] != self.scale**2
            or f.shape[2] != len(self.strength_thresholds) + 1
            or f.shape[3] != len(self.coherence_thresholds) + 1
            or f.shape[4] != f.shape[5]
            or f.shape[4] % 2 == 0
        ):
            raise ValueError(f"filters of shape {f.shape} do not match scale {self.scale} and the thresholds")
        if self.counts.shape != f.shape[:4]:
            raise ValueError(f"counts of shape {self.counts.shape} do not match filters {f.shape}")

    @property
    def patch(self) -> int:
        return self.filters.shape[-1]

    @property
    def grid(self) -> tuple[int, int, int, int]:
        """(pixel types, angles, strengths, coherences): the shape of the bucket table."""
        return self.filters.shape[:4]

    def hash(self, upscaled: np.ndarray) -> np.ndarray:
        """Bucket index of every pixel of a bicubic-upscaled image, with this model's settings."""
        _, angles, strengths, coherences = self.grid
        return hash_pixels(
            upscaled,
            angles=angles,
            strengths=strengths,
            coherences=coherences,
            scale=self.scale,
            strength_thresholds=self.strength_thresholds,
            coherence_thresholds=self.coherence_thresholds,
            window=self.window,
            sigma=self.sigma,
        )

    def upscale(self, lr_y: np.ndarray) -> np.ndarray:
        """Super-resolve a float Y image in [0, 1] by ``scale``: bicubic, then the per-bucket filters.

        Returns a float64 image of ``scale`` times the size, clipped to [0, 1].
        """
        lr_y = _check_image(lr_y, "lr_y")
        upscaled = imresize(lr_y, self.scale)
        buckets = self.hash(upscaled)
        out = _filter_image(upscaled, buckets, self.filters.reshape(-1, self.patch, self.patch))
        return np.clip(out, 0.0, 1.0)

    __call__ = upscale

    def filter(self, angle: int, strength: int, coherence: int, pixel_type: int | tuple[int, int] = 0) -> np.ndarray:
        """The ``patch`` x ``patch`` filter of one bucket (a copy); ``pixel_type`` is k or (i mod s, j mod s)."""
        if isinstance(pixel_type, tuple):
            i, j = pixel_type
            if not (0 <= i < self.scale and 0 <= j < self.scale):
                raise ValueError(f"pixel type {pixel_type} is outside 0..{self.scale - 1}")
            pixel_type = i * self.scale + j
        return self.filters[pixel_type, angle, strength, coherence].copy()

    def save(self, path) -> None:
        """Write the model with ``np.savez`` (plain arrays, no pickle)."""
        np.savez(
            path,
            scale=self.scale,
            filters=self.filters,
            counts=self.counts,
            strength_thresholds=np.asarray(self.strength_thresholds),
            coherence_thresholds=np.asarray(self.coherence_thresholds),
            window=self.window,
            sigma=self.sigma,
            lam=self.lam,
        )

    @classmethod
    def load(cls, path) -> RaisrModel:
        """Read a model written by :meth:`save` (``allow_pickle=False``)."""
        with np.load(path, allow_pickle=False) as z:
            return cls(
                scale=int(z["scale"]),
                filters=z["filters"],
                counts=z["counts"],
                strength_thresholds=tuple(z["strength_thresholds"]),
                coherence_thresholds=tuple(z["coherence_thresholds"]),
                window=int(z["window"]),
                sigma=float(z["sigma"]),
                lam=float(z["lam"]),
            )


# --------------------------------------------------------------------------- training
def training_pair(hr: np.ndarray, scale: int) -> tuple[np.ndarray, np.ndarray]:
    """(LR Y, HR Y) floats in [0, 1] from an HR image with the evaluation protocol ``protocol="y"``.

    Modcrop, Y of BT.601 (uint8, as MATLAB's ``rgb2ycbcr``; a gray image is its own Y), then
    ``imresize(y / 255, 1 / scale)`` in floating point -- exactly what :func:`srkit.evaluate.evaluate` does.
    """
    scale = _check_scale(scale)
    hr = np.asarray(hr)
    if hr.ndim not in (2, 3):
        raise ValueError(f"HR image must be H x W or H x W x C, got shape {hr.shape}")
    y = to_y(modcrop(hr, scale))
    y = y.astype(np.float64) / 255.0 if y.dtype == np.uint8 else y.astype(np.float64)
    return imresize(y, 1 / scale), y


def _as_pairs(data, scale: int) -> list[tuple[np.ndarray, np.ndarray]]:
    items = list(data.values()) if isinstance(data, Mapping) else list(data)
    if not items:
        raise ValueError("no training images given")
    pairs = []
    for item in items:
        if isinstance(item, tuple):
            if len(item) != 2:
                raise ValueError("a training pair must be (lr_y, hr_y)")
            lr, hr = _check_image(item[0], "lr_y"), _check_image(item[1], "hr_y")
            if hr.shape != (lr.shape[0] * scale, lr.shape[1] * scale):
                raise ValueError(f"HR {hr.shape} is not LR {lr.shape} times scale {scale}")
        else:
            lr, hr = training_pair(item, scale)
        pairs.append((lr, hr))
    return pairs


def _symmetries(patch: int, scale: int, angles: int) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """The 8 symmetries of the square as (patch permutation, pixel-type map, angle-bucket map).

    Each is a composition of an optional transpose, then optional up-down and left-right flips. A patch
    vector x of the original image becomes x[perm] in the transformed one; pixel type t becomes
    type_map[t]; angle bucket k becomes angle_map[k]. Transposing swaps (i, j) and maps theta to
    pi/2 - theta; a flip mirrors i (or j) mod s and maps theta to pi - theta (angle bucket k to -k).
    """
    idx = np.arange(patch * patch).reshape(patch, patch)
    ti, tj = np.divmod(np.arange(scale * scale), scale)
    k = np.arange(angles)
    out = []
    for transpose in (False, True):
        for flip_ud in (False, True):
            for flip_lr in (False, True):
                grid, i, j, a = idx, ti, tj, k
                if transpose:
                    grid, i, j, a = grid.T, j, i, (angles // 2 - a) % angles
                if flip_ud:
                    grid, i, a = grid[::-1], scale - 1 - i, (-a) % angles
                if flip_lr:
                    grid, j, a = grid[:, ::-1], scale - 1 - j, (-a) % angles
                out.append((grid.ravel(), i * scale + j, a))
    return out


def fit(
    data,
    *,
    scale: int,
    patch: int = 9,
    angles: int = 24,
    strengths: int = 3,
    coherences: int = 3,
    lam: float = 0.01,
    min_samples: int = 100,
    symmetry: bool = True,
    window: int = 9,
    sigma: float = 2.0,
    max_samples: int | None = 400_000,
    seed: int = 0,
) -> RaisrModel:
    """Learn RAISR filters from HR training images (regularised least squares per hash bucket).

    Args:
        data: HR images (a dict name -> image as ``srkit.data.bundled('train')`` gives, or a list), uint8 RGB or
            gray; their (LR, HR) Y pairs are made with :func:`training_pair`. Items may also be ready
            ``(lr_y, hr_y)`` float tuples.
        scale: the integer SR factor.
        patch: filter size d (odd); each bucket has d^2 unknowns.
        angles, strengths, coherences: the hash quantisation (24 x 3 x 3 in the paper).
        lam: the ridge weight, pulling each filter toward the identity (bicubic).
        min_samples: buckets with fewer training pixels keep the identity filter (plain bicubic).
        symmetry: add the 8 rotations/flips of every training sample (exact, at no hashing cost).
        window, sigma: the Gaussian window of the structure tensor.
        max_samples: at most this many pixels per image enter the normal equations, drawn without
            replacement with ``seed`` (``None``: all). Pixels closer than ``patch // 2`` to the border
            are not used.

    Strength and coherence thresholds are the 1/3, 2/3 (in general evenly spaced) quantiles of the
    training pixels, so the buckets of each feature are about equally full (Romano et al., RAISR, IEEE TCI
    2017, Sec. III-B). When two quantiles coincide -- mostly flat images, where most pixels have strength
    (or coherence) exactly 0 -- the classes cannot be made equally full, and nudging the thresholds apart
    would only create classes that no training pixel reaches (identity filters, silently). ``fit`` then
    raises a ``ValueError`` saying the images are too flat to split into that many classes: train on more
    textured images, or ask for fewer ``strengths`` / ``coherences``.

    Raises:
        ValueError: ``angles``, ``strengths``, ``coherences`` or ``max_samples`` is not a whole number >= 1,
            or the training pixels cannot be split into ``strengths`` / ``coherences`` classes (see above).
    """
    start = time.perf_counter()
    scale = _check_scale(scale)
    _check_fit_arguments(patch, angles, strengths, coherences, lam, max_samples, symmetry)
    pairs = _as_pairs(data, scale)
    grid = (scale * scale, angles, strengths, coherences)
    prepared, s_thr, c_thr = _prepare(pairs, scale, patch, strengths, coherences, window, sigma, max_samples, seed)
    q, v, counts = _normal_equations(prepared, scale, patch, grid, s_thr, c_thr)
    if symmetry:
        q, v, counts = _with_symmetries(q, v, counts, patch, scale, grid)
    filters, ok = _solve_filters(q, v, counts, lam, min_samples, patch)
    model = RaisrModel(
        scale=scale,
        filters=filters.reshape(grid + (patch, patch)),
        counts=counts.reshape(grid),
        strength_thresholds=s_thr,
        coherence_thresholds=c_thr,
        window=window,
        sigma=sigma,
        lam=lam,
    )
    model.info = {
        "seconds": time.perf_counter() - start,
        "images": len(pairs),
        "samples": int(sum(sel.size for *_, sel in prepared)),
        "buckets_fitted": int(ok.sum()),
        "buckets": int(np.prod(grid)),
    }
    return model


def _check_fit_arguments(patch, angles, strengths, coherences, lam, max_samples, symmetry) -> None:
    for name, value in (
        ("angles", angles),
        ("strengths", strengths),
        ("coherences", coherences),
        ("max_samples", 1 if max_samples is None else max_samples),
    ):
        _check_count(value, name)
    positive_int(patch, "patch", odd=True)
    if symmetry and angles % 2:
        raise ValueError(f"symmetry needs an even number of angles (rotating by 90 degrees), got {angles}")
    if lam < 0:
        raise ValueError(f"lam must be >= 0, got {lam}")


def _prepare(pairs, scale, patch, strengths, coherences, window, sigma, max_samples, seed):
    """Pass 1: bicubic, features and the sampled pixels of each image; the strength/coherence thresholds."""
    rng = np.random.default_rng(seed)
    r = patch // 2
    prepared, strength_values, coherence_values = [], [], []
    for lr, hr in pairs:
        up = imresize(lr, scale)
        if min(up.shape) <= 2 * r:
            raise ValueError(f"training image of {up.shape} is too small for {patch}x{patch} patches")
        feats = gradient_structure(up, window=window, sigma=sigma)
        inner = np.zeros(up.shape, bool)
        inner[r : up.shape[0] - r, r : up.shape[1] - r] = True
        sel = np.flatnonzero(inner)
        if max_samples is not None and sel.size > max_samples:
            sel = np.sort(rng.choice(sel, size=max_samples, replace=False))
        prepared.append((up, hr, feats, sel))
        strength_values.append(feats.strength.ravel()[sel])
        coherence_values.append(feats.coherence.ravel()[sel])
    s_thr = _class_thresholds(np.concatenate(strength_values), strengths, "strength")
    c_thr = _class_thresholds(np.concatenate(coherence_values), coherences, "coherence")
    return prepared, s_thr, c_thr


def _normal_equations(prepared, scale, patch, grid, s_thr, c_thr):
    """Pass 2: the normal equations Q_q = sum A^T A, V_q = sum A^T b and the pixel count of every bucket."""
    d, n_buckets = patch * patch, int(np.prod(grid))
    q = np.zeros((n_buckets, d, d))
    v = np.zeros((n_buckets, d))
    counts = np.zeros(n_buckets, np.int64)
    for up, hr, feats, sel in prepared:
        a, s, c = quantize(feats, angles=grid[1], strength_thresholds=s_thr, coherence_thresholds=c_thr)
        types = pixel_types(up.shape, scale)
        bucket = np.ravel_multi_index((types.ravel()[sel], a.ravel()[sel], s.ravel()[sel], c.ravel()[sel]), grid)
        order = np.argsort(bucket, kind="stable")
        bucket, sel = bucket[order], sel[order]
        views = _patch_view(up, patch)
        rows, cols = np.divmod(sel, up.shape[1])
        targets = hr.ravel()[sel]
        starts = np.flatnonzero(np.r_[True, bucket[1:] != bucket[:-1]])
        ends = np.r_[starts[1:], bucket.size]
        for lo, hi in zip(starts, ends):
            b = bucket[lo]
            A = views[rows[lo:hi], cols[lo:hi]].reshape(hi - lo, d)
            q[b] += A.T @ A
            v[b] += A.T @ targets[lo:hi]
            counts[b] += hi - lo
    return q, v, counts


def _with_symmetries(q, v, counts, patch, scale, grid):
    """The data of bucket (t, k, s, c) also serve bucket (t', k', s, c), permuted: the 8 rotations/flips."""
    q6, v6, n6 = (x.reshape(grid + x.shape[1:]) for x in (q, v, counts))
    q_sum, v_sum, n_sum = np.zeros_like(q6), np.zeros_like(v6), np.zeros_like(n6)
    for perm, type_map, angle_map in _symmetries(patch, scale, grid[1]):
        dest = np.ix_(type_map, angle_map)
        q_sum[dest] += q6[..., perm[:, None], perm[None, :]]
        v_sum[dest] += v6[..., perm]
        n_sum[dest] += n6
    return q_sum.reshape(q.shape), v_sum.reshape(v.shape), n_sum.reshape(counts.shape)


def _solve_filters(q, v, counts, lam, min_samples, patch):
    """Solve (Q + lam I) h = V + lam delta, bucket by bucket (batched); sparse buckets stay bicubic."""
    d = patch * patch
    identity = np.zeros(d)
    identity[d // 2] = 1.0
    filters = np.tile(identity, (q.shape[0], 1))
    ok = counts >= max(int(min_samples), 1)
    if np.any(ok):
        lhs = q[ok] + lam * np.eye(d)
        rhs = v[ok] + lam * identity
        filters[ok] = _solve(lhs, rhs)
    return filters, ok


def _check_count(value, name: str) -> int:
    """``value`` as an int, or a ``ValueError`` unless it is a whole number >= 1 (not a bool or a float)."""
    return positive_int(value, name)


def _class_thresholds(values: np.ndarray, classes: int, feature: str) -> tuple[float, ...]:
    """The ``classes - 1`` evenly spaced quantiles of ``values`` that cut them into equally full classes;
    a ``ValueError`` when two coincide (too many equal values, e.g. zero strength on flat images)."""
    thresholds = np.quantile(values, np.arange(1, classes) / classes)
    if np.any(np.diff(thresholds) <= 0):
        tied = float(thresholds[np.flatnonzero(np.diff(thresholds) <= 0)[0]])
        share = float(np.mean(values == tied))
        raise ValueError(
            f"the training images are too flat to split into {classes} {feature} classes: {share:.0%} of the "
            f"sampled pixels have {feature} {tied:.3g}, so the quantiles that would separate the classes "
            f"coincide ({', '.join(f'{t:.3g}' for t in thresholds)}); train on more textured images or pass "
            f"fewer {feature}s (e.g. {feature}s={max(1, classes - 1)})"
        )
    return tuple(thresholds)


def _solve(lhs: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    """Batched solve; a singular system (possible only with lam = 0) falls back to least squares."""
    try:
        return np.linalg.solve(lhs, rhs[..., None])[..., 0]
    except np.linalg.LinAlgError:
        return np.stack([np.linalg.lstsq(m, y, rcond=None)[0] for m, y in zip(lhs, rhs)])
