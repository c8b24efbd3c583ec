"""Keras callbacks of a training run: protocol validation, the best checkpoint, the per-epoch log.

Importing this module imports Keras (and TensorFlow); :mod:`srkit.training` imports it only when a run needs it.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import keras

from .._util import NonFiniteError, write_atomic
from ..evaluate import evaluate


class _Upscaler:
    def __init__(self, model, scale):
        self.model, self.scale = model, scale

    def __call__(self, lr):
        from ..inference import upscale

        return upscale(lr, model=self.model, scale=self.scale, tile=None)


class ValidationMetrics(keras.callbacks.Callback):
    """PSNR/SSIM (Y, ``crop_border=scale``, protocol ``rgb``) on full validation images, logged as ``val_psnr``
    and ``val_ssim`` after every epoch (so checkpoints and TensorBoard can use them). The LR images are made
    with ``degradation`` (fixed seeds), so a model is selected on what it is for.

    ``twin``: a float32 model of the same architecture; the trained model's weights are copied into it and
    *it* is scored (and saved by :class:`BestCheckpoint`): a model trained in mixed precision is judged, and
    shipped, as it will run -- in float32, not with bfloat16's 8-bit mantissa (about one grey level).

    It prints nothing itself: with ``verbose`` training, Keras' epoch line shows ``val_psnr`` and ``val_ssim``.
    A model whose outputs are NaN or infinite has diverged: its scores are NaN (never "best"), training stops,
    and the best checkpoint so far is kept."""

    def __init__(self, images: dict, scale: int, degradation: str = "bicubic", *, twin=None):
        super().__init__()
        self.images, self.scale, self.degradation, self.twin = images, scale, degradation, twin

    def on_epoch_end(self, epoch, logs=None):
        scored = self.model
        if self.twin is not None:
            self.twin.set_weights(self.model.get_weights())  # mixed precision keeps float32 variables
            scored = self.twin
        try:
            result = evaluate(
                _Upscaler(scored, self.scale),
                self.images,
                scale=self.scale,
                crop_border=self.scale,
                protocol="rgb",
                degradation=self.degradation,
                seed=1000,
            )
            psnr, ssim = result.mean_psnr, result.mean_ssim
        except NonFiniteError as error:  # the run diverged
            psnr = ssim = float("nan")  # never "best": the checkpoint keeps the last good epoch
            self.model.stop_training = True
            print(f" - training diverged ({error}); stopping, the best checkpoint so far is kept")
        if logs is not None:  # Keras' progress line (verbose > 0) and the run's history show them
            logs["val_psnr"], logs["val_ssim"] = psnr, ssim


class BestCheckpoint(keras.callbacks.ModelCheckpoint):
    """``ModelCheckpoint`` of the best ``val_psnr``; with a ``twin`` (see :class:`ValidationMetrics`) it saves
    the float32 twin instead of the mixed-precision model being trained. ``initial_value_threshold``: the best
    score of an earlier attempt of the same run, which a worse epoch must not replace."""

    def __init__(self, path: Path, *, twin=None, initial_value_threshold=None):
        super().__init__(
            str(path),
            monitor="val_psnr",
            mode="max",
            save_best_only=True,
            initial_value_threshold=initial_value_threshold,
        )
        self.twin = twin

    def set_model(self, model):
        super().set_model(model if self.twin is None else self.twin)


class EpochLog(keras.callbacks.Callback):
    """After each epoch, add ``{metrics..., seconds}`` to ``epochs`` and write them all to ``path``
    (atomically), so that a run killed and resumed reports all of itself."""

    def __init__(self, path: Path, epochs: dict[int, dict]):
        super().__init__()
        self.path, self.epochs = path, epochs

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.epochs[epoch] = {
            **{k: float(v) for k, v in (logs or {}).items()},
            "seconds": time.perf_counter() - self._start,
        }
        write_atomic(self.path, json.dumps({str(e): self.epochs[e] for e in sorted(self.epochs)}, indent=1))
