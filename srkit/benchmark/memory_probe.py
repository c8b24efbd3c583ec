"""One memory measurement, run in a fresh process by :func:`srkit.benchmark.tile_memory`:

    python -m srkit.benchmark.memory_probe MODEL OUTPUT_SIZE TILE     # TILE 0: the whole image at once

prints ``base peak buffers seconds``: resident memory (kiB) after a warm-up, the peak while upscaling one
random RGB image to ``OUTPUT_SIZE`` squared pixels, the bytes of the input and output images, and the time.
The peak is Linux's ``VmHWM``, reset after the warm-up by writing 5 to ``/proc/self/clear_refs``, so the
process's start-up (TensorFlow's own memory) cancels; elsewhere it is ``ru_maxrss``, the peak since start.
"""

from __future__ import annotations

import resource
import sys
import time

import numpy as np


def _status(field: str) -> int:
    """A ``/proc/self/status`` field in kiB (Linux)."""
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith(field))


def _max_rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def measure(name: str, size: int, tile: int | None) -> tuple[int, int, int, float]:
    from srkit import pretrained
    from srkit.inference import upscale

    model, scale = pretrained.load(name), pretrained.info(name)["scale"]
    upscale(np.zeros((8, 8, 3), np.uint8), model=model, scale=scale)  # warm-up: TensorFlow's own memory
    try:  # reset the peak to the current size: ru_maxrss would start at the *launching* process's peak
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        base, peak = _status("VmRSS:"), (lambda: _status("VmHWM:"))
    except OSError:  # not Linux: the peak since this process started
        base, peak = _max_rss(), _max_rss
    lr = np.random.default_rng(0).integers(0, 256, (size // scale, size // scale, 3), dtype=np.uint8)
    start = time.perf_counter()
    out = upscale(lr, model=model, scale=scale, tile=tile)
    seconds = time.perf_counter() - start
    return base, peak(), lr.nbytes + out.nbytes, seconds


if __name__ == "__main__":
    name, size, tile = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]) or None
    print(*measure(name, size, tile))
