"""Command-line benchmarks: ``python -m srkit.benchmark bicubic --data DIR --sets Set5 --scales 2 3 4``.

``bicubic``   the bicubic baseline under the published protocol, beside the published row;
``pipeline``  batches per second of the tf.data patch pipeline (is training input-bound?).

``DIR`` holds one folder of HR images per set (``DIR/Set5/*.png``, as ``srkit.download`` extracts them).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from . import data
from .evaluate import PROTOCOLS, bicubic_upscaler, evaluate
from .published import published

__all__ = ["bicubic_table", "pipeline_throughput", "main"]


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
        raise SystemExit(f"error: no folder {root / name} (expected one folder of HR images per set under {root}; "
                         f"or fetch the set with `python -m srkit.download {name.lower()} --root {root}`)")
    return data.load_folder(folder, as_rgb=False)  # gray images are scored as their own Y


def bicubic_table(root: str | Path, sets: list[str], scales: list[int], protocols: list[str]) -> list[dict]:
    """One row per (set, scale, protocol): our PSNR/SSIM, the published figures and the difference."""
    rows = []
    for set_name in sets:
        images = _load_set(Path(root), set_name)
        for scale in scales:
            for protocol in protocols:
                result = evaluate(bicubic_upscaler(scale), images, scale=scale, crop_border=scale, protocol=protocol)
                ref = published("bicubic", scale, set_name)
                rows.append(dict(set=set_name, scale=scale, protocol=protocol, n=len(images),
                                 psnr=result.mean_psnr, ssim=result.mean_ssim,
                                 pub_psnr=ref[0] if ref else None, pub_ssim=ref[1] if ref else None))
    return rows


def _format_rows(rows: list[dict]) -> str:
    head = f"{'set':<10}{'scale':>5}  {'protocol':<9}{'images':>6}  {'PSNR':>7}  {'SSIM':>7}  {'published':>16}  {'dPSNR':>6}  {'dSSIM':>7}"
    lines = [head, "-" * len(head)]
    for r in rows:
        if r["pub_psnr"] is None:
            pub, dp, ds = "-", "", ""
        else:
            pub = f"{r['pub_psnr']:.2f} / {r['pub_ssim']:.4f}"
            dp, ds = f"{r['psnr'] - r['pub_psnr']:+.3f}", f"{r['ssim'] - r['pub_ssim']:+.4f}"
        lines.append(f"{r['set']:<10}{'x' + str(r['scale']):>5}  {r['protocol']:<9}{r['n']:>6}  {r['psnr']:7.2f}  "
                     f"{r['ssim']:7.4f}  {pub:>16}  {dp:>6}  {ds:>7}")
    return "\n".join(lines)


def pipeline_throughput(scale: int = 3, patch_size: int = 48, batch_size: int = 16, batches: int = 500,
                        color: str = "rgb", upsample_input: bool = False) -> float:
    """Batches per second that :func:`srkit.data.patch_dataset` delivers on the bundled training split."""
    pairs = data.make_pairs(data.bundled("train"), scale)
    ds = data.patch_dataset(pairs, scale=scale, patch_size=patch_size, batch_size=batch_size, color=color,
                            upsample_input=upsample_input, seed=0)
    iterator = iter(ds)
    for _ in range(20):  # fill the cache and the prefetch buffer first
        next(iterator)
    start = time.perf_counter()
    for _ in range(batches):
        next(iterator)
    return batches / (time.perf_counter() - start)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m srkit.benchmark", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("bicubic", help="bicubic baseline under the published protocol")
    b.add_argument("--data", required=True, type=Path, help="folder holding one folder of HR images per set")
    b.add_argument("--sets", nargs="+", default=["Set5"], help="set names (sub-folders of --data)")
    b.add_argument("--scales", nargs="+", type=int, default=[2, 3, 4])
    b.add_argument("--protocol", choices=PROTOCOLS + ("both",), default="both",
                   help="y: Y first, float resizing (SRCNN/VDSR); rgb: RGB uint8 resizing (EDSR/RCAN)")
    p = sub.add_parser("pipeline", help="tf.data patch pipeline throughput on the bundled images")
    p.add_argument("--scale", type=int, default=3)
    p.add_argument("--patch-size", type=int, default=48)
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--batches", type=int, default=500)
    args = parser.parse_args(argv)
    if args.command == "bicubic":
        protocols = list(PROTOCOLS) if args.protocol == "both" else [args.protocol]
        print(_format_rows(bicubic_table(args.data, args.sets, args.scales, protocols)))
    else:
        for color, up in (("rgb", False), ("y", False), ("y", True)):
            size = args.patch_size if not up else 33
            rate = pipeline_throughput(args.scale, size, args.batch_size, args.batches, color, up)
            print(f"patch pipeline x{args.scale} {color:<3} patch {size:>3}{' (pre-upsampled)' if up else '':<16} "
                  f"batch {args.batch_size}: {rate:7.1f} batches/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
