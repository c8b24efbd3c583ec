"""Shipped pretrained weights, verified by SHA-256 before they are loaded.

The weights in ``srkit/weights/`` were trained for this course on the bundled training split only, with
``python -m srkit.train`` (the command, seed, time and scores of each are in ``manifest.json`` and in
``MODEL_CARD.md``). Each file's SHA-256 is in the manifest; :func:`load` refuses a file that does not match
(a corrupted download or an edited file) and loads the rest with ``safe_mode=True`` (no code in a model
file can run). Names say the architecture and the scale: ``espcn-x3``, ``edsr-small-x4``, ...
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from ._util import sha256_file

__all__ = [
    "WEIGHTS",
    "PretrainedError",
    "manifest",
    "names",
    "info",
    "training_stages",
    "path",
    "load",
    "install",
    "transfer",
]

WEIGHTS = Path(__file__).resolve().parent / "weights"


class PretrainedError(RuntimeError):
    """A shipped weight file that is missing or does not match its manifest."""


def manifest(folder: str | os.PathLike = WEIGHTS) -> dict:
    """The manifest (name -> entry) of a weights folder; empty if there is none yet."""
    file = Path(folder) / "manifest.json"
    return json.loads(file.read_text()) if file.is_file() else {}


def names(folder: str | os.PathLike = WEIGHTS) -> list[str]:
    return sorted(manifest(folder))


def info(name: str, folder: str | os.PathLike = WEIGHTS) -> dict:
    """The manifest entry of ``name``: architecture, scale, parameters, training record, scores."""
    entries = manifest(folder)
    if name not in entries:
        raise ValueError(f"no pretrained model {name!r}; shipped: {sorted(entries) or 'none'}")
    return entries[name]


def training_stages(name: str, folder: str | os.PathLike = WEIGHTS) -> list[dict]:
    """How shipped model ``name`` was trained, first stage first: one training record per run (a model
    fine-tuned from a shipped model has its source's stages before its own)."""
    stages, training = [], info(name, folder)["training"]
    while training is not None:
        stages.insert(0, {k: v for k, v in training.items() if k != "starts_from"})
        training = training.get("starts_from")
    return stages


def _verified_bytes(name: str, folder: str | os.PathLike) -> tuple[Path, bytes]:
    """The weight file of ``name`` and its bytes, read once and checked against the manifest's SHA-256."""
    entry = info(name, folder)
    file = Path(folder) / entry["file"]
    try:
        data = file.read_bytes()
    except (FileNotFoundError, IsADirectoryError):
        raise PretrainedError(f"{name}: weight file {file} is missing; reinstall srkit") from None
    actual = hashlib.sha256(data).hexdigest()
    if actual != entry["sha256"]:
        raise PretrainedError(
            f"{name}: {file} is corrupted or modified (SHA-256 {actual}, expected "
            f"{entry['sha256']}); reinstall srkit or restore the file from git"
        )
    return file, data


def path(name: str, folder: str | os.PathLike = WEIGHTS) -> Path:
    """The verified path of the weight file of ``name`` (raises :class:`PretrainedError` if it does not match).
    The file can change after this check: :func:`load` loads the very bytes it checked."""
    return _verified_bytes(name, folder)[0]


def load(name: str, folder: str | os.PathLike = WEIGHTS):
    """The Keras model ``name``, loaded with ``safe_mode=True`` from the very bytes whose SHA-256 was checked
    (a private copy in a temporary folder, so the file cannot be swapped between the check and the load)."""
    import tempfile

    import keras

    from . import models  # noqa: F401  (registers srkit's layers for deserialisation)

    file, data = _verified_bytes(name, folder)
    with tempfile.TemporaryDirectory(prefix="srkit-") as private:  # mode 0700: only this user can write there
        copy = Path(private) / file.name
        copy.write_bytes(data)
        return keras.models.load_model(copy, safe_mode=True, compile=False)


_TRAINING_KEYS = (
    "command",
    "seed",
    "steps",
    "seconds",
    "data",
    "batch_size",
    "lr_patch",
    "loss",
    "learning_rate",
    "best_val_psnr",
    "versions",
)


def _options_used(record: dict) -> dict:
    """The run's options that are not at their defaults (every field of :class:`srkit.training.RunConfig`, so
    a new option is recorded without a change here), with the model's hyperparameters and a resumed run's
    restart point."""
    import dataclasses

    from .training import RunConfig

    defaults = {f.name: f.default for f in dataclasses.fields(RunConfig) if f.default is not dataclasses.MISSING}
    skip = _TRAINING_KEYS + ("preset", "budget", "out", "copies", "strategy", "logical_cpus")  # recorded otherwise
    options = [f.name for f in dataclasses.fields(RunConfig) if f.name not in skip]
    used = {k: record[k] for k in options if k in record and record[k] not in (None, (), [], defaults.get(k))}
    return {k: record[k] for k in ("hyperparameters", "resumed_after_epochs", "note") if record.get(k)} | used


def install(
    run_dir: str | os.PathLike, name: str, *, scores: dict | None = None, folder: str | os.PathLike = WEIGHTS
) -> dict:
    """Copy ``best.keras`` of a training run into the weights folder as ``name`` and record it in the manifest
    with its SHA-256, its training record and ``scores`` (how the maintainers ship weights). Both files are
    written to temporary names and replaced only when complete: on an error the installed files are unchanged
    and no temporary file is left."""
    run_dir, folder = Path(run_dir), Path(folder)
    record = json.loads((run_dir / "record.json").read_text())
    missing = [k for k in ("model", "scale", "parameters") + _TRAINING_KEYS if k not in record]
    if missing:
        raise ValueError(f"{run_dir / 'record.json'} is not a training record of srkit.train (missing {missing})")
    folder.mkdir(parents=True, exist_ok=True)
    import keras

    from . import models  # noqa: F401  (registers srkit's layers)

    target, tmp, old = folder / f"{name}.keras", folder / f".{name}.tmp.keras", folder / f".{name}.old.keras"
    tmp_manifest = folder / "manifest.json.tmp"
    entries = manifest(folder)
    try:
        # re-saved without the optimizer state: half the size, and proof that it loads in safe mode
        keras.models.load_model(run_dir / "best.keras", safe_mode=True, compile=False).save(tmp)
        entry = dict(
            file=target.name,
            sha256=sha256_file(tmp),
            architecture=record["model"],
            scale=record["scale"],
            parameters=record["parameters"],
            training={k: record[k] for k in _TRAINING_KEYS} | _options_used(record),
            scores=scores or {},
        )
        if record.get("init_from") in entries:  # fine-tuned from a shipped model: keep how that one was trained
            entry["training"]["starts_from"] = entries[record["init_from"]]["training"]
        entries[name] = entry
        tmp_manifest.write_text(json.dumps(dict(sorted(entries.items())), indent=1) + "\n")
        # both files complete: only now replace the installed ones (an error above leaves them as they were)
        if target.exists():
            os.replace(target, old)  # kept until the manifest is replaced too, to put back on an error
        try:
            os.replace(tmp, target)
            os.replace(tmp_manifest, folder / "manifest.json")
        except BaseException:
            if old.exists():  # the manifest still describes the old weights: restore them
                os.replace(old, target)
            else:
                target.unlink(missing_ok=True)
            raise
    finally:  # no half-written temporary files left behind on an error
        for leftover in (tmp, tmp_manifest, old):
            leftover.unlink(missing_ok=True)
    return entry


def transfer(source, target) -> list[str]:
    """Copy into Keras model ``target`` the weights of every layer of ``source`` (a model, a shipped name or a
    ``.keras`` file, loaded in safe mode) that has the same name and the same weight shapes; returns the
    names of the layers copied.

    The basis of fine-tuning across scales (EDSR, Lim et al. 2017, sec. 3.2, started its x3 and x4 models
    from the x2 model): an EDSR body does not depend on the scale, only its upsampler does.
    """
    if isinstance(source, (str, os.PathLike)) and str(source).endswith(".keras"):
        import keras

        from . import models  # noqa: F401  (registers srkit's layers)

        source = keras.models.load_model(source, safe_mode=True, compile=False)
    elif isinstance(source, str):
        source = load(source)
    copied = []
    for layer in target.layers:
        try:
            src = source.get_layer(layer.name)
        except ValueError:
            continue
        weights, mine = src.get_weights(), layer.get_weights()
        if weights and len(weights) == len(mine) and all(a.shape == b.shape for a, b in zip(weights, mine)):
            layer.set_weights(weights)
            copied.append(layer.name)
    return copied
