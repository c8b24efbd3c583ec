"""The tf.data patch pipeline: aligned LR/HR patches, augmentation, flat-patch rejection."""

from __future__ import annotations

import numpy as np

from ..color import to_y
from ..resize import imresize, integer_scale
from .degradations import _LR_MEMO, _fingerprint, to_float
from .files import as_rgb


def grid_patches(
    lr: np.ndarray, hr: np.ndarray, *, scale: int, lr_size: int, stride: int
) -> tuple[np.ndarray, np.ndarray]:
    """Aligned patches on a regular grid: A (N x p x p [x C]) from LR and B (N x sp x sp [x C]) from HR.

    The LR patch at (i, j) covers exactly the HR patch at (scale*i, scale*j) -- the "A" (inputs) and
    "B" (targets) matrices of a supervised regression.
    """
    scale = integer_scale(scale)
    if hr.shape[0] != lr.shape[0] * scale or hr.shape[1] != lr.shape[1] * scale:
        raise ValueError(f"HR {hr.shape[:2]} is not LR {lr.shape[:2]} times {scale}")
    if min(lr.shape[:2]) < lr_size:
        raise ValueError(f"LR image {lr.shape[:2]} is smaller than the patch size {lr_size}")
    rows = range(0, lr.shape[0] - lr_size + 1, stride)
    cols = range(0, lr.shape[1] - lr_size + 1, stride)
    a = np.stack([lr[i : i + lr_size, j : j + lr_size] for i in rows for j in cols])
    hs = lr_size * scale
    b = np.stack([hr[i * scale : i * scale + hs, j * scale : j * scale + hs] for i in rows for j in cols])
    return a, b


def augment_pair(lr, hr, k):
    """Apply the k-th of the 8 symmetries of the square (4 rotations x optional flip) to both images."""
    import tensorflow as tf

    lr = tf.image.rot90(lr, k % 4)
    hr = tf.image.rot90(hr, k % 4)
    flip = k >= 4
    lr = tf.cond(flip, lambda: tf.image.flip_left_right(lr), lambda: lr)
    hr = tf.cond(flip, lambda: tf.image.flip_left_right(hr), lambda: hr)
    return lr, hr


def _prepare_arrays(pairs, scale: int, color: str, upsample_input: bool) -> list[tuple[np.ndarray, np.ndarray]]:
    out = []
    for lr, hr in pairs:
        lr, hr = np.asarray(lr), np.asarray(hr)
        if lr.dtype != np.uint8 or hr.dtype != np.uint8:
            raise TypeError("patch_dataset takes uint8 LR/HR pairs (as make_pairs returns)")
        if hr.shape[:2] != (lr.shape[0] * scale, lr.shape[1] * scale):
            raise ValueError(f"HR {hr.shape[:2]} is not LR {lr.shape[:2]} times {scale}")
        if color == "y":
            lr, hr = _luma(lr)[..., None], _luma(hr)[..., None]  # a gray image is its own Y
        elif color == "rgb":
            lr, hr = as_rgb(lr), as_rgb(hr)
        else:
            raise ValueError(f"color must be 'rgb' or 'y', got {color!r}")
        lr = to_float(lr)
        if upsample_input:
            lr = imresize(lr, scale).astype(np.float32)  # bicubic pre-upsampling (SRCNN, VDSR)
        out.append((lr, to_float(hr)))
    return out


def _luma(image: np.ndarray) -> np.ndarray:
    """``to_y(image)``; an RGB image's is made once per process: every training run converts the same images."""
    if image.ndim == 2 or image.shape[-1] == 1:
        return to_y(image)  # its own Y, nothing to compute
    return _LR_MEMO.get(("y", _fingerprint(image)), lambda: to_y(image))


def _check_some_patches_kept(arrays, patch_size: int, min_std: float, tries: int = 64) -> None:
    rng = np.random.default_rng(0)
    best = 0.0
    for _, hr in arrays:
        for _ in range(tries):
            i, j = (int(rng.integers(0, n - patch_size + 1)) for n in hr.shape[:2])
            best = max(best, float(hr[i : i + patch_size, j : j + patch_size].std()))
            if best >= min_std:
                return
    raise ValueError(
        f"min_std={min_std} drops every patch: the largest HR patch standard deviation found in "
        f"{tries} random crops per image is {best:.3f}"
    )


def patch_dataset(
    pairs,
    *,
    scale: int,
    patch_size: int,
    batch_size: int = 16,
    color: str = "rgb",
    upsample_input: bool = False,
    augment: bool = True,
    seed: int | None = None,
    repeat: bool = True,
    weighting: str = "area",
    min_std: float = 0.0,
):
    """A tf.data pipeline of aligned random (LR, HR) crops, float32 in [0, 1].

    Args:
        pairs: (LR, HR) uint8 pairs, e.g. ``make_pairs(bundled('train'), scale)``.
        scale: the SR factor; HR patches are ``patch_size`` square, LR patches ``patch_size // scale``.
        color: ``rgb`` (H x W x 3) or ``y`` (H x W x 1, luma of BT.601 as MATLAB).
        upsample_input: give the network the bicubic-upsampled LR (same size as HR), as SRCNN and VDSR do.
        augment: one of the 8 flips/rotations, drawn per patch.
        repeat: sample forever (for ``model.fit(..., steps_per_epoch=...)``).
        weighting: ``area`` samples images in proportion to their area (a large image gives more patches);
            ``uniform`` gives every image the same share.
        min_std: drop patches whose HR standard deviation (0..1 scale) is below this: flat patches teach
            an SR model almost nothing (0 keeps all).

    Whole images are cached in memory once; cropping, augmentation and batching run in parallel and the
    next batches are prefetched.
    """
    import tensorflow as tf

    scale = integer_scale(scale)
    if patch_size % scale:
        raise ValueError(f"patch_size {patch_size} must be a multiple of scale {scale}")
    arrays = _prepare_arrays(pairs, scale, color, upsample_input)
    if not arrays:
        raise ValueError("no image pairs given")
    lr_size = patch_size if upsample_input else patch_size // scale
    ratio = 1 if upsample_input else scale
    for lr, _ in arrays:
        if min(lr.shape[:2]) < lr_size:
            raise ValueError(f"an LR image of {lr.shape[:2]} is smaller than the LR patch size {lr_size}")
    areas = np.array([hr.shape[0] * hr.shape[1] for _, hr in arrays], dtype=np.float64)
    if weighting not in ("area", "uniform"):
        raise ValueError(f"weighting must be 'area' or 'uniform', got {weighting!r}")
    relative = areas / areas.mean() if weighting == "area" else np.ones_like(areas)
    copies = np.maximum(1, np.round(relative * 4)).astype(np.int64)
    channels = arrays[0][1].shape[-1]
    if min_std > 0:  # an impossible threshold would make the filter below wait forever
        _check_some_patches_kept(arrays, patch_size, min_std)

    def generate():
        yield from arrays

    sig = (tf.TensorSpec((None, None, channels), tf.float32), tf.TensorSpec((None, None, channels), tf.float32))
    images = tf.data.Dataset.from_generator(generate, output_signature=sig).cache()
    weights = tf.data.Dataset.from_tensor_slices(copies)
    ds = tf.data.Dataset.zip((images, weights)).flat_map(lambda pair, n: tf.data.Dataset.from_tensors(pair).repeat(n))
    if repeat:
        ds = ds.repeat()
    ds = ds.shuffle(int(copies.sum()), seed=seed)
    # one stateless random seed per patch: reproducible with ``seed``, and safe in parallel map calls
    seeds = tf.data.Dataset.random(seed=seed).batch(2)

    def crop(pair, patch_seed):
        lr, hr = pair
        s_i, s_j, s_k = tf.unstack(tf.random.split(patch_seed, 3))
        shape = tf.shape(lr)
        i = tf.random.stateless_uniform((), s_i, 0, shape[0] - lr_size + 1, dtype=tf.int32)
        j = tf.random.stateless_uniform((), s_j, 0, shape[1] - lr_size + 1, dtype=tf.int32)
        lr_patch = lr[i : i + lr_size, j : j + lr_size]
        hr_patch = hr[i * ratio : i * ratio + patch_size, j * ratio : j * ratio + patch_size]
        if augment:
            lr_patch, hr_patch = augment_pair(
                lr_patch, hr_patch, tf.random.stateless_uniform((), s_k, 0, 8, dtype=tf.int32)
            )
        return (
            tf.ensure_shape(lr_patch, (lr_size, lr_size, channels)),
            tf.ensure_shape(hr_patch, (patch_size, patch_size, channels)),
        )

    ds = tf.data.Dataset.zip((ds, seeds))
    ds = ds.map(crop, num_parallel_calls=tf.data.AUTOTUNE)
    if min_std > 0:
        ds = ds.filter(lambda lr_patch, hr_patch: tf.math.reduce_std(hr_patch) >= min_std)
    return ds.batch(batch_size, drop_remainder=repeat).prefetch(tf.data.AUTOTUNE)
