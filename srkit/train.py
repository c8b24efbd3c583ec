"""Training: named presets x budgets, built on ``model.fit`` and Keras callbacks.

``python -m srkit.train --preset espcn-x3 [--budget quick|cpu|gpu] [--steps N] [--data DIR] [--out DIR]``

What a run does: (LR, HR) pairs from the bundled training split (or a folder of your HR images, or a
downloaded set such as ``div2k_train_hr``) -> :func:`srkit.data.patch_dataset` -> ``model.fit`` with Adam
and a cosine learning-rate schedule. After every "epoch" (a fixed number of steps) the model is scored on
the **full validation images with the published protocol** (PSNR/SSIM on Y, border cropped) -- not on random
crops, and not from the batch MSE. Callbacks keep the best model (``best.keras``), a backup from which a
killed run resumes when started again with the same ``--out`` (``BackupAndRestore``), TensorBoard logs, and
a JSON record of everything needed to repeat the run (``record.json``).

Scaling out (``--strategy``, :func:`make_strategy`): ``mirrored`` copies the model onto every GPU (or onto
``--logical-cpus N`` logical CPU devices, to try data parallelism on a laptop) and splits each batch between
them; ``multi-worker`` does the same across machines described by the ``TF_CONFIG`` environment variable;
``tpu`` uses a Colab/Cloud TPU.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import sys
import time
import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np

from . import budget as budget_mod
from . import data
from ._util import positive_int, write_atomic
from .evaluate import evaluate

__all__ = [
    "Preset",
    "PRESETS",
    "PRECISIONS",
    "STRATEGIES",
    "preset",
    "make_strategy",
    "train",
    "use_xla",
    "build_model",
    "ValidationMetrics",
    "main",
]


@dataclass(frozen=True)
class Preset:
    """A model, its scale and how to train it; ``steps`` per budget (quick / cpu / gpu)."""

    model: str
    scale: int
    steps: dict
    hyperparameters: dict = field(default_factory=dict)
    lr_patch: int = 16  # LR patch size (HR = lr_patch * scale)
    batch_size: int = 16
    learning_rate: float = 1e-3
    loss: str = "l1"  # "l1" or "l2"
    epochs: int = 10  # validation points per run (steps are split evenly)


# steps per budget: quick (CI, seconds), cpu (a few minutes on 2 cores), gpu (a Colab GPU session)
_BASE = {
    "srcnn": dict(model="srcnn-915", steps=dict(quick=40, cpu=6_000, gpu=100_000), lr_patch=11, loss="l2"),
    "srcnn-955": dict(model="srcnn-955", steps=dict(quick=40, cpu=4_000, gpu=100_000), lr_patch=11, loss="l2"),
    "fsrcnn": dict(model="fsrcnn", steps=dict(quick=40, cpu=8_000, gpu=100_000), loss="l2"),
    "fsrcnn-s": dict(model="fsrcnn-s", steps=dict(quick=40, cpu=10_000, gpu=100_000), loss="l2"),
    # ReLU instead of the paper's tanh (why, measured: srkit.models.espcn and MODEL_CARD.md)
    "espcn": dict(
        model="espcn", steps=dict(quick=40, cpu=15_000, gpu=100_000), loss="l2", hyperparameters=dict(activation="relu")
    ),
    "vdsr": dict(model="vdsr", steps=dict(quick=20, cpu=1_000, gpu=60_000), lr_patch=14, learning_rate=1e-4),
    "edsr-small": dict(model="edsr-small", steps=dict(quick=20, cpu=3_000, gpu=100_000), lr_patch=24),
    # trained with --precision mixed_bfloat16 on a CPU with AMX (4.7x faster than float32 here)
    "edsr-medium": dict(
        model="edsr-medium", steps=dict(quick=10, cpu=1_000, gpu=100_000), lr_patch=24, learning_rate=5e-4
    ),
    "unet": dict(model="unet", steps=dict(quick=20, cpu=3_000, gpu=100_000), lr_patch=24),
    "edsr-baseline": dict(
        model="edsr-baseline", steps=dict(quick=10, cpu=300, gpu=100_000), lr_patch=24, learning_rate=1e-4
    ),
}
PRESETS: dict[str, Preset] = {
    f"{name}-x{s}": Preset(scale=s, **base) for name, base in _BASE.items() for s in (2, 3, 4)
}


STRATEGIES = ("default", "mirrored", "multi-worker", "tpu")


def make_strategy(name: str = "default", *, logical_cpus: int | None = None):
    """A ``tf.distribute`` strategy by name (synchronous data parallelism: every replica holds the whole model,
    gets a slice of each batch, and the gradients are summed across replicas before each update).

    ``default``      one device (no distribution);
    ``mirrored``     ``MirroredStrategy`` over all GPUs, or over the CPU's logical devices when there is no GPU;
                     ``logical_cpus=N`` first splits the CPU into N logical devices -- this must happen before
                     TensorFlow starts (a fresh process), e.g. ``python -m srkit.train ... --logical-cpus 2``;
    ``multi-worker`` ``MultiWorkerMirroredStrategy``: one process per worker, the cluster and this worker's
                     index read from ``TF_CONFIG`` (collective all-reduce over the network);
    ``tpu``          ``TPUStrategy`` on the TPU named by ``TPU_NAME`` / ``COLAB_TPU_ADDR``, else on the TPU attached
                     to this machine (a TPU VM, as Colab's TPU runtimes now are: ``TPUClusterResolver(tpu="local")``).
    """
    import tensorflow as tf

    if name not in STRATEGIES:
        raise ValueError(f"unknown strategy {name!r}; choose one of {STRATEGIES}")
    if logical_cpus is not None:
        if name != "mirrored" or logical_cpus < 1:
            raise ValueError("logical_cpus (a positive number) only applies to the 'mirrored' strategy")
        cpu = tf.config.list_physical_devices("CPU")[0]
        try:
            tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * logical_cpus)
        except RuntimeError:
            raise RuntimeError(
                "TensorFlow has already started in this process: logical CPU devices must be made "
                "first (run `python -m srkit.train ... --logical-cpus N` in a fresh process)"
            ) from None
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        gpus = tf.config.list_logical_devices("GPU")
        devices = [d.name for d in (gpus or tf.config.list_logical_devices("CPU"))]
        return tf.distribute.MirroredStrategy(devices)
    if name == "multi-worker":
        if "TF_CONFIG" not in os.environ:
            raise ValueError(
                "the multi-worker strategy needs TF_CONFIG, e.g. "
                '{"cluster": {"worker": ["host1:port", "host2:port"]}, "task": {"type": "worker", "index": 0}}'
            )
        return tf.distribute.MultiWorkerMirroredStrategy()
    try:
        # a TPU by name or address (Cloud TPU nodes, the older Colab runtime), else the TPU attached to this
        # machine: Colab's TPU runtimes are TPU VMs, where the resolver needs tpu="local"
        named = os.environ.get("TPU_NAME") or os.environ.get("COLAB_TPU_ADDR")
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver(tpu=None if named else "local")
        tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
    except (ValueError, RuntimeError, tf.errors.OpError) as error:
        raise RuntimeError(
            f"no TPU found ({str(error).splitlines()[0] if str(error) else type(error).__name__}): "
            "choose a TPU runtime on Colab, or another strategy"
        ) from None
    return tf.distribute.TPUStrategy(resolver)


def _worker_index() -> int:
    """This process's index in a multi-worker cluster (``TF_CONFIG``), 0 otherwise."""
    config = json.loads(os.environ.get("TF_CONFIG") or "{}")
    return int(config.get("task", {}).get("index", 0))


def preset(name: str) -> Preset:
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; choose one of {sorted(PRESETS)}")
    return PRESETS[name]


class _Upscaler:
    def __init__(self, model, scale):
        self.model, self.scale = model, scale

    def __call__(self, lr):
        from .inference import upscale

        return upscale(lr, model=self.model, scale=self.scale, tile=None)


def ValidationMetrics(images: dict, scale: int, degradation: str = "bicubic", *, twin=None):  # noqa: N802 (a Keras callback class, built lazily)
    """Keras callback: PSNR/SSIM (Y, ``crop_border=scale``, protocol ``rgb``) on full validation images,
    logged as ``val_psnr`` and ``val_ssim`` after every epoch (so checkpoints and TensorBoard can use them).
    The LR images are made with ``degradation`` (fixed seeds), so a model is selected on what it is for.

    ``twin``: a float32 model of the same architecture; the trained model's weights are copied into it and
    *it* is scored (and saved by :func:`_checkpoint`): a model trained in mixed precision is judged, and
    shipped, as it will run -- in float32, not with bfloat16's 8-bit mantissa (about one grey level)."""
    import keras

    class _ValidationMetrics(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            scored = self.model
            if twin is not None:
                twin.set_weights(self.model.get_weights())  # mixed precision keeps float32 variables
                scored = twin
            try:
                result = evaluate(
                    _Upscaler(scored, scale),
                    images,
                    scale=scale,
                    crop_border=scale,
                    protocol="rgb",
                    degradation=degradation,
                    seed=1000,
                )
                psnr, ssim = result.mean_psnr, result.mean_ssim
            except ValueError as error:  # NaN/inf outputs: the run diverged
                if "NaN" not in str(error):
                    raise
                psnr = ssim = float("nan")  # never "best": the checkpoint keeps the last good epoch
                self.model.stop_training = True
                print(f" - training diverged ({error}); stopping, the best checkpoint so far is kept")
            if logs is not None:
                logs["val_psnr"], logs["val_ssim"] = psnr, ssim
            print(f" - val_psnr {psnr:.3f} dB - val_ssim {ssim:.4f}")

    return _ValidationMetrics()


def _checkpoint(path: Path, *, twin=None, initial_value_threshold=None):
    """``ModelCheckpoint`` of the best ``val_psnr``; with a ``twin`` (see :func:`ValidationMetrics`) it saves the
    float32 twin instead of the mixed-precision model being trained."""
    import keras

    class _Checkpoint(keras.callbacks.ModelCheckpoint):
        def set_model(self, model):
            super().set_model(model if twin is None else twin)

    return _Checkpoint(
        str(path), monitor="val_psnr", mode="max", save_best_only=True, initial_value_threshold=initial_value_threshold
    )


#: Keras dtype policies a run can train in (``--precision``): mixed ones compute in 16 bits, keep float32 weights
PRECISIONS = ("float32", "mixed_bfloat16", "mixed_float16")


def use_xla(precision: str = "float32", replicas: int = 1) -> bool:
    """Whether a training step is compiled with XLA: not when variables are mirrored on several devices (XLA
    cannot compile that step), nor for mixed precision on a CPU -- XLA bypasses oneDNN's bfloat16 (AMX)
    kernels there, 4x slower than without it (EDSR-medium x3, ``python -m srkit.benchmark training``)."""
    import tensorflow as tf

    return replicas == 1 and (precision == "float32" or bool(tf.config.list_physical_devices("GPU")))


def build_model(p: Preset, precision: str = "float32"):
    """The preset's model, its layers computing in ``precision`` (:data:`PRECISIONS`, a Keras dtype policy);
    the global dtype policy is left as it was."""
    import keras

    from . import models

    if precision not in PRECISIONS:
        raise ValueError(f"unknown precision {precision!r}; choose one of {PRECISIONS}")
    outer = keras.config.dtype_policy()
    keras.config.set_dtype_policy(precision)
    try:
        return models.build(p.model, scale=p.scale, **p.hyperparameters)
    finally:
        keras.config.set_dtype_policy(outer)


def split_steps(total: int, epochs: int = 10, most_per_call: int = 32) -> tuple[int, int, int]:
    """``(epochs, steps_per_epoch, steps_per_execution)`` that run exactly ``total`` training steps.

    Keras runs whole calls of ``steps_per_execution`` steps, so an epoch of 700 steps at 32 per call would
    really run 704 (and the cosine schedule would sit at its floor for the extra ones). So the epochs are the
    largest divisor of ``total`` up to ``epochs`` and the steps per call the largest divisor of an epoch up to
    ``most_per_call`` (a prime number of steps per epoch runs one step per call: slower, but exact).
    """
    total = positive_int(total, "steps", floats=True)
    epochs = max(d for d in range(1, min(epochs, total) + 1) if total % d == 0)
    per_epoch = total // epochs
    per_call = max(d for d in range(1, min(most_per_call, per_epoch) + 1) if per_epoch % d == 0)
    return epochs, per_epoch, per_call


#: per-epoch log of a run folder (metrics and seconds), so that a run killed and resumed reports all of itself
EPOCH_LOG = "epochs.json"


def _earlier_epochs(run_dir: Path) -> dict[int, dict]:
    """Epochs finished by an earlier, killed attempt of this run: only while a backup to resume from exists
    (a finished run deletes its backup, and the next run in the folder starts afresh)."""
    log = run_dir / EPOCH_LOG
    if not (run_dir / "backup").is_dir() or not log.exists():
        log.unlink(missing_ok=True)
        return {}
    return {int(e): v for e, v in json.loads(log.read_text()).items()}


def _backed_up_epochs(run_dir: Path) -> int:
    """How many epochs a killed attempt finished and backed up: Keras' ``BackupAndRestore`` resumes after them
    (it keeps the count in ``backup/training_metadata.json``; 0 when there is nothing to resume)."""
    try:
        return int(json.loads((run_dir / "backup" / "training_metadata.json").read_text())["epoch"])
    except (OSError, ValueError, KeyError, TypeError):
        return 0


def _epoch_log(path: Path, epochs: dict[int, dict]):
    """Keras callback: after each epoch, add ``{metrics..., seconds}`` to ``epochs`` and write them all to
    ``path`` (atomically)."""
    import keras

    class _EpochLog(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self._start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            epochs[epoch] = {
                **{k: float(v) for k, v in (logs or {}).items()},
                "seconds": time.perf_counter() - self._start,
            }
            write_atomic(path, json.dumps({str(e): epochs[e] for e in sorted(epochs)}, indent=1))

    return _EpochLog()


def _training_images(source: str | None) -> tuple[dict, str]:
    if source is None:
        return data.bundled("train"), "bundled train split"
    path = Path(source)
    if not path.is_dir():
        from . import download

        try:
            found = download.local(source)
        except ValueError as error:
            raise ValueError(f"{source!r} is neither a folder nor a downloaded data set: {error}") from None
        if found is None:
            raise ValueError(
                f"{source!r} is neither a folder nor a downloaded data set "
                f"(fetch one with `python -m srkit.download {source}`)"
            )
        path = found
    return data.load_folder(path, as_rgb=False), str(path)


def train(
    preset_name: str,
    *,
    budget: str | None = None,
    steps: int | None = None,
    data_source: str | None = None,
    out: str | os.PathLike | None = None,
    seed: int = 0,
    strategy=None,
    verbose: int = 2,
    command: str | None = None,
    extra_callbacks: list | None = None,
    init_from: str | None = None,
    degradation: str = "bicubic",
    copies: int | None = None,
    min_std: float = 0.0,
    hr_scales: Sequence[float] = (),
    learning_rate: float | None = None,
    precision: str = "float32",
    lr_patch: int | None = None,
    hr_shifts: bool = False,
):
    """Train a preset; returns (model, record). Files go to ``out`` (default ``data/runs/<preset>-<budget>``).

    ``strategy`` is a ``tf.distribute`` strategy (the model is built in its scope, batches are split).
    ``init_from`` (a shipped model name or a ``.keras`` file) fine-tunes: every layer with the same name and
    shapes starts from those weights (:func:`srkit.pretrained.transfer`), e.g. x4 from ``edsr-small-x2``.
    ``degradation`` makes the training LR images (:data:`srkit.data.DEGRADATIONS`) and the validation LR images
    the best model is selected on (fixed seeds); random ones get ``copies`` realisations per training image
    (default 4, else 1). ``min_std`` > 0 skips training patches whose HR standard deviation is below it
    (:func:`srkit.data.patch_dataset`): a third of the bundled split's area is the nearly flat retina, and
    flat patches teach almost nothing (MODEL_CARD.md has what 0.04 measured). ``hr_scales`` (factors in (0, 1))
    adds shrunk copies of every training image (:func:`srkit.data.downscaled_copies`, FSRCNN's scale augmentation).
    ``hr_shifts`` adds every training image (and copy) shifted by 0..scale-1 pixels down and right
    (:func:`srkit.data.shifted_copies`): LR images from all ``scale**2`` phases of the sampling grid.
    ``learning_rate`` replaces the preset's peak learning rate (the start of the cosine decay), e.g. a lower one
    for another cycle from a converged model (SGDR, Loshchilov & Hutter, ICLR 2017, restarts the cosine).
    ``precision`` (:data:`PRECISIONS`) is the Keras dtype policy of training (Micikevicius et al., "Mixed
    Precision Training", ICLR 2018): ``mixed_bfloat16`` runs the convolutions in bfloat16 -- on CPUs with AMX
    (Intel Xeon 4th generation and later) 2-5x faster (``python -m srkit.benchmark training``); ``mixed_float16``
    is for GPUs (with loss scaling). Weights stay float32; validation and ``best.keras`` use a float32 copy.
    ``lr_patch`` replaces the preset's LR training patch size (HR patches are ``lr_patch * scale``): a deep
    network's receptive field outgrows small patches (EDSR, Lim et al., CVPRW 2017, trains on 48 x 48 LR patches).
    """
    import keras
    import tensorflow as tf

    from . import models
    from .download import data_dir

    p = preset(preset_name)
    if learning_rate is not None:
        if not 0 < learning_rate < 1:  # also rejects NaN
            raise ValueError(f"learning_rate must be between 0 and 1 (exclusive), got {learning_rate}")
        p = replace(p, learning_rate=float(learning_rate))
    if lr_patch is not None:
        if isinstance(lr_patch, bool) or int(lr_patch) != lr_patch or not 4 <= lr_patch <= 512:
            raise ValueError(f"lr_patch must be a whole number of LR pixels from 4 to 512, got {lr_patch!r}")
        p = replace(p, lr_patch=int(lr_patch))
    if precision not in PRECISIONS:
        raise ValueError(f"unknown precision {precision!r}; choose one of {PRECISIONS}")
    budget = budget or budget_mod.current()
    if budget not in budget_mod.BUDGETS:
        raise ValueError(f"unknown budget {budget!r}; choose one of {budget_mod.BUDGETS}")
    total = p.steps[budget] if steps is None else steps
    epochs, per_epoch, per_call = split_steps(total, p.epochs)
    if epochs < min(p.epochs, total) or per_call < min(8, per_epoch):
        warnings.warn(
            f"{total} steps split into {epochs} epoch(s) of {per_epoch} steps, {per_call} per call "
            f"(exact, but fewer validations and backups, or slower, than a round number such as "
            f"{round(total, -max(1, len(str(total)) - 2))})",
            stacklevel=2,
        )
    if not 0 <= min_std < 0.5:  # the standard deviation of [0, 1] values is at most 0.5
        raise ValueError(f"min_std must be in [0, 0.5), got {min_std}")
    hr_scales = [float(f) for f in hr_scales]
    if any(not 0 < f < 1 for f in hr_scales):
        raise ValueError(f"hr_scales must be factors between 0 and 1 (exclusive), got {hr_scales}")
    run_dir = Path(out) if out is not None else data_dir() / "runs" / f"{preset_name}-{budget}"
    if strategy is not None and isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy) and _worker_index():
        run_dir = run_dir / f"worker-{_worker_index()}"  # the chief (worker 0) writes the run folder itself
    run_dir.mkdir(parents=True, exist_ok=True)

    keras.utils.set_random_seed(seed)
    arch = models.REGISTRY[p.model]
    train_images, source_name = _training_images(data_source)
    patch = p.lr_patch * p.scale
    if hr_scales:  # copies too small for one training patch are left out
        train_images = data.downscaled_copies(train_images, hr_scales, min_size=patch)
    if hr_shifts:  # a shift can take a copy below one training patch: those are left out too
        train_images = data.shifted_copies(train_images, p.scale, min_size=patch)
    val_images = data.bundled("validation")
    if degradation not in data.DEGRADATIONS:
        raise ValueError(f"unknown degradation {degradation!r}; choose one of {data.DEGRADATIONS}")
    if copies is None:
        copies = 4 if degradation in ("noise", "blur-noise", "real") else 1
    pairs = data.make_pairs(train_images, p.scale, degradation=degradation, copies=copies, seed=seed)
    ds = data.patch_dataset(
        pairs,
        scale=p.scale,
        patch_size=patch,
        batch_size=p.batch_size,
        color=arch.color,
        upsample_input=arch.pre_upsampled,
        seed=seed,
        min_std=min_std,
    )

    strategy = strategy or tf.distribute.get_strategy()
    with strategy.scope():
        model = build_model(p, precision)
        twin = build_model(p) if precision != "float32" else None
        transferred = []
        if init_from:
            from . import pretrained

            transferred = pretrained.transfer(init_from, model)
            if not transferred:
                raise ValueError(
                    f"no layer of {init_from!r} matches {p.model!r} by name and shape: nothing to fine-tune from"
                )
        schedule = keras.optimizers.schedules.CosineDecay(p.learning_rate, decay_steps=total, alpha=0.01)
        # XLA and several steps per call: 2-3x faster for these small models on a CPU (measured, ESPCN x3)
        model.compile(
            optimizer=keras.optimizers.Adam(schedule, clipnorm=1.0 if p.model == "vdsr" else None),
            loss="mae" if p.loss == "l1" else "mse",
            jit_compile=use_xla(precision, strategy.num_replicas_in_sync),
            # nor can Keras loop several steps per call there (a placeholder error with MirroredStrategy)
            steps_per_execution=per_call if strategy.num_replicas_in_sync == 1 else 1,
        )
    multi_worker = isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy)
    done = 0 if multi_worker else _backed_up_epochs(run_dir)
    if done:
        # resuming: go on with the batches the killed attempt had not reached yet (the stream is seeded),
        # instead of replaying the first epochs' patches -- a resumed run ends as an uninterrupted one would
        if verbose:
            print(
                f"resuming after epoch {done}: drawing and skipping the {done * per_epoch} batches "
                "it trained on (about 500 per second on 2 CPU cores)"
            )
        ds = ds.skip(done * per_epoch)
    earlier = {} if multi_worker else _earlier_epochs(run_dir)  # a killed run that resumes: its finished epochs
    earlier_best = max((e["val_psnr"] for e in earlier.values() if "val_psnr" in e), default=None)
    all_epochs = dict(earlier)  # the epoch log adds this attempt's epochs
    callbacks = [
        ValidationMetrics(val_images, p.scale, degradation, twin=twin),
        # on resuming, a checkpoint better than the earlier best must not be replaced by a worse one; saved
        # before the epoch is logged, so a run killed in between never logs a best score it did not save
        _checkpoint(run_dir / "best.keras", twin=twin, initial_value_threshold=earlier_best),
        *([] if multi_worker else [_epoch_log(run_dir / EPOCH_LOG, all_epochs)]),
        *(
            []
            if multi_worker
            else [
                keras.callbacks.BackupAndRestore(str(run_dir / "backup")),
                keras.callbacks.TensorBoard(str(run_dir / "logs"), write_graph=False),
            ]
        ),
        *(extra_callbacks or []),
    ]
    start = time.perf_counter()
    if multi_worker:
        history = _fit_multi_worker(
            model, ds, strategy, epochs=epochs, steps_per_epoch=per_epoch, callbacks=callbacks, verbose=verbose
        )
    else:
        history = model.fit(ds, epochs=epochs, steps_per_epoch=per_epoch, callbacks=callbacks, verbose=verbose)
    seconds = time.perf_counter() - start
    if not (run_dir / "best.keras").exists():
        raise RuntimeError(
            f"{run_dir}: no checkpoint -- training diverged before its first validation (NaN); "
            "try a lower --learning-rate"
        )
    best = keras.models.load_model(run_dir / "best.keras", safe_mode=True, compile=False)
    resumed_after = min(history.epoch, default=epochs) if earlier else None
    if earlier:  # resumed: the record covers the whole run, not only its last part
        seconds += sum(v["seconds"] for e, v in earlier.items() if e < resumed_after)
        history.history = {
            k: [all_epochs[e][k] for e in sorted(all_epochs) if k in all_epochs[e]] for k in history.history
        }
    val_psnr = history.history.get("val_psnr", [])
    record = dict(
        preset=preset_name,
        **{k: v for k, v in asdict(p).items() if k != "steps"},
        parameters=models.count_params(best),
        budget=budget,
        steps=per_epoch * epochs,
        seed=seed,
        data=source_name,
        degradation=degradation,
        copies=copies,
        min_std=min_std,
        hr_scales=hr_scales,
        hr_shifts=hr_shifts,
        init_from=init_from,
        precision=precision,
        replicas=strategy.num_replicas_in_sync,
        strategy="MultiWorkerMirroredStrategy" if multi_worker else type(strategy).__name__,
        transferred_layers=len(transferred),
        train_images=sorted(train_images),
        validation_images=sorted(val_images),
        seconds=round(seconds, 1),
        resumed_after_epochs=resumed_after,
        best_val_psnr=max((v for v in val_psnr if v == v), default=None),  # NaN: a diverged epoch
        history={k: [float(x) for x in v] for k, v in history.history.items()},
        command=command
        or f"python -m srkit.train --preset {preset_name} --budget {budget}"
        + (f" --steps {steps}" if steps is not None else "")
        + f" --seed {seed}"
        + (f" --data {shlex.quote(str(data_source))}" if isinstance(data_source, (str, os.PathLike)) else "")
        + (f" --out {shlex.quote(str(out))}" if out is not None else "")
        + (f" --init-from {init_from}" if init_from else "")
        + (f" --degradation {degradation}" if degradation != "bicubic" else "")
        + (f" --min-std {min_std:g}" if min_std else "")
        + (" --hr-scales " + " ".join(f"{f:g}" for f in hr_scales) if hr_scales else "")
        + (" --hr-shifts" if hr_shifts else "")
        + (f" --learning-rate {learning_rate:g}" if learning_rate is not None else "")
        + (f" --lr-patch {lr_patch}" if lr_patch is not None else "")
        + (f" --precision {precision}" if precision != "float32" else ""),
        versions=dict(python=platform.python_version(), tensorflow=tf.__version__, keras=keras.__version__),
        machine=dict(cpus=os.cpu_count(), gpus=len(tf.config.list_physical_devices("GPU"))),
    )
    (run_dir / "record.json").write_text(json.dumps(record, indent=1))
    return best, record


def _fit_multi_worker(model, ds, strategy, *, epochs: int, steps_per_epoch: int, callbacks: list, verbose: int):
    """``model.fit`` for ``MultiWorkerMirroredStrategy``, which Keras 3's ``fit`` cannot drive yet (it all-reduces
    a data batch eagerly before training: keras-team/keras#20585). This is the standard tf.distribute custom
    loop: every worker takes its shard of each global batch, computes the gradient of its share of the
    batch-mean loss (``tf.nn.compute_average_loss``), the optimizer sums the gradients over all replicas, and
    every worker applies the same update. Callbacks get the same epoch events as in ``fit`` (no resumable
    backups or TensorBoard here). Returns a ``keras.callbacks.History``."""
    import keras
    import tensorflow as tf

    loss_fn = keras.losses.get(model.loss)
    global_batch = int(ds.element_spec[0].shape[0])
    iterator = iter(strategy.experimental_distribute_dataset(ds))
    with strategy.scope():
        model.optimizer.build(model.trainable_variables)

    def replica_step(lr, hr):
        with tf.GradientTape() as tape:
            per_pixel = loss_fn(hr, tf.cast(model(lr, training=True), tf.float32))  # (batch, H, W)
            per_example = tf.reduce_mean(tf.reshape(per_pixel, [tf.shape(per_pixel)[0], -1]), axis=1)
            loss = tf.nn.compute_average_loss(per_example, global_batch_size=global_batch)
            # mixed_float16 wraps the optimizer in a LossScaleOptimizer, which divides the gradients by the
            # loss scale: the loss must be multiplied by it first (fit() does this; a custom loop must too)
            scaled = model.optimizer.scale_loss(loss)
        model.optimizer.apply_gradients(
            zip(tape.gradient(scaled, model.trainable_variables), model.trainable_variables)
        )
        return loss

    @tf.function
    def train_step(it):
        return strategy.reduce("SUM", strategy.run(replica_step, args=next(it)), axis=None)

    history = keras.callbacks.History()
    callback_list = keras.callbacks.CallbackList(
        [*callbacks, history], model=model, epochs=epochs, steps=steps_per_epoch, verbose=verbose
    )
    callback_list.on_train_begin()
    for epoch in range(epochs):
        callback_list.on_epoch_begin(epoch)
        losses = [float(train_step(iterator)) for _ in range(steps_per_epoch)]
        logs = {"loss": float(np.mean(losses))}
        callback_list.on_epoch_end(epoch, logs)
        if verbose:
            print(f"epoch {epoch + 1}/{epochs} - loss {logs['loss']:.5f}")
    callback_list.on_train_end()
    return history


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m srkit.train", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--preset", required=True, help=f"one of: {', '.join(sorted(PRESETS))}")
    parser.add_argument(
        "--budget", choices=budget_mod.BUDGETS, default=None, help="default: detected (see srkit.budget)"
    )
    parser.add_argument("--steps", type=int, default=None, help="training steps (overrides the budget)")
    parser.add_argument(
        "--data", default=None, help="folder of HR images or a downloaded set (default: bundled train split)"
    )
    parser.add_argument(
        "--out", default=None, help="run folder (default: data/runs/PRESET-BUDGET); same folder resumes"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--init-from", default=None, help="fine-tune: start from a shipped model (e.g. edsr-small-x2) or a .keras file"
    )
    parser.add_argument(
        "--strategy",
        choices=STRATEGIES,
        default="default",
        help="distribute training: mirrored (all GPUs, or --logical-cpus), multi-worker (TF_CONFIG), tpu",
    )
    parser.add_argument(
        "--logical-cpus",
        type=int,
        default=None,
        help="with --strategy mirrored and no GPU: split the CPU into N logical devices (to learn)",
    )
    parser.add_argument(
        "--degradation",
        choices=data.DEGRADATIONS,
        default="bicubic",
        help="how training and validation LR images are made (default: the benchmarks' bicubic)",
    )
    parser.add_argument(
        "--min-std",
        type=float,
        default=0.0,
        help="skip training patches whose HR standard deviation (0..1) is below this (default 0: keep all)",
    )
    parser.add_argument(
        "--hr-scales",
        type=float,
        nargs="+",
        default=[],
        metavar="FACTOR",
        help="also train on every image shrunk by these factors in (0, 1), e.g. 0.9 0.8 0.7 0.6 0.5",
    )
    parser.add_argument(
        "--hr-shifts",
        action="store_true",
        help="also train on every image shifted by 0..scale-1 pixels: LR from every phase of the sampling grid",
    )
    parser.add_argument(
        "--learning-rate",
        type=float,
        default=None,
        help="peak learning rate of the cosine schedule (default: the preset's)",
    )
    parser.add_argument(
        "--precision",
        choices=PRECISIONS,
        default="float32",
        help="mixed_bfloat16: 2-3x faster on CPUs with AMX; mixed_float16: GPUs (default float32)",
    )
    parser.add_argument(
        "--lr-patch",
        type=int,
        default=None,
        help="LR training patch size in pixels (HR patches are this times the scale; default: the preset's)",
    )
    args = parser.parse_args(argv)
    try:
        preset(args.preset)
    except ValueError as error:
        parser.error(str(error))
    command = "python -m srkit.train " + shlex.join(sys.argv[1:] if argv is None else argv)
    if not 0 <= args.min_std < 0.5:
        parser.error(f"--min-std must be in [0, 0.5), got {args.min_std}")
    if any(not 0 < f < 1 for f in args.hr_scales):
        parser.error(f"--hr-scales must be factors between 0 and 1 (exclusive), got {args.hr_scales}")
    if args.learning_rate is not None and not 0 < args.learning_rate < 1:
        parser.error(f"--learning-rate must be between 0 and 1 (exclusive), got {args.learning_rate}")
    if args.steps is not None and args.steps < 1:
        parser.error(f"--steps must be a positive number of training steps, got {args.steps}")
    if args.lr_patch is not None and not 4 <= args.lr_patch <= 512:
        parser.error(f"--lr-patch must be from 4 to 512 LR pixels, got {args.lr_patch}")
    try:
        strategy = make_strategy(args.strategy, logical_cpus=args.logical_cpus)
    except (ValueError, RuntimeError) as error:
        parser.error(str(error))
    _, record = train(
        args.preset,
        budget=args.budget,
        steps=args.steps,
        data_source=args.data,
        out=args.out,
        seed=args.seed,
        command=command,
        init_from=args.init_from,
        degradation=args.degradation,
        strategy=strategy,
        min_std=args.min_std,
        hr_scales=args.hr_scales,
        learning_rate=args.learning_rate,
        precision=args.precision,
        lr_patch=args.lr_patch,
        hr_shifts=args.hr_shifts,
    )
    print(json.dumps({k: record[k] for k in ("preset", "steps", "seconds", "best_val_psnr", "parameters", "replicas")}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
