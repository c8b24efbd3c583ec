"""Shared fixtures: the benchmark images beside the repository, small test images."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]


def benchmark_root() -> Path | None:
    """Folder with a Set5/ sub-folder: $SRKIT_BENCHMARKS, ../shared/benchmarks, or srkit.download's copy."""
    from srkit.benchmark import find_benchmarks

    return find_benchmarks("Set5")


@pytest.fixture(scope="session")
def set5_root() -> Path:
    root = benchmark_root()
    if root is None:
        pytest.fail("The Set5 images are needed: download them with `python -m srkit.download Set5`, "
                    "or set SRKIT_BENCHMARKS to a folder containing Set5/ (CI uses ../shared/benchmarks).")
    return root


@pytest.fixture(scope="session")
def astronaut() -> np.ndarray:
    import skimage.data

    return skimage.data.astronaut()


@pytest.fixture(scope="session")
def camera() -> np.ndarray:
    import skimage.data

    return skimage.data.camera()
