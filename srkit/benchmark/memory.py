"""Memory: the peak memory of ``srkit.upscale`` for growing images, tiled and whole, each in a fresh process."""

from __future__ import annotations

import sys


def tile_memory(name: str, sizes: list[int], tiles: list[int | None]) -> list[dict]:
    """Peak memory of ``srkit.upscale`` for square outputs of ``sizes`` pixels, with each tile size
    (``None``: whole image). Each measurement runs in a fresh Python process (peak resident memory from
    Linux's ``VmHWM``, reset after a warm-up on an 8x8 image, minus the size then, so TensorFlow's own footprint
    cancels and the caller's size does not leak in).
    ``buffers_mib`` is what the uint8 input and output images themselves take (unavoidable); ``working_mib``
    = ``extra_mib - buffers_mib`` is the memory the computation needs on top -- flat when tiling works."""
    import subprocess

    rows = []
    for tile in tiles:
        for size in sizes:
            out = subprocess.run(
                [sys.executable, "-m", "srkit.benchmark.memory_probe", name, str(size), str(tile or 0)],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.split()
            base, peak, buffers, seconds = int(out[-4]), int(out[-3]), int(out[-2]), float(out[-1])
            extra = (peak - base) / 1024
            rows.append(
                dict(
                    model=name,
                    size=size,
                    tile=tile,
                    extra_mib=extra,
                    buffers_mib=buffers / 2**20,
                    working_mib=extra - buffers / 2**20,
                    seconds=seconds,
                )
            )
    return rows
