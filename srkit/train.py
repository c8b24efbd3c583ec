"""``python -m srkit.train``, and the training API under its first name: everything here is
:mod:`srkit.training` (``from srkit.train import ...`` and ``srkit.train.train(...)`` keep working)."""

import sys

from . import data  # noqa: F401  (srkit.train.data, as before the package split)
from .training import *  # noqa: F403
from .training import __all__, __getattr__  # noqa: F401

if __name__ == "__main__":
    from .training import main

    sys.exit(main())
