"""Command-line benchmarks: ``python -m srkit.benchmark bicubic --data DIR --sets Set5 --scales 2 3 4``.

``bicubic``   the bicubic baseline under the published protocol, beside the published row;
``models``    shipped pretrained models (or run folders) vs bicubic vs the published figures, with
              parameters and inference time;
``speed``     milliseconds per output frame of a pretrained model (e.g. ESPCN x3 for 1920 x 1080);
``memory``    peak memory of ``srkit.upscale`` for growing images, tiled and whole;
``pipeline``  batches per second of the tf.data patch pipeline (is training input-bound?);
``training``  training steps per second of a ``srkit.train`` preset, float32 vs mixed precision.

``DIR`` holds one folder of HR images per set (``DIR/Set5/*.png``, as ``srkit.download`` extracts them).

The measurements, by what they measure (library functions return data and raise ``ValueError``; only the
command line, :mod:`srkit.benchmark.cli`, prints and exits):

- :mod:`srkit.benchmark.quality` PSNR/SSIM tables beside the published figures (``bicubic_table``,
  ``models_table``, ``models_frame``, ``find_benchmarks``);
- :mod:`srkit.benchmark.speed` ``frame_speed``, ``pipeline_throughput``, ``training_speed``;
- :mod:`srkit.benchmark.memory` ``tile_memory`` (each point measured by :mod:`srkit.benchmark.memory_probe`).
"""

from .cli import main
from .memory import tile_memory
from .quality import PUBLISHED_ROW, bicubic_table, find_benchmarks, models_frame, models_table
from .speed import frame_speed, pipeline_throughput, training_speed

__all__ = [
    "find_benchmarks",
    "bicubic_table",
    "models_table",
    "models_frame",
    "PUBLISHED_ROW",
    "frame_speed",
    "pipeline_throughput",
    "training_speed",
    "tile_memory",
    "main",
]
