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

The package, by job: :mod:`~srkit.training.presets` (what each preset trains and how),
:mod:`~srkit.training.config` (:class:`RunConfig`: one place for a run's options, its validation, the command
line and the recorded command), :mod:`~srkit.training.run` (:func:`train`), :mod:`~srkit.training.callbacks`
(validation, best checkpoint, epoch log), :mod:`~srkit.training.strategies` (``tf.distribute``),
:mod:`~srkit.training.record` (:class:`RunRecord`, :class:`TrainingDiverged`), :mod:`~srkit.training.fit`
(:func:`fit`, brief training for lessons and experiments) and :mod:`~srkit.training.cli`.
"""

from .cli import main
from .config import PRECISIONS, RunConfig
from .fit import fit
from .presets import PRESETS, Preset, preset
from .record import RunRecord, TrainingDiverged
from .run import EPOCH_LOG, build_model, split_steps, train, train_from_config, use_xla
from .strategies import STRATEGIES, make_strategy, worker_index

__all__ = [
    "Preset",
    "PRESETS",
    "PRECISIONS",
    "STRATEGIES",
    "EPOCH_LOG",
    "RunConfig",
    "RunRecord",
    "TrainingDiverged",
    "preset",
    "make_strategy",
    "worker_index",
    "train",
    "train_from_config",
    "fit",
    "split_steps",
    "use_xla",
    "build_model",
    "ValidationMetrics",
    "main",
]


def __getattr__(name: str):
    """``ValidationMetrics`` (a Keras callback) is imported on first use: ``import srkit.training`` stays light."""
    if name == "ValidationMetrics":
        from .callbacks import ValidationMetrics

        return ValidationMetrics
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
