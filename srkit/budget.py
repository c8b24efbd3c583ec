"""Training budgets: every lesson sizes its training with one switch.

``quick``  seconds per lesson, for CI (nbval executes every notebook);
``cpu``    a few minutes per lesson on a laptop CPU (the default without a GPU);
``gpu``    longer runs that give near-paper results on a Colab GPU (the default with one).

The budget is chosen in this order: the environment variable ``SRKIT_BUDGET``; ``quick`` when the
variable ``CI`` says we run in continuous integration; ``gpu`` when TensorFlow sees a GPU; else ``cpu``.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
import tempfile
from typing import TypeVar

__all__ = ["BUDGETS", "current", "pick", "has_gpu", "describe"]

BUDGETS = ("quick", "cpu", "gpu")
T = TypeVar("T")


# What TensorFlow's C++ side writes to the process's stderr when it starts on a machine without a GPU, or
# without every CPU feature it could use, or when TensorFlow Lite picks its CPU delegate: true, but nothing a
# learner can or should act on.
START_UP_CHATTER = (
    "All log messages before absl::InitializeLog() is called",
    "Could not find cuda drivers on your machine",
    "failed call to cuInit",
    "This TensorFlow binary is optimized to use available CPU instructions",
    "To enable the following instructions",
    "oneDNN custom operations are on",
    "Unable to register cuDNN factory",
    "Unable to register cuFFT factory",
    "Unable to register cuBLAS factory",
    "computation placer already registered",
    "TF-TRT Warning: Could not find TensorRT",
    "Created TensorFlow Lite XNNPACK delegate for CPU",
)


@contextlib.contextmanager
def _without_start_up_chatter():
    """Run the block with the process's stderr (file descriptor 2, where C++ logs go) captured; afterwards,
    write back every line of it except :data:`START_UP_CHATTER`, so a real error or warning still shows."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            lines = captured.read().decode(errors="replace").splitlines()
            kept = [line for line in lines if not any(chatter in line for chatter in START_UP_CHATTER)]
            if kept:
                print("\n".join(kept), file=sys.stderr)


@functools.lru_cache(maxsize=1)
def has_gpu() -> bool:
    """True when TensorFlow can see at least one GPU. The first call imports TensorFlow, without its start-up
    chatter on stderr (:data:`START_UP_CHATTER`: no CUDA driver, CPU features it was not built for)."""
    with _without_start_up_chatter():
        import tensorflow as tf

        return bool(tf.config.list_physical_devices("GPU"))


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() not in ("", "0", "false", "no", "off")


def _from_environment() -> str:
    """``SRKIT_BUDGET`` as :func:`current` reads it: trimmed and lower-cased; ``""`` (unset or blank) is ignored."""
    return os.environ.get("SRKIT_BUDGET", "").strip().lower()


def current() -> str:
    """The budget in force now (see the module docstring for the order of precedence)."""
    chosen = _from_environment()
    if chosen:
        if chosen not in BUDGETS:
            raise ValueError(f"SRKIT_BUDGET={chosen!r} is not a budget; choose one of {BUDGETS}")
        return chosen
    if _truthy(os.environ.get("CI")):
        return "quick"
    return "gpu" if has_gpu() else "cpu"


def pick(*, quick: T, cpu: T, gpu: T) -> T:
    """The value for the current budget: ``steps = budget.pick(quick=50, cpu=3000, gpu=30000)``."""
    return {"quick": quick, "cpu": cpu, "gpu": gpu}[current()]


def describe() -> str:
    """One line for the first cell of a lesson: which budget, and why, and whether TensorFlow sees a GPU (so the
    lesson's first cell is where TensorFlow starts, quietly)."""
    name, gpu = current(), has_gpu()
    if _from_environment():  # the same test as current(), so a blank variable is not credited
        why = "set by SRKIT_BUDGET"
    elif name == "quick":
        why = "CI detected"
    else:
        why = "GPU found" if name == "gpu" else "no GPU found"
    device = "TensorFlow sees a GPU" if gpu else "TensorFlow runs on the CPU"
    return f"srkit budget: {name} ({why}; override with the environment variable SRKIT_BUDGET=quick|cpu|gpu); {device}"
