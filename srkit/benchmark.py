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
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from . import data
from ._util import positive_int
from .evaluate import PROTOCOLS, bicubic_upscaler, evaluate
from .published import published

__all__ = ["find_benchmarks", "bicubic_table", "models_frame", "pipeline_throughput", "main"]


def find_benchmarks(set_name: str = "Set5") -> Path | None:
    """The folder holding ``<set_name>/`` (HR images): ``$SRKIT_BENCHMARKS``, then ``benchmarks/`` in the
    parent folder of the working directory or of the srkit checkout (``../shared/benchmarks`` in CI), then
    where ``python -m srkit.download`` unpacks it. ``None`` if none has it."""
    from . import download

    here = Path(__file__).resolve().parents[1]
    candidates = [
        os.environ.get("SRKIT_BENCHMARKS"),
        here.parent / "shared" / "benchmarks",
        Path.cwd().parent / "shared" / "benchmarks",
        Path.cwd().parent.parent / "shared" / "benchmarks",
    ]
    try:
        downloaded = download.local(set_name.lower())
    except ValueError:
        downloaded = None
    candidates.append(downloaded.parent if downloaded else None)
    for c in candidates:
        if c and (Path(c) / set_name).is_dir() and any((Path(c) / set_name).iterdir()):
            return Path(c)
    return None


def _load_set(root: Path, name: str) -> dict:
    """HR images of set ``name``: ``root/name``, or where ``srkit.download`` unpacked it under ``root``."""
    from . import download

    folder = root / name
    if not folder.is_dir():
        try:
            folder = download.local(name, root=root)
        except ValueError:
            folder = None
    if folder is None:
        raise ValueError(
            f"no folder {root / name} (expected one folder of HR images per set under {root}; "
            f"or fetch the set with `python -m srkit.download {name.lower()} --root {root}`)"
        )
    return data.load_folder(folder, as_rgb=False)  # gray images are scored as their own Y


def bicubic_table(root: str | Path, sets: list[str], scales: list[int], protocols: list[str]) -> list[dict]:
    """One row per (set, scale, protocol): our PSNR/SSIM, the published figures and the difference."""
    rows = []
    for set_name in sets:
        images = _load_set(Path(root), set_name)
        for scale in scales:
            for protocol in protocols:
                result = evaluate(bicubic_upscaler(scale), images, scale=scale, crop_border=scale, protocol=protocol)
                ref = published("bicubic", scale, set_name, strict=False)
                rows.append(
                    dict(
                        set=set_name,
                        scale=scale,
                        protocol=protocol,
                        n=len(images),
                        psnr=result.mean_psnr,
                        ssim=result.mean_ssim,
                        pub_psnr=ref[0] if ref else None,
                        pub_ssim=ref[1] if ref else None,
                    )
                )
    return rows


#: our architecture -> the published row it is compared with (same architecture, or the stated target)
PUBLISHED_ROW = {
    "srcnn-915": "srcnn-915-91",
    "srcnn-955": "srcnn",
    "fsrcnn": "fsrcnn",
    "fsrcnn-s": "fsrcnn",
    "espcn": "espcn-91",
    "vdsr": "vdsr",
    "edsr-small": "vdsr",
    "edsr-medium": "vdsr",
    "unet": "vdsr",
    "edsr-baseline": "edsr-baseline",
}


def _images(root: Path | None, set_name: str) -> dict:
    if set_name in ("test", "validation"):
        return data.bundled(set_name)
    if root is None and Path(set_name).is_dir():  # a folder of HR images given directly
        return data.load_folder(set_name, as_rgb=False)
    if root is None:
        raise ValueError(f"--data is needed for set {set_name!r}")
    return _load_set(root, set_name)


def models_table(
    names: list[str], root: str | Path | None, sets: list[str], repeats: int = 3, *, self_ensemble: bool = False
) -> list[dict]:
    """One row per (model, set): PSNR/SSIM (protocol ``rgb``, Y, crop = scale), bicubic, published figure,
    parameters, and the median inference time of a 512 x 512 output.

    ``self_ensemble=True`` scores (and times) every model as ``srkit.upscale(..., self_ensemble=True)``: the
    8 flips/rotations averaged, the "+" of EDSR+ (Lim et al. 2017, Sec. 4.2; Timofte et al., CVPR 2016).
    Published figures of methods without "+" are then not a like-for-like comparison; rows say so in
    ``self_ensemble``."""
    import numpy as np

    from . import pretrained
    from .inference import upscale

    rows = []
    cache = {}
    for name in names:
        entry = pretrained.info(name)
        model, scale = pretrained.load(name), entry["scale"]
        for set_name in sets:
            if set_name not in cache:
                cache[set_name] = _images(Path(root) if root else None, set_name)
            images = cache[set_name]
            ours = evaluate(
                lambda lr, model=model, scale=scale: upscale(lr, model=model, scale=scale, self_ensemble=self_ensemble),
                images,
                scale=scale,
                crop_border=scale,
            )
            base = evaluate(bicubic_upscaler(scale), images, scale=scale, crop_border=scale)
            ref = published(PUBLISHED_ROW.get(entry["architecture"], ""), scale, set_name, strict=False)
            rows.append(
                dict(
                    model=name,
                    scale=scale,
                    set=set_name,
                    psnr=ours.mean_psnr,
                    ssim=ours.mean_ssim,
                    bicubic_psnr=base.mean_psnr,
                    bicubic_ssim=base.mean_ssim,
                    published=ref,
                    published_as=PUBLISHED_ROW.get(entry["architecture"]),
                    parameters=entry["parameters"],
                    self_ensemble=self_ensemble,
                )
            )
        lr = np.random.default_rng(0).integers(0, 256, (512 // scale, 512 // scale, 3), dtype=np.uint8)
        upscale(lr, model=model, scale=scale, self_ensemble=self_ensemble)  # warm-up (graph tracing)
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            upscale(lr, model=model, scale=scale, self_ensemble=self_ensemble)
            times.append(time.perf_counter() - start)
        for r in rows:
            if r["model"] == name:
                r["ms_512"] = 1000 * float(np.median(times))
    return rows


def models_frame(rows: list[dict]):
    """The rows of :func:`models_table` as a ``pandas.DataFrame`` beside the published figures, one row per
    (model, set), sorted by scale, set and model.

    Columns: ``model scale set self_ensemble parameters ms_512 psnr ssim bicubic_psnr bicubic_ssim gain_psnr gain_ssim``
    (ours minus our bicubic), ``published_as published_psnr published_ssim`` (the paper's figure for the
    architecture, :data:`PUBLISHED_ROW`), ``published_gain`` (that figure minus the published bicubic row of
    the same set and scale, RCAN Table 3) and ``gap_psnr`` (ours minus published). Missing figures are NaN.
    """
    import pandas as pd

    records = []
    for r in rows:
        missing = [k for k in ("model", "scale", "set", "psnr", "ssim", "bicubic_psnr", "bicubic_ssim") if k not in r]
        if missing:
            raise ValueError(f"not a models_table row (missing {missing}): {r}")
        pub = r.get("published") or (None, None)
        pub_bicubic = published("bicubic", r["scale"], r["set"], strict=False)
        pub_psnr = float("nan") if pub[0] is None else pub[0]
        records.append(
            dict(
                model=r["model"],
                scale=r["scale"],
                set=r["set"],
                self_ensemble=bool(r.get("self_ensemble", False)),
                parameters=r.get("parameters"),
                ms_512=r.get("ms_512", float("nan")),
                psnr=r["psnr"],
                ssim=r["ssim"],
                bicubic_psnr=r["bicubic_psnr"],
                bicubic_ssim=r["bicubic_ssim"],
                gain_psnr=r["psnr"] - r["bicubic_psnr"],
                gain_ssim=r["ssim"] - r["bicubic_ssim"],
                published_as=r.get("published_as"),
                published_psnr=pub_psnr,
                published_ssim=float("nan") if pub[1] is None else pub[1],
                published_gain=pub_psnr - pub_bicubic[0] if pub_bicubic else float("nan"),
                gap_psnr=r["psnr"] - pub_psnr,
            )
        )
    columns = [
        "model",
        "scale",
        "set",
        "self_ensemble",
        "parameters",
        "ms_512",
        "psnr",
        "ssim",
        "bicubic_psnr",
        "bicubic_ssim",
        "gain_psnr",
        "gain_ssim",
        "published_as",
        "published_psnr",
        "published_ssim",
        "published_gain",
        "gap_psnr",
    ]
    frame = pd.DataFrame.from_records(records, columns=columns)
    return frame.sort_values(["scale", "set", "model"], kind="stable").reset_index(drop=True)


def _format_models(rows: list[dict]) -> str:
    head = (
        f"{'model':<16}{'set':<11}{'PSNR':>7} {'SSIM':>7}  {'bicubic':>15}  {'gain':>6}  "
        f"{'published (as)':>28}  {'params':>9}  {'ms/512px':>8}"
    )
    lines = [head, "-" * len(head)]
    for r in rows:
        pub = "-"
        if r["published"]:
            p, s = r["published"]
            pub = f"{p:.2f}" + (f" / {s:.4f}" if s else "") + f" ({r['published_as']})"
        name = r["model"] + ("+" if r.get("self_ensemble") else "")  # EDSR's "+": the self-ensemble
        lines.append(
            f"{name:<16}{r['set']:<11}{r['psnr']:7.2f} {r['ssim']:7.4f}  "
            f"{r['bicubic_psnr']:6.2f} / {r['bicubic_ssim']:.4f}  {r['psnr'] - r['bicubic_psnr']:+6.2f}  "
            f"{pub:>28}  {r['parameters']:>9,}  {r['ms_512']:8.0f}"
        )
    return "\n".join(lines)


def _without_out(command: str) -> str:
    """A training command without its ``--out PATH`` (or ``--out=PATH``): the run folder was the maintainer's,
    every other option is part of the recipe and stays. The command is split and rejoined as a shell would
    read it (:mod:`shlex`), so a quoted path such as ``--out '/a b/c'`` goes whole."""
    import shlex

    words = shlex.split(command)
    kept, i = [], 0
    while i < len(words):
        if words[i] == "--out":
            i += 2
            continue
        if not words[i].startswith("--out="):
            kept.append(words[i])
        i += 1
    return shlex.join(kept)


def _markdown_models(rows: list[dict], sets: list[str]) -> str:
    """The model card's tables: one per scale, one row per model, PSNR / SSIM (gain over bicubic) per set."""
    from . import pretrained

    out = []
    for scale in sorted({r["scale"] for r in rows}):
        here = [r for r in rows if r["scale"] == scale]
        bic = {r["set"]: f"{r['bicubic_psnr']:.2f} / {r['bicubic_ssim']:.4f}" for r in here}
        out.append(f"**x{scale}** (bicubic: " + ", ".join(f"{s} {bic[s]}" for s in sets if s in bic) + ")\n")
        out.append(
            "| name | parameters | training command | CPU time | "
            + " | ".join(sets)
            + " | published (Set5, as) | ms / 512² |"
        )
        out.append("|---" * (len(sets) + 6) + "|")
        for name in dict.fromkeys(r["model"] for r in here):
            mine = {r["set"]: r for r in here if r["model"] == name}
            first = next(iter(mine.values()))
            stages = pretrained.training_stages(name)
            command = "`, then `".join(_without_out(stage["command"]) for stage in stages)
            minutes = sum(stage["seconds"] for stage in stages) / 60
            cells = [
                f"{mine[s]['psnr']:.2f} / {mine[s]['ssim']:.4f} ({mine[s]['psnr'] - mine[s]['bicubic_psnr']:+.2f})"
                if s in mine
                else "-"
                for s in sets
            ]
            row = PUBLISHED_ROW.get(pretrained.info(name)["architecture"], "")
            ref = published(row, scale, "Set5")
            pub = f"{ref[0]:.2f} ({row})" if ref else "-"
            plus = " + self-ensemble" if first.get("self_ensemble") else ""
            out.append(
                f"| `{name}`{plus} | {first['parameters']:,} | `{command}` | {minutes:.1f} min | "
                + " | ".join(cells)
                + f" | {pub} | {first['ms_512']:.0f} |"
            )
        out.append("")
    return "\n".join(out)


def frame_speed(
    name: str, width: int = 1920, height: int = 1080, repeats: int = 10, *, mixed_precision: bool = False
) -> dict:
    """Median milliseconds for one output frame of ``width`` x ``height``: the network alone (on a float32
    LR tensor, as OpenCV's dnn_superres times it) in TensorFlow, with XLA compilation, and in TensorFlow Lite
    (:mod:`srkit.export`); and the whole ``srkit.upscale`` of an RGB uint8 frame (colour conversion and
    bicubic chroma included). ``mixed_precision`` adds the network in ``mixed_float16`` with XLA
    (:func:`srkit.export.with_dtype_policy`; a GPU feature -- on a CPU float16 is emulated) and its largest
    difference from float32 on that frame."""
    import numpy as np
    import tensorflow as tf

    from . import models, pretrained
    from .export import TFLiteModel, to_tflite
    from .inference import upscale

    model, scale = pretrained.load(name), pretrained.info(name)["scale"]
    if width % scale or height % scale:
        raise ValueError(f"{width}x{height} is not a multiple of the scale {scale}")

    channels = model.input_shape[-1]
    shape = (
        (1, height, width, channels)
        if models.REGISTRY[pretrained.info(name)["architecture"]].pre_upsampled
        else (1, height // scale, width // scale, channels)
    )
    x = tf.constant(np.random.default_rng(0).random(shape, dtype=np.float32))
    plain = tf.function(lambda t: model(t, training=False))
    xla = tf.function(lambda t: model(t, training=False), jit_compile=True)
    lite, x_np = TFLiteModel(to_tflite(model)), x.numpy()

    def median_ms(fn) -> float:
        fn()  # warm-up: tracing and compilation are not part of the per-frame time
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        return 1000 * float(np.median(times))

    frame = np.random.default_rng(1).integers(0, 256, (height // scale, width // scale, 3), dtype=np.uint8)
    result = dict(
        model=name,
        output=f"{width}x{height}",
        device="GPU" if tf.config.list_logical_devices("GPU") else "CPU",
        network_ms=median_ms(lambda: plain(x).numpy()),
        network_xla_ms=median_ms(lambda: xla(x).numpy()),
        network_tflite_ms=median_ms(lambda: lite(x_np)),
        upscale_ms=median_ms(lambda: upscale(frame, model=model, scale=scale, tile=None)),
    )
    if mixed_precision:
        from .export import with_dtype_policy

        half = with_dtype_policy(model, "mixed_float16")
        mixed = tf.function(lambda t: tf.cast(half(t, training=False), tf.float32), jit_compile=True)
        result["network_mixed_ms"] = median_ms(lambda: mixed(x).numpy())
        result["mixed_max_error"] = float(np.abs(mixed(x).numpy() - plain(x).numpy()).max())
    return result


_MEMORY_PROBE = """
import resource, sys, time
import numpy as np
from srkit import pretrained
from srkit.inference import upscale
name, size, tile = sys.argv[1], int(sys.argv[2]), (int(sys.argv[3]) or None)
model, scale = pretrained.load(name), pretrained.info(name)["scale"]
upscale(np.zeros((8, 8, 3), np.uint8), model=model, scale=scale)  # warm-up: TensorFlow's own memory
def status(field):  # kiB, from Linux's /proc/self/status
    return next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith(field))
try:  # reset the peak to the current size: ru_maxrss would start at the *launching* process's peak
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    base, peak = status("VmRSS:"), lambda: status("VmHWM:")
except OSError:  # not Linux: the peak since this process started
    peak = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    base = peak()
lr = np.random.default_rng(0).integers(0, 256, (size // scale, size // scale, 3), dtype=np.uint8)
start = time.perf_counter()
out = upscale(lr, model=model, scale=scale, tile=tile)
seconds = time.perf_counter() - start
print(base, peak(), lr.nbytes + out.nbytes, seconds)
"""


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
                [sys.executable, "-c", _MEMORY_PROBE, name, str(size), str(tile or 0)],
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


def _format_rows(rows: list[dict]) -> str:
    head = (
        f"{'set':<10}{'scale':>5}  {'protocol':<9}{'images':>6}  {'PSNR':>7}  {'SSIM':>7}  "
        f"{'published':>16}  {'dPSNR':>6}  {'dSSIM':>7}"
    )
    lines = [head, "-" * len(head)]
    for r in rows:
        if r["pub_psnr"] is None:
            pub, dp, ds = "-", "", ""
        else:
            pub = f"{r['pub_psnr']:.2f} / {r['pub_ssim']:.4f}"
            dp, ds = f"{r['psnr'] - r['pub_psnr']:+.3f}", f"{r['ssim'] - r['pub_ssim']:+.4f}"
        lines.append(
            f"{r['set']:<10}{'x' + str(r['scale']):>5}  {r['protocol']:<9}{r['n']:>6}  {r['psnr']:7.2f}  "
            f"{r['ssim']:7.4f}  {pub:>16}  {dp:>6}  {ds:>7}"
        )
    return "\n".join(lines)


def pipeline_throughput(
    scale: int = 3,
    patch_size: int = 48,
    batch_size: int = 16,
    batches: int = 500,
    color: str = "rgb",
    upsample_input: bool = False,
) -> float:
    """Batches per second that :func:`srkit.data.patch_dataset` delivers on the bundled training split."""
    pairs = data.make_pairs(data.bundled("train"), scale)
    ds = data.patch_dataset(
        pairs,
        scale=scale,
        patch_size=patch_size,
        batch_size=batch_size,
        color=color,
        upsample_input=upsample_input,
        seed=0,
    )
    iterator = iter(ds)
    for _ in range(20):  # fill the cache and the prefetch buffer first
        next(iterator)
    start = time.perf_counter()
    for _ in range(batches):
        next(iterator)
    return batches / (time.perf_counter() - start)


def training_speed(
    preset_name: str = "edsr-medium-x3", precisions: Sequence[str] = ("float32", "mixed_bfloat16"), steps: int = 64
) -> list[dict]:
    """Training steps per second of a :mod:`srkit.train` preset (its model, patch and batch size, compiled as
    ``train`` compiles it) in each Keras dtype policy, on one fixed random batch (the tf.data pipeline is
    measured by :func:`pipeline_throughput`). Mixed bfloat16 pays off on CPUs with AMX (Xeon 4th gen+)."""
    import keras
    import tensorflow as tf

    from . import models, train

    steps = positive_int(steps, "steps")
    p = train.preset(preset_name)
    # steps per call as train picks them (a divisor of the steps: Keras runs every call in full, so 40 steps at
    # 32 per call would run 64 and the rate would divide the time of 64 steps by 40)
    _, _, per_call = train.split_steps(steps, epochs=1)
    rows = []
    for precision in precisions:
        model = train.build_model(p, precision)
        lr = tf.random.stateless_uniform((p.batch_size, p.lr_patch, p.lr_patch, model.input_shape[-1]), (0, 0))
        if models.REGISTRY[p.model].pre_upsampled:
            lr = tf.image.resize(lr, (p.lr_patch * p.scale,) * 2)
        hr = tf.random.stateless_uniform((p.batch_size,) + tuple(model(lr[:1]).shape[1:]), (0, 1))
        ds = tf.data.Dataset.from_tensors((lr, hr)).repeat()
        model.compile(
            optimizer=keras.optimizers.Adam(1e-4),
            loss="mae",
            jit_compile=train.use_xla(precision),
            steps_per_execution=per_call,
        )
        model.fit(ds, epochs=1, steps_per_epoch=per_call, verbose=0)  # build and compile first
        start = time.perf_counter()
        model.fit(ds, epochs=1, steps_per_epoch=steps, verbose=0)
        rows.append(
            dict(
                preset=preset_name,
                precision=precision,
                xla=train.use_xla(precision),
                steps_per_s=steps / (time.perf_counter() - start),
            )
        )
    return rows


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
        from . import pretrained

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
        rows = models_table(names, args.data, args.sets, self_ensemble=args.self_ensemble)
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


if __name__ == "__main__":
    sys.exit(main())
