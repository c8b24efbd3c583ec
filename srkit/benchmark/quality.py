"""Quality tables: the bicubic baseline and the shipped models under the published protocol, beside the papers."""

from __future__ import annotations

import os
import time
from pathlib import Path

from .. import data
from ..evaluate import bicubic_upscaler, evaluate
from ..published import published


def find_benchmarks(set_name: str = "Set5") -> Path | None:
    """The folder holding ``<set_name>/`` (HR images): ``$SRKIT_BENCHMARKS``, then ``benchmarks/`` in the
    parent folder of the working directory or of the srkit checkout (``../shared/benchmarks`` in CI), then
    where ``python -m srkit.download`` unpacks it. ``None`` if none has it."""
    from .. import download

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
    from .. import download

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

    from .. import pretrained
    from ..inference import upscale

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
    from .. import pretrained

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
