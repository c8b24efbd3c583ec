"""Benchmarks: ``python -m srkit.benchmark bicubic|models|speed|memory|pipeline|training`` (the commands are
described in :mod:`srkit.benchmark.cli`, which is also their ``--help``).

The measurements, by what they measure (library functions return data and raise ``ValueError``; only the
command line, :mod:`srkit.benchmark.cli`, prints and exits):

- :mod:`srkit.benchmark.quality` PSNR/SSIM tables beside the published figures (``bicubic_table``,
  ``models_table``, ``models_frame``, ``find_benchmarks``);
- :mod:`srkit.benchmark.speed` ``frame_speed``, ``pipeline_throughput``, ``training_speed``, and for any
  dataset or compiled model ``batches_per_second`` and ``fit_steps_per_second``;
- :mod:`srkit.benchmark.memory` ``tile_memory`` (each point measured by :mod:`srkit.benchmark.memory_probe`).
"""

from .cli import main
from .memory import tile_memory
from .quality import PUBLISHED_ROW, bicubic_table, find_benchmarks, models_frame, models_table
from .speed import batches_per_second, fit_steps_per_second, frame_speed, pipeline_throughput, training_speed

__all__ = [
    "find_benchmarks",
    "bicubic_table",
    "models_table",
    "models_frame",
    "PUBLISHED_ROW",
    "frame_speed",
    "pipeline_throughput",
    "training_speed",
    "batches_per_second",
    "fit_steps_per_second",
    "tile_memory",
    "main",
]
