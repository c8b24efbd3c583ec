"""The srkit command: upscale images, train, benchmark and download, under one name.

    srkit upscale photo.jpg -o photo_x3.jpg                      # one file, EDSR-small x3
    srkit upscale scans/ -o scans_x4/ --model espcn --scale 4    # every image of a folder
    srkit train --preset espcn-x3 --budget cpu                   # = python -m srkit.train ...
    srkit benchmark models --sets test                           # = python -m srkit.benchmark ...

Exit codes: 0 all done, 1 some inputs failed (each named on stderr), 2 wrong usage.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from ._util import atomic_path, round_to

__all__ = ["main", "upscale_files"]

_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".bmp": "BMP", ".tif": "TIFF", ".tiff": "TIFF"}


class CliError(Exception):
    """A problem with one input or output, reported as ``error: <file>: <problem>``."""


def _write(image: np.ndarray, kind: str, path: Path) -> None:
    """Write atomically: a temporary file in the same folder, renamed into place when complete."""
    from PIL import Image

    fmt = _FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise CliError(f"{path}: unknown output format (use {', '.join(sorted(_FORMATS))})")
    if kind == "gray16":
        if fmt not in ("PNG", "TIFF"):
            raise CliError(f"{path}: a 16-bit image needs a PNG or TIFF output, not {fmt}")
        im = Image.fromarray(round_to(image * 65535.0, np.uint16))
    elif kind == "rgba" and fmt not in ("PNG", "TIFF"):
        raise CliError(f"{path}: {fmt} has no alpha channel; write PNG or TIFF")
    else:
        im = Image.fromarray(image)
    try:
        with atomic_path(path) as tmp:
            im.save(tmp, format=fmt, **({"quality": 95} if fmt == "JPEG" else {}))
    except OSError as error:  # disk full, no permission, a folder in the way: name the output, not the .tmp
        raise CliError(f"{path}: could not be written ({_reason(error)})") from error


def _reason(error: OSError) -> str:
    """The operating system's words for ``error`` ("No space left on device"), without the errno and path."""
    return error.strerror or str(error) or type(error).__name__


def _check_targets(files: list[Path], targets: list[Path], overwrite: bool) -> None:
    """Refuse, before anything is written, outputs that are inputs, that exist (unless ``overwrite``), or that
    two inputs share (``dir1/img.png`` and ``dir2/img.png``; ``a.png`` and ``a.PNG``). Names equal but for case
    count as shared: they are one file on the case-insensitive file systems of macOS and Windows."""
    sources = {f.resolve() for f in files}
    first: dict[str, Path] = {}
    for f, t in zip(files, targets):
        if t.resolve() in sources:
            raise CliError(f"{t}: this is an input; srkit never overwrites its inputs")
        if t.exists() and not overwrite:
            raise CliError(f"{t}: already exists (pass --overwrite to replace it)")
        key = str(t.resolve()).casefold()
        if key in first:
            raise CliError(
                f"{t}: both {first[key]} and {f} would be written here; upscale them into "
                f"different output folders (or rename one)"
            )
        first[key] = f


def _make_folder(folder: Path) -> None:
    """Create the output folder (and its parents), or a ``CliError`` saying why it cannot be one."""
    for place in (folder, *folder.parents):  # the file in the way may be the folder or one of its parents
        if place.exists():
            if not place.is_dir():
                raise CliError(
                    f"{place}: is a file, but a folder is needed here"
                    + (
                        " (-o names a folder unless one input file goes to an image file name)"
                        if place == folder
                        else ""
                    )
                )
            break
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:  # a file where a parent folder should be, no permission, ...
        raise CliError(f"{folder}: cannot create this folder ({_reason(error)})") from error


def _inputs(paths: list[str]) -> list[Path]:
    from .data import IMAGE_SUFFIXES

    files = []
    for p in map(Path, paths):
        if p.is_dir():
            found = sorted(f for f in p.iterdir() if f.is_file() and f.suffix.lower() in IMAGE_SUFFIXES)
            if not found:
                raise CliError(f"{p}: no images in this folder (looked for {', '.join(IMAGE_SUFFIXES)})")
            files += found
        elif p.is_file():
            files.append(p)
        else:
            raise CliError(f"{p}: no such file or folder")
    unique: dict[Path, Path] = {}  # one file named twice (or a folder and a file in it) is upscaled once
    for f in files:
        unique.setdefault(f.resolve(), f)
    return list(unique.values())


def upscale_files(
    inputs: list[str],
    output: str,
    *,
    model: str = "edsr-small",
    scale: int | None = None,
    tile: int | None = 256,
    overwrite: bool = False,
    progress: bool = True,
) -> list[tuple[Path, str]]:
    """Upscale image files/folders into ``output`` (a file for a single input file with an image suffix,
    its folder created if missing; otherwise a folder, created: ``NAME_x{scale}.EXT``). Returns the failures
    as (input, message): unreadable inputs and outputs that could not be written (disk full, no permission),
    each leaving no file behind. Raises ``CliError`` before writing anything for outputs that are inputs,
    exist (without ``overwrite``), are shared by two inputs, or need a folder where a file is."""
    from tqdm.auto import tqdm

    from . import pretrained
    from .data import ImageLoadError, read_image
    from .inference import upscale

    name = model if model in pretrained.names() else f"{model}-x{scale or 3}"
    if name not in pretrained.names():
        raise CliError(f"no shipped model {name!r}; choose one of {pretrained.names()}")
    s = pretrained.info(name)["scale"]
    if scale is not None and scale != s:
        raise CliError(f"model {name} upscales by {s}, not by --scale {scale}")
    files = _inputs(inputs)
    out = Path(output)
    single = len(files) == 1 and Path(inputs[0]).is_file() and out.suffix.lower() in _FORMATS
    targets = [out] if single else [out / f"{f.stem}_x{s}{f.suffix.lower()}" for f in files]
    _check_targets(files, targets, overwrite)
    _make_folder(out.parent if single else out)
    net = pretrained.load(name)
    failures = []
    for f, t in tqdm(list(zip(files, targets)), desc=f"{name}", unit="image", disable=not progress):
        try:
            image, kind = read_image(f)
            _write(upscale(image, model=net, scale=s, tile=tile), kind, t)
        except (ImageLoadError, CliError, ValueError) as error:
            message = str(error)
            failures.append((f, message if message.startswith(str(f)) else f"{f}: {message}"))
        except OSError as error:  # e.g. reading the input (_write reports its own): named, and on to the next
            where = f" ({error.filename})" if error.filename and str(error.filename) != str(f) else ""
            failures.append((f, f"{f}: {_reason(error)}{where}"))
    return failures


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(
        prog="srkit", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    up = sub.add_parser(
        "upscale",
        help="enlarge image files or folders with a shipped model",
        description="Enlarge images with a shipped pretrained model (see MODEL_CARD.md). "
        "Inputs are never overwritten; each output is written completely or not at all.",
    )
    up.add_argument("inputs", nargs="+", metavar="IN", help="image files (PNG, JPEG, BMP, TIFF) or folders of them")
    up.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="OUT",
        help="output file (one input file) or folder (created; files named NAME_xS.EXT)",
    )
    up.add_argument(
        "--model",
        default="edsr-small",
        help="architecture (edsr-small, espcn, fsrcnn, srcnn) or full name such as espcn-x4 (default: edsr-small)",
    )
    up.add_argument("--scale", type=int, choices=(2, 3, 4), default=None, help="2, 3 or 4 (default: 3, or the model's)")
    up.add_argument("--tile", type=int, default=256, help="tile size in input pixels, bounds memory (0: whole image)")
    up.add_argument("--overwrite", action="store_true", help="replace existing output files")
    up.add_argument("--quiet", action="store_true", help="no progress bar")
    for name, text in [
        ("train", "train a preset (python -m srkit.train)"),
        ("benchmark", "measure models (python -m srkit.benchmark)"),
        ("download", "fetch a data set, checksum-verified (python -m srkit.download)"),
    ]:
        sub.add_parser(name, help=text, add_help=False)
    if argv and argv[0] in ("train", "benchmark", "download"):
        from importlib import import_module

        return int(import_module(f"srkit.{argv[0]}").main(argv[1:]) or 0)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    if args.tile < 0:
        parser.error("--tile must be 0 (whole image) or a positive number of pixels")
    try:
        failures = upscale_files(
            args.inputs,
            args.output,
            model=args.model,
            scale=args.scale,
            tile=args.tile or None,
            overwrite=args.overwrite,
            progress=not args.quiet,
        )
    except CliError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for _, message in failures:
        print(f"error: {message}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
