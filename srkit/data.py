"""Data: the bundled offline images and their split, a learner's own images, LR/HR pairs, tf.data patches.

The course must run offline, so its default data set is the set of photographs that pip packages ship
(scikit-image, scikit-learn and matplotlib sample images). :data:`SPLITS` fixes which image is used for
training, for model selection (validation) and for the final test; no image is in two splits, and
near-duplicates (``cat`` is ``chelsea``; the two views of ``stereo_motorcycle``) are left out.
"""

from __future__ import annotations

import os
import threading
import warnings
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import numpy as np

from ._util import round_to
from .color import to_y
from .metrics import gaussian_window
from .resize import imresize, integer_scale, modcrop

__all__ = [
    "BUNDLED",
    "SPLITS",
    "EXCLUDED",
    "DEGRADATIONS",
    "IMAGE_SUFFIXES",
    "ImageLoadError",
    "bundled",
    "load_image",
    "load_folder",
    "as_rgb",
    "degrade",
    "jpeg",
    "make_pair",
    "make_pairs",
    "grid_patches",
    "patch_dataset",
    "augment_pair",
    "to_float",
    "to_uint8",
]


# --------------------------------------------------------------------------- the bundled collection
def _skimage(name: str) -> Callable[[], np.ndarray]:
    def load() -> np.ndarray:
        import skimage.data

        image = getattr(skimage.data, name)()
        return image[0] if isinstance(image, tuple) else image  # stereo_motorcycle -> left view

    return load


def _sklearn(filename: str) -> Callable[[], np.ndarray]:
    def load() -> np.ndarray:
        from sklearn.datasets import load_sample_image

        return load_sample_image(filename)

    return load


def _matplotlib(filename: str) -> Callable[[], np.ndarray]:
    def load() -> np.ndarray:
        from matplotlib import cbook

        return load_image(cbook.get_sample_data(filename, asfileobj=False), as_rgb=False)

    return load


#: name -> (loader, where it comes from). All load without network access.
BUNDLED: dict[str, tuple[Callable[[], np.ndarray], str]] = {
    "astronaut": (_skimage("astronaut"), "scikit-image: Eileen Collins, NASA (public domain)"),
    "rocket": (_skimage("rocket"), "scikit-image: SpaceX launch (public domain)"),
    "motorcycle": (_skimage("stereo_motorcycle"), "scikit-image: Middlebury stereo 2014, left view"),
    "hubble_deep_field": (_skimage("hubble_deep_field"), "scikit-image: Hubble eXtreme Deep Field, NASA"),
    "immunohistochemistry": (_skimage("immunohistochemistry"), "scikit-image: IHC-stained tissue"),
    "retina": (_skimage("retina"), "scikit-image: human retina, fundus photograph"),
    "flower": (_sklearn("flower.jpg"), "scikit-learn sample image (CC BY 2.0)"),
    "grace_hopper": (_matplotlib("grace_hopper.jpg"), "matplotlib sample data: Grace Hopper (public domain)"),
    "moon": (_skimage("moon"), "scikit-image: surface of the moon (gray)"),
    "clock": (_skimage("clock"), "scikit-image: clock with motion blur (gray)"),
    "brick": (_skimage("brick"), "scikit-image: brick wall texture (gray)"),
    "grass": (_skimage("grass"), "scikit-image: grass texture (gray)"),
    "gravel": (_skimage("gravel"), "scikit-image: gravel texture (gray)"),
    "text": (_skimage("text"), "scikit-image: photographed text (gray)"),
    "page": (_skimage("page"), "scikit-image: scanned book page (gray)"),
    "coffee": (_skimage("coffee"), "scikit-image: cup of coffee, Rachel Michetti (CC0)"),
    "coins": (_skimage("coins"), "scikit-image: Greek coins (gray)"),
    "chelsea": (_skimage("chelsea"), "scikit-image: Chelsea the cat, Stefan van der Walt (CC0)"),
    "china": (_sklearn("china.jpg"), "scikit-learn sample image (CC BY 2.0)"),
    "camera": (_skimage("camera"), "scikit-image: the cameraman (gray; CC0 re-shoot)"),
    "cell": (_skimage("cell"), "scikit-image: cell under a microscope (gray)"),
}

#: The fixed split. Test images are never used for training or for choosing a model.
SPLITS: dict[str, tuple[str, ...]] = {
    "train": (
        "astronaut",
        "rocket",
        "motorcycle",
        "hubble_deep_field",
        "immunohistochemistry",
        "retina",
        "flower",
        "moon",
        "clock",
        "brick",
        "grass",
        "gravel",
        "text",
        "page",
        "cell",
    ),
    "validation": ("coffee", "grace_hopper"),
    "test": ("chelsea", "china", "camera", "coins"),
}
# Very smooth images (cell: 55 dB, retina: 46 dB, clock: 45 dB for bicubic x3) are kept out of the
# validation and test splits: one of them would dominate a mean PSNR and hide every difference.

#: Offline images deliberately left out, and why.
EXCLUDED: dict[str, str] = {
    "cat": "the same photograph as chelsea (a test image)",
    "stereo_motorcycle right view": "a near-duplicate of the left view",
    "checkerboard, colorwheel, logo, horse, binary_blobs, shepp_logan_phantom": "synthetic or binary, not photographs",
    "microaneurysms, lfw_subset": "too small (102 px and 25 px)",
}


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


def bundled(split: str = "train", *, rgb: bool = False) -> dict[str, np.ndarray]:
    """The bundled offline images of one split (``train``, ``validation``, ``test`` or ``all``), by name.

    Images are uint8, colour ones H x W x 3 and gray ones H x W -- so that a gray image is scored as its
    own luma (repeating it to R = G = B first would scale its errors by 219/255 and add 1.32 dB).
    ``rgb=True`` repeats gray images to 3 channels, for models that need RGB input.
    """
    if split == "all":
        names = [n for s in SPLITS.values() for n in s]
    elif split in SPLITS:
        names = list(SPLITS[split])
    else:
        raise ValueError(f"unknown split {split!r}; choose one of {sorted(SPLITS) + ['all']}")
    out = {}
    for name in names:
        image = np.ascontiguousarray(BUNDLED[name][0]())
        out[name] = as_rgb(image) if rgb else image
    return out


# --------------------------------------------------------------------------- a learner's own images
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
    from PIL import Image, ImageOps, UnidentifiedImageError

    path = Path(path)
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
            im = ImageOps.exif_transpose(im)
            if im.mode in ("P", "PA", "CMYK", "YCbCr", "LAB", "HSV", "RGBa", "RGBX"):
                im = im.convert("RGBA" if "A" in im.mode or "transparency" in im.info else "RGB")
            if im.mode == "LA":
                im = im.getchannel("L")
            if im.mode == "F":
                raise ImageLoadError(f"{path}: floating-point images are not supported")
            im.load()
            array = np.asarray(im)
    except ImageLoadError:
        raise
    except Image.DecompressionBombError as e:  # claims over twice max_pixels: Pillow stops it at the header
        raise ImageLoadError(
            f"{path}: exceeds the limit of {max_pixels} pixels ({e}; pass max_pixels= to allow it)"
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as e:
        if path.suffix.lower() in (".tif", ".tiff"):
            array = _load_tiff(path, e, max_pixels)
        else:
            raise ImageLoadError(f"{path}: cannot read this image ({type(e).__name__}: {e})") from None
    array = _to_uint8(array, path)
    if array.ndim == 3 and array.shape[-1] == 4:
        array = array[..., :3]
    if array.ndim == 3 and array.shape[-1] == 2:  # gray + alpha as decoded by tifffile
        array = array[..., 0]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[-1] not in (1, 3)):
        raise ImageLoadError(f"{path}: unsupported layout {array.shape}")
    if min(array.shape[:2]) < 1:
        raise ImageLoadError(f"{path}: empty image")
    if as_rgb:
        return _to_rgb(array)
    return array[..., 0] if array.ndim == 3 and array.shape[-1] == 1 else array


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


# --------------------------------------------------------------------------- degradations and pairs
def to_float(image: np.ndarray) -> np.ndarray:
    """uint8 0..255 -> float32 0..1."""
    return np.asarray(image, dtype=np.float32) / 255.0


def to_uint8(image: np.ndarray) -> np.ndarray:
    """float 0..1 -> uint8, clipped and rounded (half away from zero, as MATLAB's im2uint8).

    NaN and infinite values raise ``ValueError`` instead of becoming 0 or 255 (MATLAB's im2uint8 maps NaN
    to 0), which would hide a diverged model behind a plausible picture and PSNR.
    """
    x = np.asarray(image, dtype=np.float64)
    bad = ~np.isfinite(x)
    if bad.any():
        raise ValueError(
            f"image contains NaN or infinite values ({int(bad.sum())} of {x.size}): "
            "refusing to turn them into pixels (a diverged model?)"
        )
    return round_to(x * 255.0)


def _gaussian_blur(image: np.ndarray, size: int, sigma: float) -> np.ndarray:
    """MATLAB ``imfilter(image, fspecial('gaussian', size, sigma), 'replicate')``."""
    from scipy.ndimage import correlate1d

    g = gaussian_window(size, sigma)
    out = correlate1d(image.astype(np.float64), g, axis=0, mode="nearest")
    return correlate1d(out, g, axis=1, mode="nearest")


def jpeg(image: np.ndarray, quality: int) -> np.ndarray:
    """Encode as baseline JPEG at ``quality`` (1..95, Pillow/libjpeg scale) and decode again, in memory.

    uint8 in -> uint8 out; float (0..1) in -> float32 out (rounded to 8 bits first: JPEG stores 8 bits).
    Gray (H x W or H x W x 1) and RGB are supported.
    """
    import io

    from PIL import Image

    image = np.asarray(image)
    if not 1 <= int(quality) <= 95:
        raise ValueError(f"JPEG quality must be in 1..95, got {quality}")
    if image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] not in (1, 3)):
        raise ValueError(f"JPEG needs a gray or RGB image, got shape {image.shape}")
    is_uint8 = image.dtype == np.uint8
    pixels = image if is_uint8 else to_uint8(image)
    squeeze = pixels.ndim == 3 and pixels.shape[2] == 1
    buffer = io.BytesIO()
    Image.fromarray(pixels[..., 0] if squeeze else pixels).save(buffer, format="JPEG", quality=int(quality))
    out = np.asarray(Image.open(io.BytesIO(buffer.getvalue())).convert("L" if pixels.ndim == 2 or squeeze else "RGB"))
    out = out[..., None] if squeeze else out
    return out if is_uint8 else (out / 255.0).astype(np.float32)


def degrade(
    hr: np.ndarray,
    scale: int,
    *,
    kind: str = "bicubic",
    blur_sigma: float | None = None,
    noise_sigma: float | None = None,
    jpeg_quality: int = 40,
    seed: int | None = 0,
) -> np.ndarray:
    """Make the LR image of a (modcropped) HR image with a named degradation.

    ``bicubic``   (BI) MATLAB ``imresize(hr, 1/scale, 'bicubic')`` -- the standard benchmark degradation;
    ``bicubic-noaa`` bicubic *without* antialiasing (the kernel is not stretched when shrinking, as OpenCV's
                  ``INTER_CUBIC`` and many training scripts did): aliased LR, the wrong degradation for
                  the benchmarks -- models trained on it lose most of their gain there (lesson 07);
    ``blur``      (BD, Zhang et al., RDN, CVPR 2018) 7x7 Gaussian blur of ``blur_sigma`` (default 1.6) with
                  replicated borders (rounded to uint8 for uint8 input, as MATLAB's ``imfilter``), then
                  MATLAB's ``imresize(., 1/scale, 'nearest')``, which keeps the pixel nearest each LR pixel's centre;
    ``noise``     (DN, ibid.) bicubic, then additive Gaussian noise of ``noise_sigma`` (default 30) grey levels;
    ``blur-noise`` blur then noise, a harder mix;
    ``real``      a camera-like chain (the first-order model of Real-ESRGAN, Wang et al., ICCVW 2021, with
                  fixed instead of random strengths): 7x7 Gaussian blur of ``blur_sigma`` (default 1.0),
                  bicubic downscaling, Gaussian noise of ``noise_sigma`` (default 5) grey levels, then JPEG
                  at ``jpeg_quality`` (default 40).

    Noise is drawn from ``numpy.random.default_rng(seed)``. uint8 in -> uint8 out (rounded, clipped);
    float (0..1) in -> float32 out (not clipped, except ``real``, whose JPEG step stores 8 bits).
    """
    hr = np.asarray(hr)
    scale = integer_scale(scale)
    if kind not in DEGRADATIONS:
        raise ValueError(f"unknown degradation {kind!r}; choose one of {DEGRADATIONS}")
    if hr.shape[0] % scale or hr.shape[1] % scale:
        raise ValueError(f"HR shape {hr.shape[:2]} is not a multiple of scale {scale}: modcrop it first")
    random = kind in ("noise", "blur-noise", "real")
    if (random and seed is None) or not (hr.dtype == np.uint8 or np.issubdtype(hr.dtype, np.floating)):
        # a fresh noise draw each call, or an input imresize will refuse: nothing to remember
        return _degrade(hr, scale, kind, blur_sigma, noise_sigma, jpeg_quality, seed)
    key = (_fingerprint(hr), scale, kind, blur_sigma, noise_sigma, jpeg_quality, seed if random else None)
    return _LR_MEMO.get(key, lambda: _degrade(hr, scale, kind, blur_sigma, noise_sigma, jpeg_quality, seed))


class _ArrayMemo:
    """Results of a deterministic array function, kept in memory up to ``max_bytes`` (least recently used
    first out). Validation scores the same images after every epoch, and lessons score many models on the
    same images: their LR images are made once per process. Each caller gets its own copy."""

    def __init__(self, max_bytes: int):
        from collections import OrderedDict

        self.max_bytes, self.items, self.lock = max_bytes, OrderedDict(), threading.Lock()

    def get(self, key, compute: Callable[[], np.ndarray]) -> np.ndarray:
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
                return self.items[key].copy()
        value = compute()
        if value.nbytes <= self.max_bytes // 4:
            with self.lock:
                self.items[key] = value.copy()
                while sum(v.nbytes for v in self.items.values()) > self.max_bytes:
                    self.items.popitem(last=False)
        return value


_LR_MEMO = _ArrayMemo(max_bytes=256 * 2**20)


def _fingerprint(image: np.ndarray) -> tuple:
    import hashlib

    data = np.ascontiguousarray(image)
    return data.shape, data.dtype.str, hashlib.blake2b(data.view(np.uint8).reshape(-1), digest_size=16).hexdigest()


def _degrade(hr, scale, kind, blur_sigma, noise_sigma, jpeg_quality, seed) -> np.ndarray:
    is_uint8 = hr.dtype == np.uint8
    if kind in ("bicubic", "bicubic-noaa"):
        lr = imresize(hr, 1 / scale, antialias=kind == "bicubic")
        return lr if is_uint8 else lr.astype(np.float32)
    if blur_sigma is None:
        blur_sigma = 1.0 if kind == "real" else 1.6
    if noise_sigma is None:
        noise_sigma = 5.0 if kind == "real" else 30.0
    x = hr.astype(np.float64) / (255.0 if is_uint8 else 1.0)
    if kind in ("blur", "blur-noise", "real"):
        x = _gaussian_blur(x, 7, blur_sigma)
        if is_uint8:
            x = to_uint8(x).astype(np.float64) / 255.0
    if kind in ("blur", "blur-noise"):
        x = imresize(x, 1 / scale, method="nearest")  # RDN's Prepare_TrainData_HR_LR_BD.m
    else:
        x = imresize(x, 1 / scale)
    if kind in ("noise", "blur-noise", "real"):
        x = x + np.random.default_rng(seed).normal(0.0, noise_sigma / 255.0, size=x.shape)
    if kind == "real":
        x = jpeg(to_uint8(x), jpeg_quality)
        return x if is_uint8 else (x / 255.0).astype(np.float32)
    return to_uint8(x) if is_uint8 else x.astype(np.float32)


DEGRADATIONS = ("bicubic", "bicubic-noaa", "blur", "noise", "blur-noise", "real")


def make_pair(hr: np.ndarray, scale: int, *, degradation: str = "bicubic", **kwargs) -> tuple[np.ndarray, np.ndarray]:
    """(LR, HR): modcrop the HR image to the scale, then degrade it. ``kwargs`` go to :func:`degrade`."""
    hr = modcrop(hr, scale)
    return degrade(hr, scale, kind=degradation, **kwargs), hr


def make_pairs(
    images: Mapping[str, np.ndarray] | Iterable[np.ndarray],
    scale: int,
    *,
    degradation: str = "bicubic",
    copies: int = 1,
    seed: int = 0,
    **kwargs,
) -> list[tuple[np.ndarray, np.ndarray]]:
    """:func:`make_pair` for each image (a dict of images or any iterable of them).

    Random degradations (noise) draw a different realisation for every image and copy (seed ``seed + k``);
    ``copies`` > 1 makes that many LR versions of each image, so a model does not learn one noise pattern.
    """
    if copies < 1:
        raise ValueError(f"copies must be at least 1, got {copies}")
    values = list(images.values() if isinstance(images, Mapping) else images)
    return [
        make_pair(hr, scale, degradation=degradation, seed=seed + i * copies + c, **kwargs)
        for i, hr in enumerate(values)
        for c in range(copies)
    ]


def downscaled_copies(
    images: Mapping[str, np.ndarray], factors: Iterable[float], *, min_size: int = 1
) -> dict[str, np.ndarray]:
    """The images, then each image shrunk by every factor (MATLAB bicubic, antialiased), named ``name@factor``.

    Scale augmentation (FSRCNN: Dong, Loy & Tang, ECCV 2016, Sec. 4.1, shrank the 91 images by 0.9, 0.8, 0.7
    and 0.6): a shrunk photograph is a new HR image with finer, sharper detail -- camera blur and JPEG blocks
    shrink with it -- so a small training set teaches more. Applied to the HR images, before any LR is made.
    Copies with a side shorter than ``min_size`` (e.g. the HR training patch) are left out.
    """
    factors = [float(f) for f in factors]
    bad = [f for f in factors if not 0 < f < 1]
    if bad:
        raise ValueError(f"downscaling factors must be between 0 and 1 (exclusive), got {bad}")
    out = dict(images)
    for name, image in images.items():
        for f in factors:
            small = imresize(np.asarray(image), f)
            if min(small.shape[:2]) >= min_size:
                out[f"{name}@{f:g}"] = small
    return out


def shifted_copies(images: Mapping[str, np.ndarray], scale: int, *, min_size: int = 1) -> dict[str, np.ndarray]:
    """The images, then each image without its first ``dy`` rows and ``dx`` columns, for every shift
    (dy, dx) in {0, .., scale-1}^2 other than (0, 0), named ``name+dy,dx``.

    An LR image samples its HR image on a grid of pitch ``scale``; the pair made from a shifted copy
    (:func:`make_pair`) sees the same scene through the other ``scale**2 - 1`` phases of that grid, so the
    bicubic kernel meets every edge at every sub-pixel offset. Flips and rotations (:func:`augment_pair`)
    cannot do this: they turn the LR grid with the image. Applied to the HR images, before any LR is made.
    Copies whose side, once cropped to a multiple of ``scale`` (:func:`srkit.resize.modcrop`), is shorter than
    ``min_size`` (e.g. the HR training patch) are left out: a shift can cost the copy one LR row or column.
    """
    scale = integer_scale(scale)
    out = dict(images)
    for name, image in images.items():
        image = np.asarray(image)
        if min(image.shape[:2]) < 2 * scale:
            raise ValueError(f"image {name!r} of {image.shape[:2]} is too small to shift by up to {scale - 1} pixels")
        for dy in range(scale):
            for dx in range(scale):
                height, width = ((side - d) // scale * scale for side, d in zip(image.shape[:2], (dy, dx)))
                if (dy or dx) and min(height, width) >= min_size:
                    out[f"{name}+{dy},{dx}"] = image[dy:, dx:]
    return out


def grid_patches(
    lr: np.ndarray, hr: np.ndarray, *, scale: int, lr_size: int, stride: int
) -> tuple[np.ndarray, np.ndarray]:
    """Aligned patches on a regular grid: A (N x p x p [x C]) from LR and B (N x sp x sp [x C]) from HR.

    The LR patch at (i, j) covers exactly the HR patch at (scale*i, scale*j) -- the "A" (inputs) and
    "B" (targets) matrices of a supervised regression.
    """
    scale = integer_scale(scale)
    if hr.shape[0] != lr.shape[0] * scale or hr.shape[1] != lr.shape[1] * scale:
        raise ValueError(f"HR {hr.shape[:2]} is not LR {lr.shape[:2]} times {scale}")
    if min(lr.shape[:2]) < lr_size:
        raise ValueError(f"LR image {lr.shape[:2]} is smaller than the patch size {lr_size}")
    rows = range(0, lr.shape[0] - lr_size + 1, stride)
    cols = range(0, lr.shape[1] - lr_size + 1, stride)
    a = np.stack([lr[i : i + lr_size, j : j + lr_size] for i in rows for j in cols])
    hs = lr_size * scale
    b = np.stack([hr[i * scale : i * scale + hs, j * scale : j * scale + hs] for i in rows for j in cols])
    return a, b


# --------------------------------------------------------------------------- tf.data patch pipeline
def augment_pair(lr, hr, k):
    """Apply the k-th of the 8 symmetries of the square (4 rotations x optional flip) to both images."""
    import tensorflow as tf

    lr = tf.image.rot90(lr, k % 4)
    hr = tf.image.rot90(hr, k % 4)
    flip = k >= 4
    lr = tf.cond(flip, lambda: tf.image.flip_left_right(lr), lambda: lr)
    hr = tf.cond(flip, lambda: tf.image.flip_left_right(hr), lambda: hr)
    return lr, hr


def _prepare_arrays(pairs, scale: int, color: str, upsample_input: bool) -> list[tuple[np.ndarray, np.ndarray]]:
    out = []
    for lr, hr in pairs:
        lr, hr = np.asarray(lr), np.asarray(hr)
        if lr.dtype != np.uint8 or hr.dtype != np.uint8:
            raise TypeError("patch_dataset takes uint8 LR/HR pairs (as make_pairs returns)")
        if hr.shape[:2] != (lr.shape[0] * scale, lr.shape[1] * scale):
            raise ValueError(f"HR {hr.shape[:2]} is not LR {lr.shape[:2]} times {scale}")
        if color == "y":
            lr, hr = to_y(lr)[..., None], to_y(hr)[..., None]  # a gray image is its own Y
        elif color == "rgb":
            lr, hr = as_rgb(lr), as_rgb(hr)
        else:
            raise ValueError(f"color must be 'rgb' or 'y', got {color!r}")
        lr = to_float(lr)
        if upsample_input:
            lr = imresize(lr, scale).astype(np.float32)  # bicubic pre-upsampling (SRCNN, VDSR)
        out.append((lr, to_float(hr)))
    return out


def _check_some_patches_kept(arrays, patch_size: int, min_std: float, tries: int = 64) -> None:
    rng = np.random.default_rng(0)
    best = 0.0
    for _, hr in arrays:
        for _ in range(tries):
            i, j = (int(rng.integers(0, n - patch_size + 1)) for n in hr.shape[:2])
            best = max(best, float(hr[i : i + patch_size, j : j + patch_size].std()))
            if best >= min_std:
                return
    raise ValueError(
        f"min_std={min_std} drops every patch: the largest HR patch standard deviation found in "
        f"{tries} random crops per image is {best:.3f}"
    )


def patch_dataset(
    pairs,
    *,
    scale: int,
    patch_size: int,
    batch_size: int = 16,
    color: str = "rgb",
    upsample_input: bool = False,
    augment: bool = True,
    seed: int | None = None,
    repeat: bool = True,
    weighting: str = "area",
    min_std: float = 0.0,
):
    """A tf.data pipeline of aligned random (LR, HR) crops, float32 in [0, 1].

    Args:
        pairs: (LR, HR) uint8 pairs, e.g. ``make_pairs(bundled('train'), scale)``.
        scale: the SR factor; HR patches are ``patch_size`` square, LR patches ``patch_size // scale``.
        color: ``rgb`` (H x W x 3) or ``y`` (H x W x 1, luma of BT.601 as MATLAB).
        upsample_input: give the network the bicubic-upsampled LR (same size as HR), as SRCNN and VDSR do.
        augment: one of the 8 flips/rotations, drawn per patch.
        repeat: sample forever (for ``model.fit(..., steps_per_epoch=...)``).
        weighting: ``area`` samples images in proportion to their area (a large image gives more patches);
            ``uniform`` gives every image the same share.
        min_std: drop patches whose HR standard deviation (0..1 scale) is below this: flat patches teach
            an SR model almost nothing (0 keeps all).

    Whole images are cached in memory once; cropping, augmentation and batching run in parallel and the
    next batches are prefetched.
    """
    import tensorflow as tf

    scale = integer_scale(scale)
    if patch_size % scale:
        raise ValueError(f"patch_size {patch_size} must be a multiple of scale {scale}")
    arrays = _prepare_arrays(pairs, scale, color, upsample_input)
    if not arrays:
        raise ValueError("no image pairs given")
    lr_size = patch_size if upsample_input else patch_size // scale
    ratio = 1 if upsample_input else scale
    for lr, _ in arrays:
        if min(lr.shape[:2]) < lr_size:
            raise ValueError(f"an LR image of {lr.shape[:2]} is smaller than the LR patch size {lr_size}")
    areas = np.array([hr.shape[0] * hr.shape[1] for _, hr in arrays], dtype=np.float64)
    if weighting not in ("area", "uniform"):
        raise ValueError(f"weighting must be 'area' or 'uniform', got {weighting!r}")
    relative = areas / areas.mean() if weighting == "area" else np.ones_like(areas)
    copies = np.maximum(1, np.round(relative * 4)).astype(np.int64)
    channels = arrays[0][1].shape[-1]
    if min_std > 0:  # an impossible threshold would make the filter below wait forever
        _check_some_patches_kept(arrays, patch_size, min_std)

    def generate():
        yield from arrays

    sig = (tf.TensorSpec((None, None, channels), tf.float32), tf.TensorSpec((None, None, channels), tf.float32))
    images = tf.data.Dataset.from_generator(generate, output_signature=sig).cache()
    weights = tf.data.Dataset.from_tensor_slices(copies)
    ds = tf.data.Dataset.zip((images, weights)).flat_map(lambda pair, n: tf.data.Dataset.from_tensors(pair).repeat(n))
    if repeat:
        ds = ds.repeat()
    ds = ds.shuffle(int(copies.sum()), seed=seed)
    # one stateless random seed per patch: reproducible with ``seed``, and safe in parallel map calls
    seeds = tf.data.Dataset.random(seed=seed).batch(2)

    def crop(pair, patch_seed):
        lr, hr = pair
        s_i, s_j, s_k = tf.unstack(tf.random.split(patch_seed, 3))
        shape = tf.shape(lr)
        i = tf.random.stateless_uniform((), s_i, 0, shape[0] - lr_size + 1, dtype=tf.int32)
        j = tf.random.stateless_uniform((), s_j, 0, shape[1] - lr_size + 1, dtype=tf.int32)
        lr_patch = lr[i : i + lr_size, j : j + lr_size]
        hr_patch = hr[i * ratio : i * ratio + patch_size, j * ratio : j * ratio + patch_size]
        if augment:
            lr_patch, hr_patch = augment_pair(
                lr_patch, hr_patch, tf.random.stateless_uniform((), s_k, 0, 8, dtype=tf.int32)
            )
        return (
            tf.ensure_shape(lr_patch, (lr_size, lr_size, channels)),
            tf.ensure_shape(hr_patch, (patch_size, patch_size, channels)),
        )

    ds = tf.data.Dataset.zip((ds, seeds))
    ds = ds.map(crop, num_parallel_calls=tf.data.AUTOTUNE)
    if min_std > 0:
        ds = ds.filter(lambda lr_patch, hr_patch: tf.math.reduce_std(hr_patch) >= min_std)
    return ds.batch(batch_size, drop_remainder=repeat).prefetch(tf.data.AUTOTUNE)
