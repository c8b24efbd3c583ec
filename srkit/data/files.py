"""Image files in and out: one image or a folder, any common format, with clear errors for bad files."""

from __future__ import annotations

import os
import threading
import warnings
from pathlib import Path

import numpy as np


def as_rgb(image: np.ndarray) -> np.ndarray:
    """H x W (gray) -> H x W x 3 by repeating the channel; RGB passes through; RGBA drops alpha."""
    image = np.asarray(image)
    if image.ndim == 2:
        return np.repeat(image[..., None], 3, axis=-1)
    if image.ndim == 3 and image.shape[-1] == 1:
        return np.repeat(image, 3, axis=-1)
    if image.ndim == 3 and image.shape[-1] == 4:
        return image[..., :3]
    if image.ndim == 3 and image.shape[-1] == 3:
        return image
    raise ValueError(f"not an image: shape {image.shape}")


_to_rgb = as_rgb  # for load_image, whose keyword argument ``as_rgb`` hides the function's name


IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff")
#: Refuse images larger than this many pixels (decompression bombs); override with ``max_pixels=``.
MAX_PIXELS = 16_384 * 16_384


class ImageLoadError(ValueError):
    """An image file that srkit cannot read; the message names the file and the problem."""


def _to_uint8(array: np.ndarray, path: Path) -> np.ndarray:
    # native byte order first: Pillow gives big-endian 16-bit TIFFs (mode I;16B) as >u2, which is not np.uint16
    array = array.astype(array.dtype.newbyteorder("="), copy=False)
    if array.dtype == np.uint8:
        return array
    if array.dtype == bool:
        return array.astype(np.uint8) * 255
    if array.dtype.kind in "ui" and array.dtype.itemsize >= 2:
        if array.min() < 0 or array.max() > 65535:
            raise ImageLoadError(f"{path}: integer pixel values outside 0..65535 are not an image srkit can read")
        return (array >> 8).astype(np.uint8)  # 16-bit -> 8-bit keeps the high byte, as Pillow does for colour
    raise ImageLoadError(f"{path}: pixel type {array.dtype} is not supported (use 8- or 16-bit images)")


def load_image(path: str | os.PathLike, *, as_rgb: bool = True, max_pixels: int = MAX_PIXELS) -> np.ndarray:
    """Read one image file into a uint8 array.

    PNG, JPEG, BMP and TIFF; the EXIF orientation is applied; 16-bit images become 8-bit (the high byte, x >> 8);
    palette and CMYK images become RGB; alpha is dropped; gray becomes H x W x 3 when ``as_rgb`` (default),
    else stays H x W. Anything else raises :class:`ImageLoadError` naming the file.
    """
    array = _checked_layout(_to_uint8(_decode(Path(path), max_pixels, keep=False), path), path)
    if array.ndim == 3 and array.shape[-1] == 4:
        array = array[..., :3]
    if array.ndim == 3 and array.shape[-1] == 2:  # gray + alpha as decoded by tifffile
        array = array[..., 0]
    if as_rgb:
        return _to_rgb(array)
    return array[..., 0] if array.ndim == 3 and array.shape[-1] == 1 else array


def read_image(path: str | os.PathLike, *, max_pixels: int = MAX_PIXELS) -> tuple[np.ndarray, str]:
    """Read one image file keeping what :func:`load_image` drops, for tools that write it back (``srkit
    upscale``): ``(image, kind)`` with ``kind`` ``"gray"`` (uint8 H x W), ``"rgb"``, ``"rgba"`` (uint8, alpha
    kept) or ``"gray16"`` (a 16-bit gray PNG as float64 in [0, 1], every level kept). One decode, with the
    same checks and errors as :func:`load_image`."""
    path = Path(path)
    array = _decode(path, max_pixels, keep=True)
    if array.dtype == np.float64:
        return _checked_layout(array, path), "gray16"
    array = _checked_layout(_to_uint8(array, path), path)
    if array.ndim == 3 and array.shape[-1] == 2:  # gray + alpha as decoded by tifffile
        array = np.concatenate([np.repeat(array[..., :1], 3, axis=-1), array[..., 1:]], axis=-1)
    if array.ndim == 3 and array.shape[-1] == 4:
        return array, "rgba"
    if array.ndim == 3 and array.shape[-1] == 1:
        array = array[..., 0]
    return array, "rgb" if array.ndim == 3 else "gray"


def _checked_layout(array: np.ndarray, path) -> np.ndarray:
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[-1] not in (1, 2, 3, 4)):
        raise ImageLoadError(f"{path}: unsupported layout {array.shape}")
    if min(array.shape[:2]) < 1:
        raise ImageLoadError(f"{path}: empty image")
    return array


def _decode(path: Path, max_pixels: int, *, keep: bool) -> np.ndarray:
    """The pixels of ``path`` as decoded (EXIF orientation applied, palettes and CMYK expanded). ``keep``: a
    16-bit gray PNG comes back as float64 in [0, 1] and gray + alpha as RGBA; else alpha goes (later) and
    16-bit data stays integer for :func:`_to_uint8`."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    if not path.is_file():
        raise ImageLoadError(f"{path}: no such file")
    try:
        with _open_with_limit(path, max_pixels) as im:
            if im.format not in ("PNG", "JPEG", "BMP", "TIFF", "MPO"):
                raise ImageLoadError(f"{path}: format {im.format} is not supported (PNG, JPEG, BMP or TIFF)")
            if im.width * im.height > max_pixels:
                raise ImageLoadError(
                    f"{path}: {im.width}x{im.height} pixels exceeds the limit of {max_pixels} "
                    "(pass max_pixels= to allow it)"
                )
            png = im.format == "PNG"
            im = ImageOps.exif_transpose(im)
            if keep and png and im.mode in ("I;16", "I;16B", "I"):
                return np.asarray(im, dtype=np.float64) / 65535.0
            if im.mode in ("P", "PA", "CMYK", "YCbCr", "LAB", "HSV", "RGBa", "RGBX"):
                im = im.convert("RGBA" if "A" in im.mode or "transparency" in im.info else "RGB")
            if im.mode == "LA":
                im = im.convert("RGBA") if keep else im.getchannel("L")
            if im.mode == "F":
                raise ImageLoadError(f"{path}: floating-point images are not supported")
            im.load()
            return np.asarray(im)
    except ImageLoadError:
        raise
    except Image.DecompressionBombError as e:  # claims over twice max_pixels: Pillow stops it at the header
        raise ImageLoadError(
            f"{path}: exceeds the limit of {max_pixels} pixels ({e}; pass max_pixels= to allow it)"
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as e:
        if path.suffix.lower() in (".tif", ".tiff"):
            return _load_tiff(path, e, max_pixels)
        raise ImageLoadError(f"{path}: cannot read this image ({type(e).__name__}: {e})") from None


_PILLOW_LIMIT = threading.Lock()


def _open_with_limit(path: Path, max_pixels: int):
    """``PIL.Image.open`` with srkit's pixel limit in charge of decompression bombs.

    Pillow refuses images above twice its own ``MAX_IMAGE_PIXELS`` (2 x ~89M pixels) whatever ``max_pixels``
    allows, so while the header is read that limit is raised to ``max_pixels`` -- never switched off, under a
    lock, and restored at once; :func:`load_image` then checks ``max_pixels`` on the header, before decoding.
    """
    from PIL import Image

    with _PILLOW_LIMIT:
        saved = Image.MAX_IMAGE_PIXELS
        try:
            if saved is not None:
                Image.MAX_IMAGE_PIXELS = max(saved, max_pixels)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", Image.DecompressionBombWarning)
                return Image.open(path)
        finally:
            Image.MAX_IMAGE_PIXELS = saved


def _load_tiff(path: Path, error: Exception, max_pixels: int) -> np.ndarray:
    """TIFFs that Pillow cannot decode (e.g. 16-bit RGB) are read with tifffile (size checked before decoding)."""
    try:
        import tifffile

        with tifffile.TiffFile(path) as tif:
            page = tif.pages[0]
            if page.imagewidth * page.imagelength > max_pixels:
                raise ImageLoadError(
                    f"{path}: {page.imagewidth}x{page.imagelength} pixels exceeds the limit of "
                    f"{max_pixels} (pass max_pixels= to allow it)"
                )
            array = tif.asarray()
    except ImageLoadError:
        raise
    except Exception as e2:  # noqa: BLE001 - any failure is reported as unreadable, naming the file
        raise ImageLoadError(f"{path}: cannot read this TIFF ({type(error).__name__}: {error}; {e2})") from None
    if array.ndim == 3 and array.shape[0] in (3, 4) and array.shape[-1] not in (3, 4):
        array = np.moveaxis(array, 0, -1)  # planar -> interleaved
    return array


def load_folder(
    path: str | os.PathLike, *, as_rgb: bool = True, recursive: bool = False, max_pixels: int = MAX_PIXELS
) -> dict[str, np.ndarray]:
    """All images in a folder (PNG/JPEG/BMP/TIFF by suffix), by file name (relative path if recursive).

    Raises :class:`ImageLoadError` naming the first file that cannot be read, and ``ValueError`` for
    a folder without images.
    """
    folder = Path(path)
    if not folder.is_dir():
        raise ValueError(f"{folder}: not a folder")
    pattern = "**/*" if recursive else "*"
    files = sorted(p for p in folder.glob(pattern) if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise ValueError(f"{folder}: no images found (looked for {', '.join(IMAGE_SUFFIXES)})")
    return {str(p.relative_to(folder)): load_image(p, as_rgb=as_rgb, max_pixels=max_pixels) for p in files}
