"""Data: the bundled offline images and their split, a learner's own images, LR/HR pairs, tf.data patches.

The course must run offline, so its default data set is the set of photographs that pip packages ship
(scikit-image, scikit-learn and matplotlib sample images). :data:`SPLITS` fixes which image is used for
training, for model selection (validation) and for the final test; no image is in two splits, and
near-duplicates (``cat`` is ``chelsea``; the two views of ``stereo_motorcycle``) are left out.

One module per job, all of it importable from ``srkit.data``:

- :mod:`srkit.data.collection` the bundled images and their split (``bundled``, ``SPLITS``);
- :mod:`srkit.data.files` image files in and out (``load_image``, ``read_image``, ``load_folder``, ``as_rgb``);
- :mod:`srkit.data.degradations` HR -> LR (``degrade``, ``jpeg``), pairs and the shrunk/shifted copies;
- :mod:`srkit.data.pipeline` the tf.data patch pipeline (``patch_dataset``, ``grid_patches``).
"""

from .collection import BUNDLED, EXCLUDED, SPLITS, bundled
from .degradations import (
    DEGRADATIONS,
    degrade,
    downscaled_copies,
    jpeg,
    make_pair,
    make_pairs,
    shifted_copies,
    to_float,
    to_uint8,
)
from .files import IMAGE_SUFFIXES, MAX_PIXELS, ImageLoadError, as_rgb, load_folder, load_image, read_image
from .pipeline import augment_pair, grid_patches, patch_dataset

__all__ = [
    "BUNDLED",
    "SPLITS",
    "EXCLUDED",
    "DEGRADATIONS",
    "IMAGE_SUFFIXES",
    "MAX_PIXELS",
    "ImageLoadError",
    "bundled",
    "load_image",
    "read_image",
    "load_folder",
    "as_rgb",
    "degrade",
    "jpeg",
    "make_pair",
    "make_pairs",
    "downscaled_copies",
    "shifted_copies",
    "grid_patches",
    "patch_dataset",
    "augment_pair",
    "to_float",
    "to_uint8",
]
