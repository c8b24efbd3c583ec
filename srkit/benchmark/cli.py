"""Command-line benchmarks: ``python -m srkit.benchmark bicubic --data DIR --sets Set5 --scales 2 3 4``.

``bicubic``   the bicubic baseline under the published protocol, beside the published row;
``models``    shipped pretrained models (or run folders) vs bicubic vs the published figures, with
              parameters and inference time;
``speed``     milliseconds per output frame of a pretrained model (e.g. ESPCN x3 for 1920 x 1080);
``memory``    peak memory of ``srkit.upscale`` for growing images, tiled and whole;
``pipeline``  batches per second of the tf.data patch pipeline (is training input-bound?);
``training``  training steps per second of a ``srkit.train`` preset, float32 vs mixed precision.

``DIR`` holds one folder of HR images per set (``DIR/Set5/*.png``, as ``srkit.download`` extracts them).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from .._util import positive_int
from ..evaluate import PROTOCOLS
from .memory import tile_memory
from .quality import _format_models, _format_rows, _markdown_models, bicubic_table, models_table
from .speed import frame_speed, pipeline_throughput, training_speed


def _positive_int(text: str) -> int:
    """argparse type: an integer >= 1."""
    try:
        return positive_int(int(text), "the value")
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a positive whole number, got {text!r}") from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m srkit.benchmark", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("bicubic", help="bicubic baseline under the published protocol")
    b.add_argument("--data", required=True, type=Path, help="folder holding one folder of HR images per set")
    b.add_argument("--sets", nargs="+", default=["Set5"], help="set names (sub-folders of --data)")
    b.add_argument("--scales", nargs="+", type=int, default=[2, 3, 4])
    b.add_argument(
        "--protocol",
        choices=PROTOCOLS + ("both",),
        default="both",
        help="y: Y first, float resizing (SRCNN/VDSR); rgb: RGB uint8 resizing (EDSR/RCAN)",
    )
    m = sub.add_parser("models", help="shipped pretrained models vs bicubic vs published figures")
    m.add_argument("--models", nargs="+", default=None, help="pretrained names (default: all shipped)")
    m.add_argument("--data", type=Path, default=None, help="folder holding one folder of HR images per set")
    m.add_argument(
        "--sets",
        nargs="+",
        default=["test"],
        help="'test', 'validation' (bundled), sub-folders of --data, or (without --data) folders of HR images",
    )
    m.add_argument(
        "--scales",
        nargs="+",
        type=int,
        default=None,
        help="benchmark the shipped models of these scales (default: all; not with --models)",
    )
    m.add_argument("--markdown", action="store_true", help="print the model card's markdown tables instead")
    m.add_argument(
        "--self-ensemble",
        action="store_true",
        help="score and time each model on the 8 flips/rotations averaged (EDSR+), not once",
    )
    sp = sub.add_parser("speed", help="ms per output frame of a pretrained model")
    sp.add_argument("--model", default="espcn-x3")
    sp.add_argument("--size", default="1920x1080", help="output WIDTHxHEIGHT")
    sp.add_argument("--repeats", type=int, default=10)
    sp.add_argument("--mixed-precision", action="store_true", help="also time the network in mixed_float16 (GPU)")
    mem = sub.add_parser("memory", help="peak memory of srkit.upscale for growing images, tiled and whole")
    mem.add_argument("--model", default="edsr-small-x3")
    mem.add_argument("--sizes", nargs="+", type=int, default=[512, 1024, 2048, 4096], help="output sides in pixels")
    mem.add_argument("--tiles", nargs="+", type=int, default=[256, 0], help="tile sizes (0: whole image)")
    p = sub.add_parser("pipeline", help="tf.data patch pipeline throughput on the bundled images")
    p.add_argument("--scale", type=int, default=3)
    p.add_argument("--patch-size", type=int, default=48)
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--batches", type=int, default=500)
    t = sub.add_parser("training", help="training steps per second of a preset, float32 vs mixed precision")
    t.add_argument("--preset", default="edsr-medium-x3")
    t.add_argument("--precisions", nargs="+", default=["float32", "mixed_bfloat16"])
    t.add_argument("--steps", type=_positive_int, default=64)
    args = parser.parse_args(argv)
    try:
        return _run(args, m)
    except ValueError as error:  # a missing set, an unknown model: one line, not a traceback
        raise SystemExit(f"error: {error}") from None


def _model_names(args: argparse.Namespace) -> list[str]:
    """The shipped models that ``models`` measures: those named, or those of the scales asked for, or all."""
    from .. import pretrained

    names = args.models or [
        n for n in pretrained.names() if args.scales is None or pretrained.info(n)["scale"] in args.scales
    ]
    if not names:
        raise ValueError("no pretrained models to benchmark")
    unknown = [n for n in names if n not in pretrained.names()]
    if unknown:
        raise ValueError(
            f"no pretrained model {', '.join(map(repr, unknown))}; shipped: {', '.join(pretrained.names())}"
        )
    return names


def _run(args: argparse.Namespace, m: argparse.ArgumentParser) -> int:
    """Carry out a parsed command line and print its table."""
    if args.command == "models" and args.models and args.scales:
        m.error("--scales selects shipped models by scale and --models names them: give one, not both")
    if args.command == "training":
        for r in training_speed(args.preset, args.precisions, args.steps):
            print(
                f"{r['preset']} {r['precision']:<15} XLA {'on ' if r['xla'] else 'off'} {r['steps_per_s']:6.2f} steps/s"
            )
        return 0
    if args.command == "speed":
        width, height = (int(v) for v in args.size.lower().split("x"))
        r = frame_speed(args.model, width, height, args.repeats, mixed_precision=args.mixed_precision)
        print(
            f"{r['model']} -> {r['output']} on {r['device']}: network {r['network_ms']:.0f} ms, "
            f"with XLA {r['network_xla_ms']:.0f} ms, TensorFlow Lite {r['network_tflite_ms']:.0f} ms, "
            f"srkit.upscale of an RGB uint8 frame {r['upscale_ms']:.0f} ms (median of {args.repeats})"
        )
        if args.mixed_precision:
            print(
                f"mixed_float16 + XLA: {r['network_mixed_ms']:.0f} ms (largest difference from float32 "
                f"{r['mixed_max_error']:.1e})"
                + ("" if r["device"] == "GPU" else " -- on a CPU float16 is emulated: measure this on a GPU")
            )
        return 0
    if args.command == "memory":
        print(
            f"{'model':<16}{'output':>12}{'tile':>8}{'extra peak MiB':>16}{'images MiB':>12}{'working MiB':>13}"
            f"{'seconds':>9}"
        )
        for r in tile_memory(args.model, args.sizes, [t or None for t in args.tiles]):
            print(
                f"{r['model']:<16}{r['size']:>7} px^2{str(r['tile'] or 'whole'):>8}{r['extra_mib']:>16.0f}"
                f"{r['buffers_mib']:>12.0f}{r['working_mib']:>13.0f}{r['seconds']:>9.1f}"
            )
        return 0
    if args.command == "models":
        rows = models_table(_model_names(args), args.data, args.sets, self_ensemble=args.self_ensemble)
        print(_markdown_models(rows, args.sets) if args.markdown else _format_models(rows))
        return 0
    if args.command == "bicubic":
        protocols = list(PROTOCOLS) if args.protocol == "both" else [args.protocol]
        print(_format_rows(bicubic_table(args.data, args.sets, args.scales, protocols)))
    else:
        for color, up in (("rgb", False), ("y", False), ("y", True)):
            size = args.patch_size if not up else 33
            rate = pipeline_throughput(args.scale, size, args.batch_size, args.batches, color, up)
            print(
                f"patch pipeline x{args.scale} {color:<3} patch {size:>3}{' (pre-upsampled)' if up else '':<16} "
                f"batch {args.batch_size}: {rate:7.1f} batches/s"
            )
    return 0
