"""Download: fetch the standard super-resolution data sets, verify them, unpack them safely.

Every archive in :data:`REGISTRY` is pinned by its SHA-256, copied from a public source that is
named next to it; nothing is unpacked before its bytes match. The pieces, each usable on its own:

* :func:`data_dir` -- where data lives (``$SRKIT_DATA``, the checkout's ``data/``, or ``~/.cache/srkit``);
* :func:`fetch` -- one URL to one verified file: progress bar, ``.part`` file, HTTP ``Range`` resume,
  retries, and an atomic rename, so a file at its destination is always a verified file;
* :func:`extract` -- zip/tar unpacking that refuses members escaping the target folder and only
  renames the result into place once it is complete;
* :func:`download` -- the three together, by data-set name, idempotent.

Only the standard library and tqdm are used.
"""

from __future__ import annotations

import http.client
import json
import lzma
import os
import re
import shutil
import tarfile
import tempfile
import time
import urllib.error
import urllib.request
import zipfile
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from tqdm.auto import tqdm

from ._util import sha256_file

__all__ = [
    "Dataset",
    "REGISTRY",
    "DownloadError",
    "ChecksumError",
    "UnsafeArchiveError",
    "data_dir",
    "register",
    "list_datasets",
    "sha256_file",
    "fetch",
    "extract",
    "verify_manifest",
    "download",
]

CHUNK_BYTES = 1 << 20  #: read/write/hash block size
RETRY_BACKOFF_S = 1.0  #: wait ``RETRY_BACKOFF_S * attempt`` seconds before a retry
MARKER = ".srkit-complete.json"  #: written inside a folder once its extraction is complete
USER_AGENT = "srkit-downloader/0.1"


# --------------------------------------------------------------------------- errors
class DownloadError(RuntimeError):
    """A file could not be downloaded, verified or unpacked. The message names the URL or file."""


class ChecksumError(DownloadError):
    """Bytes on disk do not match the expected SHA-256 (or size)."""


class UnsafeArchiveError(DownloadError):
    """An archive member could land outside the extraction folder (``..``, absolute path, any link)."""


# --------------------------------------------------------------------------- the registry
@dataclass(frozen=True)
class Dataset:
    """One downloadable archive and where its images end up.

    ``folder`` is the directory (relative to the data directory) the archive is unpacked into;
    several entries may share one archive, and then share its folder. ``image_dir`` is the image
    folder relative to ``folder``. ``manifest`` maps file names to SHA-256 digests of files that
    are checked after unpacking (only those present are checked). ``sha256=None`` means that no
    published checksum is known, and :func:`download` then refuses the entry unless asked not to.
    """

    name: str
    urls: tuple[str, ...]
    sha256: str | None
    archive: str  # "zip", "tar" or "tar.gz"
    folder: str
    image_dir: str
    size: int | None = None
    filename: str | None = None  # archive file name; default: last component of the first URL
    citation: str = ""
    checksum_source: str = ""  # where the pinned SHA-256 was published
    manifest: Mapping[str, str] = field(default_factory=dict)

    @property
    def archive_name(self) -> str:
        """File name under which the archive is cached."""
        return self.filename or PurePosixPath(self.urls[0].split("?")[0]).name


_DIV2K = "https://data.vision.ee.ethz.ch/cvl/DIV2K/"
_DIV2K_CITATION = (
    "E. Agustsson and R. Timofte, NTIRE 2017 Challenge on Single Image Super-Resolution: "
    "Dataset and Study, CVPR Workshops 2017. https://data.vision.ee.ethz.ch/cvl/DIV2K/"
)
# All DIV2K checksums and sizes: tensorflow/datasets, tensorflow_datasets/datasets/div2k/checksums.tsv
# (same values in tensorflow_datasets/url_checksums/div2k.txt).
_DIV2K_SOURCE = "tensorflow/datasets: tensorflow_datasets/datasets/div2k/checksums.tsv"
_DIV2K_FILES = {
    # name: (archive, size in bytes, sha256, image folder inside the archive)
    "div2k_train_hr": (
        "DIV2K_train_HR.zip",
        3530603713,
        "9d0b9c463f6e35b6c62cc6a930ee2224f670b34c1df841a57670f9acf0f6c335",
        "DIV2K_train_HR",
    ),
    "div2k_valid_hr": (
        "DIV2K_valid_HR.zip",
        448993893,
        "20dd31fd84d777bc1cf5d6b7654a3f569c0aec74458ae094122ad1d0489900fc",
        "DIV2K_valid_HR",
    ),
    "div2k_train_lr_x2": (
        "DIV2K_train_LR_bicubic_X2.zip",
        925390592,
        "a53a424317575838dadce4bcd97cf7b744d6855f43740ed5f0245af3cf4bd850",
        "DIV2K_train_LR_bicubic/X2",
    ),
    "div2k_train_lr_x3": (
        "DIV2K_train_LR_bicubic_X3.zip",
        427847282,
        "ad5c8e5507e2765823d3c2c5bd0934842efcd487c5370604c224090898b3163a",
        "DIV2K_train_LR_bicubic/X3",
    ),
    "div2k_train_lr_x4": (
        "DIV2K_train_LR_bicubic_X4.zip",
        246914039,
        "f006b837f4eb52b82909aa01478e6d6d199eefce932179491d0c9dbb706dde3a",
        "DIV2K_train_LR_bicubic/X4",
    ),
    "div2k_valid_lr_x2": (
        "DIV2K_valid_LR_bicubic_X2.zip",
        117763600,
        "60eed9875c697df51204aa579e2a699e1d5215095788a097ff54dd17e2664d57",
        "DIV2K_valid_LR_bicubic/X2",
    ),
    "div2k_valid_lr_x3": (
        "DIV2K_valid_LR_bicubic_X3.zip",
        54513392,
        "04b9a2ed3b4a0715d3924d3ae8514830c3328fac8d30512ce716d6f419e052a3",
        "DIV2K_valid_LR_bicubic/X3",
    ),
    "div2k_valid_lr_x4": (
        "DIV2K_valid_LR_bicubic_X4.zip",
        31505881,
        "a50a5d1c4b88de4e8d300d8fb2b904c52fe93b2b298a4899697760d7cbb6d553",
        "DIV2K_valid_LR_bicubic/X4",
    ),
}

# The EDSR authors' benchmark bundle: benchmark/{Set5,Set14,B100,Urban100}/{HR,LR_bicubic/X2..X4}.
# SHA-256 and size: YeapJieShen/single-image-super-resolution, tests/reference/fetch_urban100.py
# (also tests/utils/test_imresize.py and docs/reproduction.md). Layout: same files, and
# Coloquinte/torchSR torchsr/datasets/benchmarks.py (which pins MD5 4ace41d33c2384b97e6b320cd0afd6ba).
_EDSR_BENCHMARK = dict(
    urls=("https://cv.snu.ac.kr/research/EDSR/benchmark.tar",),
    sha256="80c21c333bbf6ceb5308b7243761f8284478274413a97b96f1d63e9045fd93e8",
    size=250112000,
    archive="tar",
    folder="edsr_benchmark",
    checksum_source="YeapJieShen/single-image-super-resolution: tests/reference/fetch_urban100.py",
)
_EDSR_CITATION = (
    "Distributed by B. Lim et al., Enhanced Deep Residual Networks for Single Image "
    "Super-Resolution, CVPR Workshops 2017. "
)

# Set5 as released with SRCNN (C. Dong et al.): SRCNN_v1.zip holds SRCNN/Set5/*_GT.bmp.
# Archive SHA-256: YeapJieShen/single-image-super-resolution, docs/reproduction.md ("SRCNN_v1.zip ...
# SHA-256 bfa68ca6...") and the ARCHIVES table of its SRCNN author-model check. Size: not published.
# Per-file manifest: computed by srkit from the SRCNN release copy of Set5 (*_GT.bmp).
_SET5_MANIFEST = {
    "baby_GT.bmp": "199806aa411249a8f179fe5598bed0766d92bf7fe5ff388522e4d8d997bd2fd4",
    "bird_GT.bmp": "498f50e8907f2421969d893aff61ee1a7c4aae23cb76452728a90e97c2889fb3",
    "butterfly_GT.bmp": "43534bd9f59f06ac7b0d6c8b991137baa4c764b8241a5bd1136b9dd810f4dba2",
    "head_GT.bmp": "959f9ac5ceacfd7648e7f0bfa6fbbd626b141d3e61e41dddd3e2593acfd3ac0b",
    "woman_GT.bmp": "2ab3c594c057d80c2f339c9be0bf6fb81487ce650562b60c2ad8cd816d509f56",
}

_BUILTIN: tuple[Dataset, ...] = (
    *(
        Dataset(
            name=name,
            urls=(_DIV2K + archive,),
            sha256=digest,
            size=size,
            archive="zip",
            folder=name,
            image_dir=images,
            citation=_DIV2K_CITATION,
            checksum_source=_DIV2K_SOURCE,
        )
        for name, (archive, size, digest, images) in _DIV2K_FILES.items()
    ),
    Dataset(
        name="set5",
        urls=("http://mmlab.ie.cuhk.edu.hk/projects/SRCNN/SRCNN_v1.zip",),
        sha256="bfa68ca613c1326a59e0c34353205a254ab2b67e34df7f04e28eef567980af30",
        archive="zip",
        folder="srcnn_v1",
        image_dir="SRCNN/Set5",
        manifest=_SET5_MANIFEST,
        citation=(
            "M. Bevilacqua et al., Low-Complexity Single-Image Super-Resolution based on Nonnegative "
            "Neighbor Embedding, BMVC 2012; copy released with SRCNN: C. Dong et al., Image "
            "Super-Resolution Using Deep Convolutional Networks, TPAMI 2016."
        ),
        checksum_source="YeapJieShen/single-image-super-resolution: docs/reproduction.md",
    ),
    Dataset(
        name="set5_edsr",
        image_dir="benchmark/Set5/HR",
        **_EDSR_BENCHMARK,
        citation=_EDSR_CITATION + "Set5: M. Bevilacqua et al., BMVC 2012.",
    ),
    Dataset(
        name="set14",
        image_dir="benchmark/Set14/HR",
        **_EDSR_BENCHMARK,
        citation=_EDSR_CITATION + "Set14: R. Zeyde, M. Elad and M. Protter, On Single Image Scale-Up "
        "Using Sparse-Representations, Curves and Surfaces 2010.",
    ),
    Dataset(
        name="b100",
        image_dir="benchmark/B100/HR",
        **_EDSR_BENCHMARK,
        citation=_EDSR_CITATION + "B100 (BSD100): the 100 test images of D. Martin et al., A Database "
        "of Human Segmented Natural Images, ICCV 2001.",
    ),
    Dataset(
        name="urban100",
        image_dir="benchmark/Urban100/HR",
        **_EDSR_BENCHMARK,
        citation=_EDSR_CITATION + "Urban100: J.-B. Huang, A. Singh and N. Ahuja, Single Image "
        "Super-Resolution from Transformed Self-Exemplars, CVPR 2015.",
    ),
)

#: name -> entry. Extend with :func:`register`; :func:`download` also accepts its own mapping.
REGISTRY: dict[str, Dataset] = {}
_ALIASES = {"bsd100": "b100"}


def register(entry: Dataset, *, replace: bool = False) -> Dataset:
    """Add ``entry`` to :data:`REGISTRY` under its lower-case name and return it."""
    key = entry.name.lower()
    if key in REGISTRY and not replace:
        raise ValueError(f"data set {entry.name!r} is already registered (pass replace=True)")
    REGISTRY[key] = entry
    return entry


for _entry in _BUILTIN:
    register(_entry)


def list_datasets(registry: Mapping[str, Dataset] | None = None) -> list[str]:
    """Sorted names of the known data sets."""
    return sorted(REGISTRY if registry is None else registry)


def _lookup(name: str, registry: Mapping[str, Dataset] | None) -> Dataset:
    """The entry called ``name`` (case-insensitive); ``ValueError`` listing the known names otherwise."""
    entries = {key.lower(): value for key, value in (REGISTRY if registry is None else registry).items()}
    key = name.lower()
    key = key if key in entries else _ALIASES.get(key, key)
    if key not in entries:
        raise ValueError(f"unknown data set {name!r}; known data sets: {', '.join(sorted(entries))}")
    return entries[key]


# --------------------------------------------------------------------------- where data lives
def data_dir() -> Path:
    """The data directory: ``$SRKIT_DATA``, else the checkout's writable ``data/``, else ``~/.cache/srkit``."""
    env = os.environ.get("SRKIT_DATA")
    if env:
        return Path(env).expanduser()
    checkout = Path(__file__).resolve().parents[1] / "data"
    if checkout.is_dir() and os.access(checkout, os.W_OK):
        return checkout
    return Path.home() / ".cache" / "srkit"


# --------------------------------------------------------------------------- one file


def _content_range_start(value: str | None) -> int | None:
    """First byte of a ``Content-Range: bytes START-END/TOTAL`` header, or None if unparsable."""
    match = re.match(r"bytes\s+(\d+)-\d+/(\d+|\*)", value or "")
    return int(match.group(1)) if match else None


def _download_once(url: str, part: Path, *, timeout: float, progress: bool, desc: str) -> int:
    """One HTTP request: continue ``part`` with a Range request if it exists, else write it anew.

    A server that answers 206 is resumed from; one that answers 200 ignored the Range header, and
    ``part`` is rewritten from byte 0. Returns the byte offset the written data started at (0: the
    whole file came in this request). Raises :class:`DownloadError` if fewer bytes arrive than the
    response announced (the partial file is kept, so the next attempt can resume).
    """
    offset = part.stat().st_size if part.exists() else 0
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    if offset:
        request.add_header("Range", f"bytes={offset}-")
    opener = urllib.request.build_opener()  # honours proxy settings of the moment
    with opener.open(request, timeout=timeout) as response:
        if offset and response.status == 206:
            start = _content_range_start(response.headers.get("Content-Range"))
            if start != offset:
                part.unlink(missing_ok=True)
                raise DownloadError(f"{url}: server resumed at byte {start}, not {offset}; restarting")
        else:
            offset = 0  # 200: the whole file is coming, so start the part file over
        length = response.headers.get("Content-Length")
        expected = int(length) if length is not None else None
        total = offset + expected if expected is not None else None
        received = 0
        with (
            open(part, "ab" if offset else "wb") as out,
            tqdm(
                total=total,
                initial=offset,
                unit="B",
                unit_scale=True,
                unit_divisor=1024,
                desc=desc,
                disable=not progress,
                leave=False,
            ) as bar,
        ):
            for block in iter(lambda: response.read(CHUNK_BYTES), b""):
                out.write(block)
                received += len(block)
                bar.update(len(block))
    if expected is not None and received != expected:
        raise DownloadError(f"{url}: truncated download, received {offset + received} of {offset + expected} bytes")
    return offset


def _verify(path: Path, url: str, sha256: str | None, size: int | None) -> None:
    """Raise :class:`ChecksumError` unless ``path`` has the expected size and SHA-256."""
    actual_size = path.stat().st_size
    if size is not None and actual_size != size:
        raise ChecksumError(f"{url}: size mismatch, received {actual_size} bytes, expected {size} bytes")
    if sha256 is not None:
        actual = sha256_file(path)
        if actual != sha256.lower():
            raise ChecksumError(f"{url}: SHA-256 mismatch, expected {sha256.lower()}, got {actual}")


def _fatal(error: Exception) -> bool:
    """True for HTTP errors that a retry cannot fix (404, 403, ...)."""
    return isinstance(error, urllib.error.HTTPError) and 400 <= error.code < 500 and error.code not in (408, 416, 429)


def fetch(
    url: str,
    *,
    sha256: str | None,
    dest: str | os.PathLike,
    size: int | None = None,
    progress: bool = True,
    retries: int = 2,
    timeout: float = 60,
) -> Path:
    """Download ``url`` to ``dest`` and verify it; return ``dest``.

    Bytes go to ``dest.part`` beside ``dest``; an existing ``.part`` is resumed with an HTTP Range
    request when the server supports it. The finished file is checked (size if given, SHA-256) and
    only then renamed to ``dest`` with :func:`os.replace`. Network errors, truncated bodies and
    checksum mismatches are retried ``retries`` times; after that the partial file is deleted and
    :class:`DownloadError` (or its subclass :class:`ChecksumError`) says what went wrong. A SHA-256
    mismatch on a file of the expected ``size`` that was downloaded whole in one request is not
    retried: the server sends those bytes every time (for DIV2K a retry would cost gigabytes). If ``dest``
    already has the right checksum, nothing is downloaded. ``sha256=None`` skips the checksum; only
    :func:`download` with ``allow_unverified=True`` should ever pass it.
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    if dest.exists():
        if sha256 is None or sha256_file(dest) == sha256.lower():
            return dest
        dest.unlink()  # a file with the wrong checksum never stays at dest
    part = dest.with_name(dest.name + ".part")
    if size is not None and part.exists() and part.stat().st_size > size:
        part.unlink()
    last: Exception | None = None
    for attempt in range(retries + 1):
        if attempt:
            time.sleep(RETRY_BACKOFF_S * attempt)
        whole = False  # True once this attempt has fetched the complete file in one request
        try:
            if not (size is not None and part.exists() and part.stat().st_size == size):
                whole = _download_once(url, part, timeout=timeout, progress=progress, desc=dest.name) == 0
            _verify(part, url, sha256, size)
        except ChecksumError as error:
            right_size = size is not None and part.exists() and part.stat().st_size == size
            part.unlink(missing_ok=True)  # wrong bytes: resuming them cannot help
            if whole and right_size:  # the server's file itself differs: another download cannot fix it
                raise ChecksumError(
                    f"{error}; the file has the expected size ({size} bytes), so downloading it again "
                    "would give the same bytes, and it was deleted. The file on the server differs from "
                    "the pinned one: try another mirror, or check the data set's checksum source and "
                    "update its SHA-256 if the file was re-released"
                ) from error
            last = error
        except (OSError, http.client.HTTPException, DownloadError) as error:
            if isinstance(error, urllib.error.HTTPError) and error.code == 416:
                part.unlink(missing_ok=True)  # the server cannot resume this part: start over
            if _fatal(error):
                part.unlink(missing_ok=True)
                raise DownloadError(f"{url}: HTTP {error.code} {error.reason}") from error
            last = error
        else:
            os.replace(part, dest)
            return dest
    part.unlink(missing_ok=True)
    message = f"{url}: giving up after {retries + 1} attempt(s); last error: {last}"
    raise (ChecksumError if isinstance(last, ChecksumError) else DownloadError)(message) from last


# --------------------------------------------------------------------------- safe extraction
def _member_path(name: str) -> PurePosixPath:
    """An archive member name as a relative path; :class:`UnsafeArchiveError` if it could escape."""
    clean = name.replace("\\", "/")
    path = PurePosixPath(clean)
    if path.is_absolute() or re.match(r"^[A-Za-z]:", clean) or ".." in path.parts:
        raise UnsafeArchiveError(f"refusing archive member {name!r}: absolute path or '..' component")
    return path


def _refuse_link(archive: Path, member: str, target: str) -> None:
    """Refuse every symbolic or hard link: none of the SR archives srkit knows contains one.

    Checking link targets by their text is not enough: a chain such as ``d/e -> ..``, then
    ``l -> d/e/..``, then the member ``l/escaped.txt`` passes a textual check but writes outside the
    folder (see CPython gh-102950 and PEP 706, which added :func:`tarfile.data_filter` for this).
    """
    raise UnsafeArchiveError(
        f"refusing link {member!r} -> {target!r} in {archive.name}: srkit does not unpack symbolic or "
        "hard links (the SR benchmark archives contain none, and a link can point outside the folder)"
    )


def _extract_zip(archive: Path, target: Path) -> None:
    """Check every zip member, then unpack them into ``target``."""
    with zipfile.ZipFile(archive) as bundle:
        members = bundle.infolist()
        for info in members:
            _member_path(info.filename)
            if (info.external_attr >> 16) & 0o170000 == 0o120000:  # a symlink, stored as its target
                _refuse_link(archive, info.filename, bundle.read(info).decode("utf-8", "replace"))
        for info in members:
            bundle.extract(info, target)


def _extract_tar(archive: Path, target: Path) -> None:
    """Check every tar member (paths; regular files and folders only), then unpack them into ``target``.

    Where Python has :func:`tarfile.data_filter` (PEP 706: 3.12, and 3.8.17 / 3.9.17 / 3.10.12 /
    3.11.4 onwards) it also runs; what it refuses is reported as :class:`UnsafeArchiveError`.
    """
    with tarfile.open(archive, "r:*") as bundle:
        members = bundle.getmembers()
        for member in members:
            _member_path(member.name)
            if member.issym() or member.islnk():
                _refuse_link(archive, member.name, member.linkname)
            elif not (member.isfile() or member.isdir()):
                raise UnsafeArchiveError(f"refusing special file {member.name!r} in {archive.name}")
        if hasattr(tarfile, "data_filter"):
            try:
                bundle.extractall(target, members=members, filter="data")
            except tarfile.FilterError as error:
                raise UnsafeArchiveError(f"refusing {archive.name}: {error}") from error
        else:
            bundle.extractall(target, members=members)


def extract(
    archive: str | os.PathLike, dest_dir: str | os.PathLike, *, check: Callable[[Path], None] | None = None
) -> Path:
    """Unpack a zip or tar(.gz/.bz2/.xz) ``archive`` into ``dest_dir`` and return ``dest_dir``.

    Members with absolute paths, ``..`` components, symbolic or hard links, or device files are
    refused with :class:`UnsafeArchiveError`. Everything is unpacked into a temporary sibling folder;
    ``check(tmp)`` (if given) may inspect it and raise; only then is it renamed to ``dest_dir``
    (replacing an older ``dest_dir``). An interrupted or refused extraction leaves nothing behind.
    """
    archive, dest_dir = Path(archive), Path(dest_dir)
    dest_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest_dir.name}.", suffix=".extracting", dir=dest_dir.parent))
    try:
        try:
            if zipfile.is_zipfile(archive):
                _extract_zip(archive, tmp)
            elif tarfile.is_tarfile(archive):
                _extract_tar(archive, tmp)
            else:
                raise DownloadError(f"{archive}: neither a zip nor a tar archive")
        except (tarfile.ReadError, zipfile.BadZipFile, EOFError, zlib.error, lzma.LZMAError) as error:
            # a truncated or damaged archive (only possible where no SHA-256 was checked)
            raise DownloadError(
                f"{archive}: damaged or incomplete archive ({error}); delete it and download it again"
            ) from None
        if check is not None:
            check(tmp)
        if dest_dir.exists():
            old = dest_dir.with_name(tmp.name + ".old")
            os.replace(dest_dir, old)
            os.replace(tmp, dest_dir)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, dest_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return dest_dir


def verify_manifest(folder: str | os.PathLike, manifest: Mapping[str, str]) -> int:
    """Check the files under ``folder`` whose names ``manifest`` lists; return how many were checked.

    Files the manifest does not name, and names that are absent, are not errors.
    """
    checked = 0
    for path in sorted(Path(folder).rglob("*")):
        if path.name in manifest and path.is_file():
            actual = sha256_file(path)
            if actual != manifest[path.name].lower():
                raise ChecksumError(f"{path}: SHA-256 mismatch, expected {manifest[path.name]}, got {actual}")
            checked += 1
    return checked


# --------------------------------------------------------------------------- a data set by name
def _find_images(folder: Path, image_dir: str) -> Path:
    """``folder / image_dir``; failing that, the single folder with ``image_dir``'s last name."""
    exact = folder / image_dir
    if exact.is_dir():
        return exact
    candidates = sorted(p for p in folder.rglob(PurePosixPath(image_dir).name) if p.is_dir())
    if len(candidates) == 1:
        return candidates[0]
    raise DownloadError(
        f"{folder}: expected the image folder {image_dir!r}, "
        f"found {len(candidates)} folder(s) named {PurePosixPath(image_dir).name!r}"
    )


def _is_complete(folder: Path, entry: Dataset) -> bool:
    """True if ``folder`` holds a finished extraction of ``entry``'s archive."""
    try:
        marker = json.loads((folder / MARKER).read_text())
    except (OSError, ValueError):
        return False
    return marker.get("archive") == entry.archive_name and marker.get("sha256") == entry.sha256


def _finish(tmp: Path, entry: Dataset) -> None:
    """Checks run on a fresh extraction before it is renamed into place; writes the marker."""
    checked = verify_manifest(tmp, entry.manifest)
    _find_images(tmp, entry.image_dir)
    marker = {"archive": entry.archive_name, "sha256": entry.sha256, "manifest_files_checked": checked}
    (tmp / MARKER).write_text(json.dumps(marker, indent=1))


def download(
    name: str,
    *,
    root: str | os.PathLike | None = None,
    force: bool = False,
    progress: bool = True,
    registry: Mapping[str, Dataset] | None = None,
    allow_unverified: bool = False,
    keep_archive: bool = False,
    retries: int = 2,
    timeout: float = 60,
) -> Path:
    """Download, verify and unpack the data set ``name``; return its image folder.

    The archive is cached in ``root/downloads`` (``root`` defaults to :func:`data_dir`) and unpacked
    into ``root/<entry.folder>``. A second call finds the finished folder and does not touch the
    network; ``force=True`` downloads and unpacks again. ``registry`` replaces :data:`REGISTRY`
    (tests use it to point at a local server). Entries without a published SHA-256 are refused
    unless ``allow_unverified=True``. The archive is deleted after unpacking unless ``keep_archive``.
    """
    entry = _lookup(name, registry)
    if entry.sha256 is None and not allow_unverified:
        raise DownloadError(
            f"{entry.name}: no published SHA-256 is known for {entry.urls[0]}, so its contents cannot "
            "be verified; pass allow_unverified=True to download it anyway"
        )
    root = Path(root) if root is not None else data_dir()
    folder = root / entry.folder
    if not force and _is_complete(folder, entry):
        return _find_images(folder, entry.image_dir)
    archive = root / "downloads" / entry.archive_name
    if force:
        archive.unlink(missing_ok=True)
    errors: list[DownloadError] = []
    for url in entry.urls:  # mirrors of the same bytes, tried in order
        try:
            fetch(
                url,
                sha256=entry.sha256,
                dest=archive,
                size=entry.size,
                progress=progress,
                retries=retries,
                timeout=timeout,
            )
            break
        except DownloadError as error:
            errors.append(error)
    else:
        if len(errors) == 1:
            raise errors[0]
        raise DownloadError(f"{entry.name}: every mirror failed:\n  " + "\n  ".join(map(str, errors)))
    extract(archive, folder, check=lambda tmp: _finish(tmp, entry))
    if not keep_archive:
        archive.unlink(missing_ok=True)
    return _find_images(folder, entry.image_dir)


def local(
    name: str, *, root: str | os.PathLike | None = None, registry: Mapping[str, Dataset] | None = None
) -> Path | None:
    """The image folder of ``name`` if it has already been downloaded and unpacked under ``root``, else None."""
    entry = _lookup(name, registry)
    folder = (Path(root) if root is not None else data_dir()) / entry.folder
    return _find_images(folder, entry.image_dir) if _is_complete(folder, entry) else None


def main(argv: list[str] | None = None) -> int:
    """``python -m srkit.download NAME [NAME ...]``: download, verify and unpack data sets."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m srkit.download", description="Download, verify (SHA-256) and unpack SR data sets."
    )
    parser.add_argument("names", nargs="*", help="data sets to fetch (see --list)")
    parser.add_argument("--root", type=Path, default=None, help=f"data directory (default: {data_dir()})")
    parser.add_argument("--list", action="store_true", help="list the known data sets and exit")
    parser.add_argument("--force", action="store_true", help="download and unpack again")
    args = parser.parse_args(argv)
    if args.list or not args.names:
        for name in list_datasets():
            entry = REGISTRY[name]
            size = f"{entry.size / 1e6:,.0f} MB" if entry.size else "size unknown"
            print(f"{name:<20}{size:>12}  {entry.urls[0]}")
        return 0
    for name in args.names:
        try:
            print(f"{name}: {download(name, root=args.root, force=args.force)}")
        except (DownloadError, ValueError) as error:
            print(f"error: {error}")
            return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
