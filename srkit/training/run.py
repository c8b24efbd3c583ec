"""One training run of a preset: data, model, callbacks, ``model.fit``, the best checkpoint and the record."""

from __future__ import annotations

import json
import os
import platform
import time
import warnings
from collections.abc import Sequence
from dataclasses import asdict, replace
from pathlib import Path

from .. import budget as budget_mod
from .. import data
from .._util import positive_int
from .config import PRECISIONS, RunConfig
from .presets import Preset, preset
from .record import RunRecord, TrainingDiverged
from .strategies import fit_multi_worker, worker_index

#: per-epoch log of a run folder (metrics and seconds), so that a run killed and resumed reports all of itself
EPOCH_LOG = "epochs.json"


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

    from .. import models

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


def train(
    preset_name: str,
    *,
    budget: str | None = None,
    steps: int | None = None,
    data_source: str | os.PathLike | None = None,
    out: str | os.PathLike | None = None,
    seed: int = 0,
    strategy=None,
    verbose: int = 2,
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
    """Train a preset; returns ``(model, record)`` (the best model, and a :class:`RunRecord`). Files go to
    ``out`` (default ``data/runs/<preset>-<budget>``); the same ``out`` resumes a killed run.

    The options are the fields of :class:`RunConfig` (``data_source`` is its ``data``), documented there and in
    ``python -m srkit.train --help``. ``strategy``: a ``tf.distribute`` strategy (the model is built in its
    scope, batches are split; see :func:`srkit.training.make_strategy`). ``extra_callbacks`` join the run's own.
    """
    config = RunConfig(
        preset=preset_name,
        budget=budget or budget_mod.current(),
        steps=steps,
        seed=seed,
        data=None if data_source is None else str(data_source),
        out=None if out is None else str(out),
        init_from=init_from,
        degradation=degradation,
        copies=copies,
        min_std=min_std,
        hr_scales=tuple(hr_scales),
        hr_shifts=hr_shifts,
        learning_rate=learning_rate,
        lr_patch=lr_patch,
        precision=precision,
    ).validated()
    return train_from_config(config, strategy=strategy, verbose=verbose, extra_callbacks=extra_callbacks)


def train_from_config(config: RunConfig, *, strategy=None, verbose: int = 2, extra_callbacks: list | None = None):
    """Carry out a validated :class:`RunConfig`; returns ``(best model, RunRecord)``."""
    import keras
    import tensorflow as tf

    from .. import models

    p = _preset_of(config)
    total = p.steps[config.budget] if config.steps is None else int(config.steps)
    epochs, per_epoch, per_call = _split(total, p.epochs)
    strategy = strategy or tf.distribute.get_strategy()
    multi_worker = isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy)
    run_dir = _run_folder(config, multi_worker)
    keras.utils.set_random_seed(config.seed)
    train_images, source_name, copies, ds = _training_data(config, p, models.REGISTRY[p.model])
    val_images = data.bundled("validation")
    model, twin, transferred = _build(config, p, strategy, total, per_call)
    ds, earlier = _resume(run_dir, ds, per_epoch, multi_worker, verbose)
    all_epochs = dict(earlier)  # the epoch log adds this attempt's epochs
    callbacks = _callbacks(config, p, run_dir, val_images, twin, earlier, all_epochs, multi_worker)
    start = time.perf_counter()
    fit = fit_multi_worker if multi_worker else _fit
    history = fit(
        model,
        ds,
        strategy,
        epochs=epochs,
        steps_per_epoch=per_epoch,
        callbacks=callbacks + list(extra_callbacks or ()),
        verbose=verbose,
    )
    seconds = time.perf_counter() - start
    if not (run_dir / "best.keras").exists():
        raise TrainingDiverged(
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
    record = _record(config, p, best, strategy, multi_worker, per_epoch * epochs, source_name, copies, transferred,
                     train_images, val_images, seconds, resumed_after, history.history)  # fmt: skip
    record.write(run_dir / "record.json")
    return best, record


def _preset_of(config: RunConfig) -> Preset:
    """The preset, with the run's own learning rate and patch size where it sets them."""
    p = preset(config.preset)
    if config.learning_rate is not None:
        p = replace(p, learning_rate=float(config.learning_rate))
    if config.lr_patch is not None:
        p = replace(p, lr_patch=config.lr_patch)
    return p


def _split(total: int, wanted_epochs: int) -> tuple[int, int, int]:
    epochs, per_epoch, per_call = split_steps(total, wanted_epochs)
    if epochs < min(wanted_epochs, total) or per_call < min(8, per_epoch):
        warnings.warn(
            f"{total} steps split into {epochs} epoch(s) of {per_epoch} steps, {per_call} per call "
            f"(exact, but fewer validations and backups, or slower, than a round number such as "
            f"{round(total, -max(1, len(str(total)) - 2))})",
            stacklevel=4,
        )
    return epochs, per_epoch, per_call


def _run_folder(config: RunConfig, multi_worker: bool) -> Path:
    from ..download import data_dir

    run_dir = Path(config.out) if config.out is not None else data_dir() / "runs" / f"{config.preset}-{config.budget}"
    if multi_worker and worker_index():
        run_dir = run_dir / f"worker-{worker_index()}"  # the chief (worker 0) writes the run folder itself
    run_dir.mkdir(parents=True, exist_ok=True)
    return run_dir


def _training_images(source: str | None) -> tuple[dict, str]:
    if source is None:
        return data.bundled("train"), "bundled train split"
    path = Path(source)
    if not path.is_dir():
        from .. import download

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


def _training_data(config: RunConfig, p: Preset, arch):
    """The training images (with the shrunk and shifted copies asked for), their name, the LR copies per
    image, and the tf.data stream of patches."""
    train_images, source_name = _training_images(config.data)
    patch = p.lr_patch * p.scale
    if config.hr_scales:  # copies too small for one training patch are left out
        train_images = data.downscaled_copies(train_images, config.hr_scales, min_size=patch)
    if config.hr_shifts:  # a shift can take a copy below one training patch: those are left out too
        train_images = data.shifted_copies(train_images, p.scale, min_size=patch)
    copies = config.copies
    if copies is None:
        copies = 4 if config.degradation in ("noise", "blur-noise", "real") else 1
    pairs = data.make_pairs(train_images, p.scale, degradation=config.degradation, copies=copies, seed=config.seed)
    ds = data.patch_dataset(
        pairs,
        scale=p.scale,
        patch_size=patch,
        batch_size=p.batch_size,
        color=arch.color,
        upsample_input=arch.pre_upsampled,
        seed=config.seed,
        min_std=config.min_std,
    )
    return train_images, source_name, copies, ds


def _build(config: RunConfig, p: Preset, strategy, total: int, per_call: int):
    """The model (and its float32 twin under mixed precision), compiled in the strategy's scope; the layers
    copied from ``init_from``."""
    import keras

    with strategy.scope():
        model = build_model(p, config.precision)
        twin = build_model(p) if config.precision != "float32" else None
        transferred = []
        if config.init_from:
            from .. import pretrained

            transferred = pretrained.transfer(config.init_from, model)
            if not transferred:
                raise ValueError(
                    f"no layer of {config.init_from!r} matches {p.model!r} by name and shape: nothing to fine-tune from"
                )
        schedule = keras.optimizers.schedules.CosineDecay(p.learning_rate, decay_steps=total, alpha=0.01)
        # XLA and several steps per call: 2-3x faster for these small models on a CPU (measured, ESPCN x3)
        model.compile(
            optimizer=keras.optimizers.Adam(schedule, clipnorm=p.clipnorm),
            loss=p.keras_loss,
            jit_compile=use_xla(config.precision, strategy.num_replicas_in_sync),
            # nor can Keras loop several steps per call there (a placeholder error with MirroredStrategy)
            steps_per_execution=per_call if strategy.num_replicas_in_sync == 1 else 1,
        )
    return model, twin, transferred


def _earlier_epochs(run_dir: Path) -> dict[int, dict]:
    """Epochs finished by an earlier, killed attempt of this run: only while a backup to resume from exists
    (a finished run deletes its backup, and the next run in the folder starts afresh)."""
    log = run_dir / EPOCH_LOG
    if not (run_dir / "backup").is_dir() or not log.exists():
        log.unlink(missing_ok=True)
        return {}
    return {int(e): v for e, v in json.loads(log.read_text()).items()}


def _backed_up_epochs(run_dir: Path) -> int:
    """How many epochs a killed attempt finished and backed up: Keras' ``BackupAndRestore`` resumes after them.
    Keras keeps that count in ``backup/training_metadata.json`` (0 when there is nothing to resume); it is read
    here, in this one place, because it is the count Keras itself resumes from."""
    try:
        return int(json.loads((run_dir / "backup" / "training_metadata.json").read_text())["epoch"])
    except (OSError, ValueError, KeyError, TypeError):
        return 0


def _resume(run_dir: Path, ds, per_epoch: int, multi_worker: bool, verbose: int):
    """The patch stream from where a killed attempt stopped, and that attempt's finished epochs."""
    if multi_worker:
        return ds, {}
    done = _backed_up_epochs(run_dir)
    if done:
        # resuming: go on with the batches the killed attempt had not reached yet (the stream is seeded),
        # instead of replaying the first epochs' patches -- a resumed run ends as an uninterrupted one would
        if verbose:
            print(
                f"resuming after epoch {done}: drawing and skipping the {done * per_epoch} batches "
                "it trained on (about 500 per second on 2 CPU cores)"
            )
        ds = ds.skip(done * per_epoch)
    return ds, _earlier_epochs(run_dir)


def _callbacks(config, p, run_dir, val_images, twin, earlier, all_epochs, multi_worker) -> list:
    import keras

    from .callbacks import BestCheckpoint, EpochLog, ValidationMetrics

    earlier_best = max((e["val_psnr"] for e in earlier.values() if "val_psnr" in e), default=None)
    callbacks = [
        ValidationMetrics(val_images, p.scale, config.degradation, twin=twin),
        # on resuming, a checkpoint better than the earlier best must not be replaced by a worse one; saved
        # before the epoch is logged, so a run killed in between never logs a best score it did not save
        BestCheckpoint(run_dir / "best.keras", twin=twin, initial_value_threshold=earlier_best),
    ]
    if not multi_worker:  # the multi-worker loop has no resumable backups or TensorBoard
        callbacks += [
            EpochLog(run_dir / EPOCH_LOG, all_epochs),
            keras.callbacks.BackupAndRestore(str(run_dir / "backup")),
            keras.callbacks.TensorBoard(str(run_dir / "logs"), write_graph=False),
        ]
    return callbacks


def _fit(model, ds, strategy, *, epochs: int, steps_per_epoch: int, callbacks: list, verbose: int):
    return model.fit(
        ds, epochs=epochs, steps_per_epoch=steps_per_epoch, callbacks=callbacks, verbose=verbose, shuffle=False
    )


def _record(config, p, best, strategy, multi_worker, steps, source_name, copies, transferred, train_images,
            val_images, seconds, resumed_after, history) -> RunRecord:  # fmt: skip
    import keras
    import tensorflow as tf

    from .. import models

    val_psnr = history.get("val_psnr", [])
    return RunRecord(
        preset=config.preset,
        **{k: v for k, v in asdict(p).items() if k != "steps"},
        parameters=models.count_params(best),
        budget=config.budget,
        steps=steps,
        seed=config.seed,
        data=source_name,
        degradation=config.degradation,
        copies=copies,
        min_std=config.min_std,
        hr_scales=list(config.hr_scales),
        hr_shifts=config.hr_shifts,
        init_from=config.init_from,
        precision=config.precision,
        replicas=strategy.num_replicas_in_sync,
        strategy="MultiWorkerMirroredStrategy" if multi_worker else type(strategy).__name__,
        transferred_layers=len(transferred),
        train_images=sorted(train_images),
        validation_images=sorted(val_images),
        seconds=round(seconds, 1),
        resumed_after_epochs=resumed_after,
        best_val_psnr=max((v for v in val_psnr if v == v), default=None),  # NaN: a diverged epoch
        history={k: [float(x) for x in v] for k, v in history.items()},
        command=config.command(),
        versions=dict(python=platform.python_version(), tensorflow=tf.__version__, keras=keras.__version__),
        machine=dict(cpus=os.cpu_count(), gpus=len(tf.config.list_physical_devices("GPU"))),
    )
