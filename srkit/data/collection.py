"""The bundled collection: the offline images pip packages ship, and their fixed split."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .files import as_rgb, load_image


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
        image = _decoded(name).copy()  # the caller's own copy
        out[name] = as_rgb(image) if rgb else image
    return out


_DECODED: dict[str, np.ndarray] = {}


def _decoded(name: str) -> np.ndarray:
    """A bundled image, decoded once per process (all 21 take 17 MiB; training and validation read the same
    images at every run), kept read-only."""
    image = _DECODED.get(name)
    if image is None:
        image = np.array(BUNDLED[name][0](), order="C", copy=True)
        image.flags.writeable = False
        _DECODED[name] = image
    return image
