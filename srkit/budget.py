"""Training budgets: every lesson sizes its training with one switch.

``quick``  seconds per lesson, for CI (nbval executes every notebook);
``cpu``    a few minutes per lesson on a laptop CPU (the default without a GPU);
``gpu``    longer runs that give near-paper results on a Colab GPU (the default with one).

The budget is chosen in this order: the environment variable ``SRKIT_BUDGET``; ``quick`` when the
variable ``CI`` says we run in continuous integration; ``gpu`` when TensorFlow sees a GPU; else ``cpu``.
"""

from __future__ import annotations

import functools
import os
from typing import TypeVar

__all__ = ["BUDGETS", "current", "pick", "has_gpu", "describe"]

BUDGETS = ("quick", "cpu", "gpu")
T = TypeVar("T")


@functools.lru_cache(maxsize=1)
def has_gpu() -> bool:
    """True when TensorFlow can see at least one GPU."""
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
    """One line for the first cell of a lesson: which budget, and why."""
    name = current()
    if _from_environment():  # the same test as current(), so a blank variable is not credited
        why = "set by SRKIT_BUDGET"
    elif name == "quick":
        why = "CI detected"
    else:
        why = "GPU found" if name == "gpu" else "no GPU found"
    return f"srkit budget: {name} ({why}; override with the environment variable SRKIT_BUDGET=quick|cpu|gpu)"
