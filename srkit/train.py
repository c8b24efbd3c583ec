"""``python -m srkit.train``, and the training API under its first name: every name of :mod:`srkit.training`
is reachable here (``from srkit.train import ...`` and ``srkit.train.train(...)`` keep working), and, as there,
importing it does not import TensorFlow."""

import sys

from . import data  # noqa: F401  (srkit.train.data, as before the package split)
from . import training as _training

__all__ = list(_training.__all__)


def __getattr__(name: str):
    return getattr(_training, name)


if __name__ == "__main__":
    sys.exit(_training.main())
