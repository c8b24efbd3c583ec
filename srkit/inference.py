"""Apply an SR model to a plain image: ``srkit.upscale(image, model=..., scale=...)`` (defined here).

Models are defined in a colour space (Y only, or RGB) and some expect a bicubic-upsampled input; this
function hides that. It takes uint8 or float (0..1) images, gray (H x W or H x W x 1), RGB or RGBA, and
returns the same kind: a Y-only model is applied to Y, while Cb and Cr are enlarged with bicubic (the
SRCNN convention); alpha is enlarged with bicubic. Large images are processed in overlapping tiles, each
through the whole pipeline, so memory beyond the input and output images stays flat, and the result equals
the untiled one (the overlap covers the receptive field and bicubic's support).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .color import rgb2ycbcr, ycbcr2rgb
from .data import to_uint8
from .resize import imresize

__all__ = ["ModelInfo", "describe", "receptive_radius", "upscale"]


@dataclass(frozen=True)
class ModelInfo:
    """What :func:`upscale` needs to know about a model."""

    scale: int
    channels: int  # 1: works on Y; 3: works on RGB
    pre_upsampled: bool  # takes the bicubic-upsampled image (SRCNN, VDSR)
    radius: int  # receptive-field radius in input pixels (an upper bound)
    align: int  # tile origins must be multiples of this (strided models)


def receptive_radius(model) -> tuple[int, int]:
    """An upper bound of the receptive-field radius (input pixels), and the total stride of the model.

    Each convolution adds (k - 1) / 2 pixels at the resolution it works at; resolutions below the input's
    (after strided convolutions) count ``stride`` times more. Summing over all layers, branches included,
    over-estimates the radius, which is safe for tiling.
    """
    import keras

    radius, factor, align = 0, 1, 1
    for layer in model.layers:
        if isinstance(layer, (keras.layers.Conv2D, keras.layers.Conv2DTranspose)):
            k = max(layer.kernel_size)
            stride = max(layer.strides)
            if isinstance(layer, keras.layers.Conv2DTranspose):
                radius += (k // stride + 1) * max(factor // stride, 1)
                factor = max(factor // stride, 1)
            else:
                radius += (k - 1) // 2 * factor
                factor *= stride
                align = max(align, factor)
    return radius + align, align


def describe(model, scale: int | None = None) -> ModelInfo:
    """Infer the colour space, pre-upsampling and scale of ``model`` from its shapes and a tiny forward pass."""
    channels = int(model.input_shape[-1])
    if channels not in (1, 3):
        raise ValueError(f"models must take 1 (Y) or 3 (RGB) channels, this one takes {channels}")
    probe = np.zeros((1, 16, 16, channels), dtype="float32")
    out = np.asarray(model(probe, training=False))  # a direct call: no predict() retracing warnings
    ratio = out.shape[1] / 16
    radius, align = receptive_radius(model)
    if ratio == 1:
        if scale is None:
            raise ValueError("this model keeps the image size (it expects bicubic-upsampled input): pass scale=")
        return ModelInfo(int(scale), channels, True, radius, align)
    if ratio != int(ratio) or out.shape[2] / 16 != ratio:
        raise ValueError(f"cannot infer the scale of a model that maps 16x16 to {out.shape[1]}x{out.shape[2]}")
    if scale is not None and int(scale) != int(ratio):
        raise ValueError(f"this model upscales by {int(ratio)}, not by the scale={scale} requested")
    return ModelInfo(int(ratio), channels, False, radius, align)


def _run(model, x: np.ndarray) -> np.ndarray:
    return np.asarray(model(x[None].astype("float32"), training=False))[0]


def _load(model):
    if isinstance(model, str):
        from . import pretrained

        return pretrained.load(model)
    return model


def upscale(
    image: np.ndarray, *, model, scale: int | None = None, tile: int | None = 256, self_ensemble: bool = False
) -> np.ndarray:
    """Super-resolve ``image`` with ``model`` (a Keras model or the name of a shipped pretrained model).

    Args:
        image: uint8 (0..255) or float (0..1); H x W, H x W x 1, H x W x 3 or H x W x 4 (alpha is kept).
        model: a Keras model from :mod:`srkit.models` (trained), or a name for :func:`srkit.pretrained.load`.
        scale: the factor; checked against the model, required for models that take pre-upsampled input.
        tile: work on tiles of this many input pixels (``None``: all at once). Each tile goes through the
            whole pipeline (colour conversion, bicubic chroma, network) with enough context around it for
            the result to equal the untiled one, and is written straight into the output: memory beyond the
            input and output images stays bounded however large the image is.
        self_ensemble: run the model on the 8 flips/rotations of the input, undo each on the output and
            average them (geometric self-ensemble, Timofte, Rothe & Van Gool, CVPR 2016; EDSR+, Lim et al.
            2017): 8x the time, usually a little more PSNR.

    Returns:
        The image ``scale`` times larger, of the same dtype and channel layout (uint8 rounded and clipped).
    """
    image = np.asarray(image)
    if image.dtype != np.uint8 and not np.issubdtype(image.dtype, np.floating):
        raise TypeError(f"image must be uint8 (0..255) or float (0..1), got dtype {image.dtype}")
    if image.ndim == 3 and image.shape[-1] not in (1, 3, 4) or image.ndim not in (2, 3):
        raise ValueError(f"image must be H x W, H x W x 1, x 3 or x 4; got shape {image.shape}")
    if min(image.shape[:2]) < 1:
        raise ValueError(f"image is empty: shape {image.shape}")
    if image.dtype != np.uint8 and not np.all(np.isfinite(image)):
        raise ValueError("image contains NaN or infinite values")
    if tile is not None and tile < 1:
        raise ValueError(f"tile must be a positive number of pixels or None, got {tile}")
    if isinstance(model, str) and scale is None:
        from . import pretrained

        scale = pretrained.info(model)["scale"]  # a shipped model's name says its scale
    model = _load(model)
    info = describe(model, scale)
    h, w = image.shape[:2]
    if tile is None or (h <= tile and w <= tile):
        return _upscale_whole(image, model, info, self_ensemble)
    s, align = info.scale, info.align
    tile = max(align, tile - tile % align)
    pad = info.radius + 4  # the network's context + bicubic's (2 input pixels; 4 covers pre-upsampling)
    out = np.empty((h * s, w * s) + image.shape[2:], dtype=image.dtype)
    need = 2 * info.radius + 1

    def window(a0: int, a1: int, n: int) -> tuple[int, int]:  # the input span a tile [a0, a1) is computed from
        e0, e1 = max(0, a0 - pad) // align * align, min(n, a1 + pad)
        if e1 - e0 < need:  # a small piece at the edge would be edge-padded where the whole image is not
            e1 = min(n, e0 + need)
            e0 = max(0, e1 - need) // align * align
        # the far end on the stride grid counted from the image's far end too: a flipped or rotated piece
        # (self_ensemble) then has the same pixel phase (and padding) as the flipped whole image
        return e0, n - (n - e1) // align * align

    for y0 in range(0, h, tile):
        for x0 in range(0, w, tile):
            y1, x1 = min(y0 + tile, h), min(x0 + tile, w)
            (ey0, ey1), (ex0, ex1) = window(y0, y1, h), window(x0, x1, w)
            piece = _upscale_whole(image[ey0:ey1, ex0:ex1], model, info, self_ensemble)
            out[y0 * s : y1 * s, x0 * s : x1 * s] = piece[
                (y0 - ey0) * s : (y1 - ey0) * s, (x0 - ex0) * s : (x1 - ex0) * s
            ]
    return out


def _upscale_whole(image: np.ndarray, model, info: ModelInfo, self_ensemble: bool) -> np.ndarray:
    """:func:`upscale` of a whole (validated) image or tile in one pass."""
    s = info.scale
    is_uint8 = image.dtype == np.uint8
    x = image.astype(np.float64) / 255.0 if is_uint8 else image.astype(np.float64)
    alpha = None
    if x.ndim == 3 and x.shape[-1] == 4:
        x, alpha = x[..., :3], x[..., 3]
    gray = x.ndim == 2 or x.shape[-1] == 1
    if gray:
        x = x.reshape(x.shape[:2])

    def network(inp: np.ndarray) -> np.ndarray:  # H x W x C float in the model's space -> enlarged
        if info.pre_upsampled:
            inp = imresize(inp, s)
        inp = inp.astype(np.float32)
        # An image smaller than the receptive field would be seen mostly through the convolutions' zero
        # padding (a flat 1x1 image came out 20-50 grey levels darker): replicate its edges first, crop after.
        # (a multiple of the model's stride, so that strided layers see the same pixel phase with or without tiles)
        pad = -(-info.radius // info.align) * info.align if min(inp.shape[:2]) < 2 * info.radius + 1 else 0
        if pad:
            f = 1 if info.pre_upsampled else s
            inp = np.pad(inp, ((pad, pad), (pad, pad), (0, 0)), mode="edge")
            return run(inp)[pad * f : -pad * f, pad * f : -pad * f]
        return run(inp)

    def run(inp: np.ndarray) -> np.ndarray:
        if not self_ensemble:
            return _run(model, inp).astype(np.float64)
        total = 0.0
        for k in range(8):  # the 8 symmetries of the square: 4 rotations, each with and without a flip
            t = np.rot90(inp, k % 4)
            t = t[:, ::-1] if k >= 4 else t
            out = _run(model, np.ascontiguousarray(t)).astype(np.float64)
            out = out[:, ::-1] if k >= 4 else out
            total = total + np.rot90(out, -(k % 4))
        return total / 8

    if info.channels == 1:
        if gray:
            out = network(x[..., None])[..., 0]  # a gray image is its own luma
        else:
            ycc = rgb2ycbcr(np.clip(x, 0, 1))
            chroma = imresize(ycc[..., 1:], s)  # bicubic Cb, Cr (each channel is resized on its own)
            big = np.empty(chroma.shape[:2] + (3,))
            big[..., 1:] = chroma
            del chroma  # not kept while the network runs: peak memory as when Y was resized too
            big[..., 0] = network(ycc[..., :1])[..., 0]
            out = ycbcr2rgb(big)
    else:
        rgb = np.repeat(x[..., None], 3, axis=-1) if gray else x
        out = network(rgb)
        if gray:
            out = out.mean(axis=-1)
    out = np.clip(out, 0.0, 1.0)
    if alpha is not None:
        out = np.concatenate([out, np.clip(imresize(alpha, s), 0, 1)[..., None]], axis=-1)
    if image.ndim == 3 and image.shape[-1] == 1:
        out = out[..., None]
    return to_uint8(out) if is_uint8 else out.astype(image.dtype)
