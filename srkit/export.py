"""Export a trained model for deployment: a TensorFlow SavedModel (TensorFlow Serving, TF.js converters,
any TensorFlow program, no srkit or Keras needed) and TensorFlow Lite (a small, fast CPU interpreter that
also runs on phones and edge devices; its XNNPACK kernels are faster than TensorFlow's for these small
convolutional networks on a CPU).

The converted model keeps the Keras model's dynamic height and width; :class:`TFLiteModel` resizes the
interpreter's input to each image. Outputs match the Keras model to float32 rounding (tested).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

from ._util import write_atomic

__all__ = ["with_dtype_policy", "save_saved_model", "load_saved_model", "to_tflite", "save_tflite", "TFLiteModel"]


def _set_policy(config, policy: str):
    if isinstance(config, dict):
        for key, value in config.items():
            if key == "dtype" and isinstance(value, dict) and value.get("class_name") == "DTypePolicy":
                config[key] = policy
            else:
                _set_policy(value, policy)
    elif isinstance(config, list):
        for value in config:
            _set_policy(value, policy)


def with_dtype_policy(model, policy: str = "mixed_float16"):
    """A copy of the functional or Sequential ``model`` whose layers compute in another dtype policy,
    with the same weights.

    ``mixed_float16`` (Micikevicius et al., "Mixed Precision Training", ICLR 2018): variables stay float32,
    convolutions run in float16 -- about 2x faster on GPUs with tensor cores (and half the activation
    memory), emulated and no faster on most CPUs. The output is float16: cast it before measuring PSNR.
    ``mixed_bfloat16`` is the TPU (and recent CPU) equivalent.

    Only functional and ``keras.Sequential`` models can be copied: their config lists the layers, a
    subclassed model's does not (the same limit as :func:`keras.models.clone_model`, which clones "a
    Functional or Sequential Model instance": keras.io/api/models/model_saving_apis/model_config_serialization).
    """
    import keras

    if policy not in ("float32", "mixed_float16", "mixed_bfloat16", "float16", "bfloat16"):
        raise ValueError(f"unknown dtype policy {policy!r}")
    config = None
    if isinstance(model, keras.Model):
        try:
            config = model.get_config()
        except NotImplementedError:  # a subclassed model whose __init__ arguments Keras cannot record
            pass
    if not (isinstance(config, dict) and isinstance(config.get("layers"), list)):
        raise ValueError(
            f"with_dtype_policy supports only functional and keras.Sequential models; "
            f"{type(model).__name__} is not one (a subclassed model's config does not list its layers). "
            "Rebuild it with the functional API, or construct it under "
            "keras.config.set_dtype_policy(...) instead"
        )
    _set_policy(config["layers"], policy)
    for layer in config["layers"]:  # the input stays float32: callers pass float32 images
        if layer["class_name"] == "InputLayer":
            layer["config"]["dtype"] = "float32"
    copy = model.__class__.from_config(config)
    copy.set_weights(model.get_weights())
    return copy


def _refuse_existing(path: Path, overwrite: bool) -> None:
    """``FileExistsError`` if ``path`` exists and ``overwrite`` is false (both export functions share it)."""
    if path.exists() and not overwrite:
        raise FileExistsError(
            f"{path} already exists; export refuses to overwrite it (pass overwrite=True to replace it)"
        )


def save_saved_model(model, path: str | os.PathLike, *, overwrite: bool = False) -> Path:
    """Export Keras ``model`` as a SavedModel folder at ``path`` (signature ``serve``: N x H x W x C float32,
    any size). Written to a temporary folder renamed into place, so ``path`` is never half-written; an
    existing ``path`` is refused unless ``overwrite=True`` (then it is replaced only once the new export
    is complete)."""
    path = Path(path)
    _refuse_existing(path, overwrite)
    if path.exists() and not (path.is_dir() and (path / "saved_model.pb").is_file()):
        raise ValueError(
            f"{path} exists but is not a SavedModel folder (no saved_model.pb); "
            "overwrite=True replaces only an earlier export, so choose another path "
            "or remove it yourself"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
    try:
        model.export(str(tmp / "model"), format="tf_saved_model", verbose=False)
        old = None
        if path.exists():  # overwrite=True: move the old export aside, then the new one in
            old = tmp / "old"
            os.replace(path, old)
        try:
            os.replace(tmp / "model", path)
        except BaseException:
            if old is not None:  # put the old export back; it is deleted only once the new one is in
                os.replace(old, path)
            raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return path


def load_saved_model(path: str | os.PathLike):
    """A function N x H x W x C float32 -> output, from a SavedModel written by :func:`save_saved_model`."""
    import tensorflow as tf

    loaded = tf.saved_model.load(str(path))
    return lambda x: loaded.serve(np.ascontiguousarray(x, dtype=np.float32)).numpy()


def to_tflite(model, *, float16: bool = False) -> bytes:
    """The TensorFlow Lite flatbuffer of Keras ``model`` (float32; ``float16=True`` stores the weights in
    half precision: half the file, outputs within ~1e-3)."""
    import contextlib
    import io

    import tensorflow as tf

    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    if float16:
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.target_spec.supported_types = [tf.float16]
    with contextlib.redirect_stdout(io.StringIO()):  # Keras prints "Saved artifact at <temporary folder>"
        return converter.convert()


def save_tflite(model, path: str | os.PathLike, *, float16: bool = False, overwrite: bool = False) -> Path:
    """Write ``to_tflite(model)`` to ``path``, creating its folder; return ``path``.

    Like :func:`save_saved_model`, an existing ``path`` is refused unless ``overwrite=True``. The bytes go
    to a uniquely named temporary file in the same folder (random name, created with ``O_EXCL`` as
    :func:`tempfile.mkstemp` does, but with the usual umask permissions instead of mkstemp's 0600), renamed
    into place with :func:`os.replace` (atomic on POSIX and Windows within one file system), so ``path``
    is never half-written and the temporary file is removed if anything fails.
    """
    path = Path(path)
    _refuse_existing(path, overwrite)
    content = to_tflite(model, float16=float16)
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_atomic(path, content)


class TFLiteModel:
    """Run a TensorFlow Lite SR model on float32 batches (N x H x W x C), like calling the Keras model."""

    def __init__(self, content: bytes | str | os.PathLike, *, num_threads: int | None = None):
        import tensorflow as tf

        from .budget import _without_start_up_chatter

        if not isinstance(content, bytes):
            content = Path(content).read_bytes()
        with _without_start_up_chatter():  # "Created TensorFlow Lite XNNPACK delegate for CPU." on stderr
            self.interpreter = tf.lite.Interpreter(model_content=content, num_threads=num_threads or os.cpu_count())
        self._input = self.interpreter.get_input_details()[0]
        self._output = self.interpreter.get_output_details()[0]
        self._shape = None

    def __call__(self, x: np.ndarray) -> np.ndarray:
        from .budget import _without_start_up_chatter

        x = np.ascontiguousarray(x, dtype=np.float32)
        if x.ndim != 4 or x.shape[-1] != self._input["shape_signature"][-1]:
            raise ValueError(f"expected a batch N x H x W x {self._input['shape_signature'][-1]}, got shape {x.shape}")
        if x.shape != self._shape:
            self.interpreter.resize_tensor_input(self._input["index"], x.shape)
            with _without_start_up_chatter():  # the delegate may be (re)created here too
                self.interpreter.allocate_tensors()
            self._shape = x.shape
        self.interpreter.set_tensor(self._input["index"], x)
        self.interpreter.invoke()
        return self.interpreter.get_tensor(self._output["index"])
