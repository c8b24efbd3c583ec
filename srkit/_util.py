"""Small jobs that several modules share: one rounding rule, a file's SHA-256, atomic writes."""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from scipy.ndimage import correlate1d


def round_to(x: np.ndarray, dtype=np.uint8) -> np.ndarray:
    """Round half up and saturate to an unsigned integer type: MATLAB's ``uint8()``/``uint16()``.

    For the values that survive saturation (0 and above) half up is half away from zero, MATLAB's rule; numpy's
    ``np.round`` would round half to even (2.5 -> 2) and disagree with MATLAB on one pixel in a few hundred.
    This is the only float -> integer pixel rule in srkit."""
    return np.clip(np.floor(np.asarray(x) + 0.5), 0, np.iinfo(dtype).max).astype(dtype)


def sha256_file(path: str | os.PathLike, block: int = 1 << 20) -> str:
    """Hex SHA-256 of a file, read in blocks (memory use does not grow with the file)."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for chunk in iter(lambda: stream.read(block), b""):
            digest.update(chunk)
    return digest.hexdigest()


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """A temporary path beside ``path`` to write to; renamed onto ``path`` (:func:`os.replace`, atomic on
    POSIX and Windows within one file system) when the block ends, removed if it raises. ``path`` is never
    half-written. The name is random and created with ``O_EXCL`` (as :func:`tempfile.mkstemp`, but with the
    usual umask permissions), so two writers never share it."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666))
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_atomic(path: str | os.PathLike, content: bytes | str) -> Path:
    """Write ``content`` (bytes, or text as UTF-8) to ``path`` with :func:`atomic_path`."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return Path(path)


def positive_int(value, name: str, *, odd: bool = False, floats: bool = False) -> int:
    """``value`` as an ``int`` if it is a whole number >= 1 (odd, with ``odd=True``), else a ``ValueError`` that
    names ``name``. Bools, strings and NaN are refused; ``3.0`` is accepted only with ``floats=True`` (a scale
    computed as ``a / b`` may be a float; a count of filters or steps is not)."""
    integral = isinstance(value, (int, np.integer)) or (floats and isinstance(value, (float, np.floating)))
    ok = integral and not isinstance(value, (bool, np.bool_)) and np.isfinite(value) and value == int(value) >= 1
    if not ok or (odd and int(value) % 2 == 0):
        raise ValueError(f"{name} must be a positive {'odd ' if odd else ''}whole number, got {value!r}")
    return int(value)


def separable_filter(image: np.ndarray, window: np.ndarray) -> np.ndarray:
    """Correlate the rows, then the columns, of ``image`` with the 1-D ``window``, replicating the edge
    pixels (MATLAB ``imfilter(image, window' * window, 'replicate')``); further axes (colour) are kept."""
    return correlate1d(correlate1d(image, window, axis=0, mode="nearest"), window, axis=1, mode="nearest")


class NonFiniteError(ValueError):
    """Pixels that are NaN or infinite where an image was expected: what a diverged model outputs. A
    ``ValueError``, so a caller that handles bad input handles it; training catches it by name to stop a
    diverged run (:class:`srkit.training.TrainingDiverged`)."""
