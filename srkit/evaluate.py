"""The evaluation protocol of published SR tables, as one function.

For each HR image: modcrop to the scale; LR = MATLAB-bicubic downscale; SR = the method's output;
PSNR and SSIM on Y with ``crop_border`` pixels removed; then the mean of the per-image values.

Two variants both reproduce published tables (``protocol=``):

``"rgb"`` (EDSR/RCAN style) the RGB uint8 image is downscaled, the method maps uint8 RGB LR to uint8 RGB
          SR, and Y is taken at the end. Bicubic on Set5: 33.64 / 30.39 / 28.42 dB (x2/x3/x4).
``"y"``   (SRCNN/VDSR style) Y of the HR image is taken first and resized in floating point; the method
          maps a float Y image in [0, 1] to a float Y image, rounded to uint8 only at the end.
          Bicubic on Set5: 33.66 / 30.39 / 28.42 dB, the published row to the last digit.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from ._util import NonFiniteError
from .color import to_y
from .data import to_uint8
from .data.degradations import _ArrayMemo
from .metrics import _check_pair, _psnr, _reference_statistics, _ssim, prepare
from .resize import imresize, modcrop

__all__ = ["PROTOCOLS", "Evaluation", "evaluate", "bicubic_upscaler"]

PROTOCOLS = ("rgb", "y")

#: the prepared HR images of :func:`evaluate` (Y, cropped) and their SSIM statistics, by content
_REFERENCES = _ArrayMemo(max_bytes=64 * 2**20, shared=True)


@dataclass
class Evaluation:
    """Per-image PSNR (dB), SSIM and seconds, with their means over the set."""

    scale: int
    protocol: str
    psnr: dict[str, float] = field(default_factory=dict)
    ssim: dict[str, float] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def mean_psnr(self) -> float:
        return float(np.mean(list(self.psnr.values())))

    @property
    def mean_ssim(self) -> float:
        return float(np.mean(list(self.ssim.values())))

    @property
    def mean_seconds(self) -> float:
        return float(np.mean(list(self.seconds.values())))

    def to_frame(self):
        """Per-image PSNR (dB), SSIM and milliseconds as a ``pandas.DataFrame`` indexed by image name (the
        mean over the set is ``frame.mean()``, the per-image average of published tables)."""
        import pandas as pd

        frame = pd.DataFrame(
            {"psnr": self.psnr, "ssim": self.ssim, "ms": {name: 1000 * s for name, s in self.seconds.items()}}
        )
        frame.index.name = "image"
        return frame

    def __str__(self) -> str:
        lines = [f"x{self.scale} ({self.protocol} protocol)   PSNR (dB)   SSIM"]
        lines += [f"  {name:<22}{self.psnr[name]:9.2f}   {self.ssim[name]:.4f}" for name in self.psnr]
        lines.append(f"  {'mean':<22}{self.mean_psnr:9.2f}   {self.mean_ssim:.4f}")
        return "\n".join(lines)


def bicubic_upscaler(scale: int) -> Callable[[np.ndarray], np.ndarray]:
    """The baseline: MATLAB-bicubic upscaling (works for uint8 RGB and float Y alike)."""
    return lambda lr: imresize(lr, scale)


def evaluate(
    upscaler: Callable[[np.ndarray], np.ndarray],
    images: Mapping[str, np.ndarray],
    *,
    scale: int,
    crop_border: int,
    y_channel: bool = True,
    protocol: str = "rgb",
    degradation: str = "bicubic",
    seed: int = 0,
) -> Evaluation:
    """Score ``upscaler`` on HR ``images`` (name -> uint8 array) with the published protocol.

    ``upscaler`` maps LR to SR: uint8 RGB -> uint8 RGB for ``protocol="rgb"``, float Y (H x W, [0, 1]) ->
    float Y for ``protocol="y"``. ``y_channel=False`` scores all RGB channels (not the protocol; for
    showing how much that changes the number). ``degradation`` (``protocol="rgb"`` only) makes the LR images
    with :func:`srkit.data.degrade` instead of the benchmarks' bicubic -- e.g. ``"real"`` to score a model on
    the degradation it will meet; random ones use seeds ``seed``, ``seed + 1``, ... (one per image, fixed).
    """
    from .data.degradations import _LR_MEMO, DEGRADATIONS, _fingerprint, degrade

    if protocol not in PROTOCOLS:
        raise ValueError(f"protocol must be one of {PROTOCOLS}, got {protocol!r}")
    if degradation not in DEGRADATIONS:
        raise ValueError(f"unknown degradation {degradation!r}; choose one of {DEGRADATIONS}")
    if degradation != "bicubic" and protocol != "rgb":
        raise ValueError("other degradations than bicubic are only defined for protocol='rgb'")
    result = Evaluation(scale=scale, protocol=protocol)
    for index, (name, hr) in enumerate(images.items()):
        hr = modcrop(np.asarray(hr), scale)
        if protocol == "y":
            hr = to_y(hr)
            lr = _LR_MEMO.get(
                ("y", _fingerprint(hr), scale), lambda hr=hr: imresize(hr.astype(np.float64) / 255.0, 1 / scale)
            )
        elif degradation != "bicubic":
            lr = degrade(hr, scale, kind=degradation, seed=seed + index)
        elif hr.dtype == np.uint8:
            lr = degrade(hr, scale)  # imresize(hr, 1 / scale), made once per process for the same image
        else:
            lr = imresize(hr, 1 / scale)
        start = time.perf_counter()
        sr = upscaler(lr)
        result.seconds[name] = time.perf_counter() - start
        sr = np.asarray(sr)
        if protocol == "y":
            try:
                sr = to_uint8(sr)
            except NonFiniteError as e:  # NaN/inf: a diverged model must not get a plausible PSNR
                raise NonFiniteError(f"{name}: the upscaler's output: {e}") from None
        if sr.shape != hr.shape:
            raise ValueError(f"{name}: the upscaler returned shape {sr.shape}, expected {hr.shape}")
        # psnr() and ssim() of (hr, sr), with what depends on hr alone computed once per process (validation
        # scores the same images after every epoch, and lessons score many models on the same images)
        hr, sr = _check_pair(hr, sr)
        key = (_fingerprint(hr), crop_border, y_channel)
        x = _REFERENCES.get(key, lambda hr=hr: prepare(hr, crop_border=crop_border, y_channel=y_channel))
        y = prepare(sr, crop_border=crop_border, y_channel=y_channel)
        result.psnr[name] = _psnr(x, y)
        result.ssim[name] = _ssim(x, y, _REFERENCES.get(key + ("ssim",), lambda x=x: _reference_statistics(x)))
    if not result.psnr:
        raise ValueError("no images to evaluate")
    return result
