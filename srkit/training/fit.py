"""``fit``: train a model briefly on LR/HR pairs, for the lessons and for experiments (no run folder, no
resuming): the few lines around ``model.fit`` that a lesson would otherwise write again."""

from __future__ import annotations

import time
from collections.abc import Sequence


def fit(
    model,
    pairs: Sequence,
    *,
    steps: int,
    scale: int | None = None,
    loss="mae",
    learning_rate: float = 1e-3,
    alpha: float = 0.1,
    optimizer=None,
    epochs: int = 1,
    lr_patch: int = 16,
    batch_size: int = 16,
    augment: bool = True,
    seed: int = 0,
    validation: dict | None = None,
    callbacks: Sequence = (),
    jit_compile: bool = True,
    verbose: int = 0,
) -> dict:
    """Train ``model`` for ``steps`` steps on random patches of ``pairs`` (``(lr, hr)`` as
    :func:`srkit.data.make_pairs` gives them) and return its history: ``{"loss": [...], ..., "seconds": s}``.

    The optimizer is Adam with a cosine decay from ``learning_rate`` to ``alpha * learning_rate`` over the
    ``steps`` (or ``optimizer``, any Keras optimizer); ``loss`` is a Keras loss name or a function such as
    :func:`srkit.losses.l1`. With ``loss=None`` the model is trained as it was compiled: a
    :class:`srkit.losses.SRGAN` with its two optimizers, say (its generator tells what the patches must be).
    Patches: ``lr_patch`` LR pixels square (HR = ``lr_patch * scale``), ``batch_size`` per step, flipped and
    rotated when ``augment``, drawn from a stream seeded with ``seed``; on Y or RGB and bicubic-upsampled or
    not, as the model takes them (:func:`srkit.inference.describe`). The steps are split into ``epochs`` of
    ``steps // epochs`` steps; with ``validation`` images, each epoch ends with their PSNR/SSIM under the
    published protocol (``val_psnr``/``val_ssim`` in the history, :class:`srkit.training.ValidationMetrics`).
    """
    import keras

    from .. import data
    from .._util import positive_int
    from ..inference import describe

    steps, epochs = positive_int(steps, "steps"), positive_int(epochs, "epochs")
    if scale is None:
        lr, hr = pairs[0]
        scale = hr.shape[0] // lr.shape[0]
    info = describe(getattr(model, "generator", model), scale)
    if loss is not None:
        if optimizer is None:
            schedule = keras.optimizers.schedules.CosineDecay(learning_rate, steps, alpha=alpha)
            optimizer = keras.optimizers.Adam(schedule)
        model.compile(optimizer=optimizer, loss=loss, jit_compile=jit_compile)
    elif optimizer is not None:
        raise ValueError(
            "optimizer= is used to compile the model with a loss: pass loss= too (loss=None trains "
            "the model as it was compiled)"
        )
    elif not model.compiled:
        raise ValueError("loss=None trains the model as it was compiled, but it was not compiled: pass loss=")
    patches = data.patch_dataset(
        pairs,
        scale=info.scale,
        patch_size=lr_patch * info.scale,
        batch_size=batch_size,
        color="y" if info.channels == 1 else "rgb",
        upsample_input=info.pre_upsampled,
        seed=seed,
        augment=augment,
    )
    watch = list(callbacks)
    if validation:
        from .callbacks import ValidationMetrics

        watch.insert(0, ValidationMetrics(validation, info.scale))
    start = time.perf_counter()
    history = model.fit(
        patches, epochs=epochs, steps_per_epoch=max(1, steps // epochs), verbose=verbose, shuffle=False, callbacks=watch
    )
    return dict(history.history, seconds=time.perf_counter() - start)
