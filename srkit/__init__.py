"""srkit: the toolkit of an open course on deep-learning image super-resolution.

One module per concept: :mod:`srkit.color`, :mod:`srkit.resize`, :mod:`srkit.metrics`, :mod:`srkit.data`,
:mod:`srkit.download`, :mod:`srkit.evaluate`, :mod:`srkit.raisr`, :mod:`srkit.models`, :mod:`srkit.inference`,
:mod:`srkit.training` (its command: :mod:`srkit.train`), :mod:`srkit.pretrained`, :mod:`srkit.export`,
:mod:`srkit.budget`, :mod:`srkit.benchmark`. ``import srkit`` is light: TensorFlow is imported only by the
functions that need it.
"""

__version__ = "0.1.0"

from .inference import upscale  # noqa: E402  (srkit.upscale(image, model=..., scale=...))

__all__ = ["upscale", "__version__"]
