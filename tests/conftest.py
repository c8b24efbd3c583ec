"""Shared fixtures: the benchmark images, a browser for the widget test, small test images.

Data and programs that a fresh machine may lack are looked for, then fetched where that is possible; what
is still missing skips the tests that need it with one line saying why and what to run. Under ``CI=true``
(CI has ``../shared`` and installs Chromium) a missing one is an error instead, so CI never passes by
skipping.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
IN_CI = os.environ.get("CI", "").lower() == "true"


def unavailable(reason: str) -> None:
    """Skip the calling test with ``reason``, or fail it under ``CI=true``."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: this must be present in CI)", pytrace=False)
    pytest.skip(reason)


def benchmark_root() -> Path | None:
    """Folder with a Set5/ sub-folder: $SRKIT_BENCHMARKS, ../shared/benchmarks, or srkit.download's copy."""
    from srkit.benchmark import find_benchmarks

    return find_benchmarks("Set5")


def _download_set5() -> tuple[Path | None, str]:
    """Fetch Set5 once with srkit.download (SHA-256-verified); (its root, "") or (None, why not)."""
    from srkit import download

    try:
        images = download.download("set5", retries=0, timeout=20, progress=False)
    except (download.DownloadError, OSError) as error:
        return None, str(error).splitlines()[0]
    return images.parent, ""


@pytest.fixture(scope="session")
def set5_root() -> Path:
    root, why = benchmark_root(), ""
    if root is None:
        root, why = _download_set5()
    if root is None:
        unavailable(
            "Set5 not found in $SRKIT_BENCHMARKS, ../shared/benchmarks or srkit's download folder"
            + (f", and downloading it failed ({why})" if why else "")
            + ": run `python -m srkit.download set5` once online, or set SRKIT_BENCHMARKS"
        )
    return root


def _site_tool():
    spec = importlib.util.spec_from_file_location(
        "srkit_site", Path(__file__).resolve().parents[1] / "tools" / "site.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# A Chromium to drive: $SRKIT_CHROMIUM, the system's ``chromium`` (Debian), or Playwright's own build (one
# function, in tools/site.py, which the course site's check uses too).
find_chromium = _site_tool().find_chromium


@pytest.fixture(scope="session")
def chromium() -> str:
    path = find_chromium()
    if path is None:
        unavailable(
            "no Chromium found ($SRKIT_CHROMIUM, `chromium` on the PATH, or Playwright's): "
            "install one with `python -m playwright install chromium` (or `apt-get install chromium`)"
        )
    return path


@pytest.fixture(scope="session")
def astronaut() -> np.ndarray:
    import skimage.data

    return skimage.data.astronaut()


@pytest.fixture(scope="session")
def camera() -> np.ndarray:
    import skimage.data

    return skimage.data.camera()


# The longest files first: with `-n 2 --dist loadscope` each file runs whole on one worker, so a long lesson
# picked up last would leave the other worker idle for minutes. The order follows the cells' `--durations=0`
# seconds on a 2-core machine, summed per file (the split lessons by the cells they took over): the training
# lessons 08, 11, 10, 09, 14, 07 and 16 (100-240 s each), test_train, 15, test_distributed, 06, 12, 05,
# test_benchmark, test_pretrained, test_models, 13 and 17.
# Only the order changes; everything else keeps its collected order after these.
LONGEST_FIRST = (
    "08_transfer",
    "11_evaluation",
    "10_perceptual",
    "09_pixel",
    "14_real_world",
    "07_going_deeper",
    "16_scaling_out",
    "test_train.py",
    "15_deployment",
    "test_distributed.py",
    "06_efficient",
    "12_benchmarks",
    "05_training_srcnn",
    "test_benchmark.py",
    "test_pretrained.py",
    "test_models.py",
    "13_applications",
    "17_security",
)


def pytest_collection_modifyitems(config, items):
    def rank(item):
        file = item.nodeid.split("::")[0]
        return next((i for i, name in enumerate(LONGEST_FIRST) if name in file), len(LONGEST_FIRST))

    items.sort(key=rank)  # stable: the order within a file, and of the unnamed files, is kept
