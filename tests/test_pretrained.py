import json
import os

import numpy as np
import pytest

from srkit import pretrained


@pytest.fixture()
def shipped(tmp_path):
    """A weights folder with one installed model, made the way the maintainers install runs."""

    from srkit import models

    run = tmp_path / "run"
    run.mkdir()
    model = models.build("espcn", scale=2)
    model.save(run / "best.keras")
    record = dict(
        model="espcn",
        scale=2,
        parameters=models.count_params(model),
        command="python -m srkit.train ...",
        seed=0,
        steps=10,
        seconds=1.0,
        data="bundled train split",
        batch_size=16,
        lr_patch=16,
        loss="l2",
        learning_rate=1e-3,
        best_val_psnr=30.0,
        versions={},
    )
    (run / "record.json").write_text(json.dumps(record))
    folder = tmp_path / "weights"
    pretrained.install(run, "espcn-x2", scores={"test": {"psnr": 30.0}}, folder=folder)
    return folder, model


def test_install_and_load(shipped):
    folder, model = shipped
    assert pretrained.names(folder) == ["espcn-x2"]
    entry = pretrained.info("espcn-x2", folder)
    assert entry["scale"] == 2 and entry["parameters"] == 21_284 and len(entry["sha256"]) == 64
    loaded = pretrained.load("espcn-x2", folder)
    x = np.random.default_rng(0).random((1, 8, 8, 1)).astype("float32")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)


def test_a_fine_tuned_model_keeps_its_first_stage(shipped, tmp_path):
    folder, model = shipped
    run = tmp_path / "run2"
    run.mkdir()
    model.save(run / "best.keras")
    first = pretrained.info("espcn-x2", folder)["training"]
    record = dict(
        json.loads((tmp_path / "run" / "record.json").read_text()),
        init_from="espcn-x2",
        command="python -m srkit.train --init-from espcn-x2 ...",
        seconds=2.0,
    )
    (run / "record.json").write_text(json.dumps(record))
    pretrained.install(run, "espcn-x2", folder=folder)
    stages = pretrained.training_stages("espcn-x2", folder)
    assert [s["command"] for s in stages] == [first["command"], record["command"]]
    assert [s["seconds"] for s in stages] == [1.0, 2.0]


def test_install_records_non_default_hyperparameters_and_sampling(shipped, tmp_path):
    folder, model = shipped
    run = tmp_path / "run3"
    run.mkdir()
    model.save(run / "best.keras")
    first = json.loads((tmp_path / "run" / "record.json").read_text())
    for given in ({}, {"activation": "relu"}):  # train records the preset's hyperparameters, {} for most presets
        (run / "record.json").write_text(json.dumps(dict(first, hyperparameters=given)))
        pretrained.install(run, "espcn-x2", folder=folder)
        assert pretrained.info("espcn-x2", folder)["training"].get("hyperparameters") == (given or None)
    for min_std in (0.0, 0.04):  # flat patches skipped (srkit.train --min-std): recorded when used
        (run / "record.json").write_text(json.dumps(dict(first, min_std=min_std)))
        pretrained.install(run, "espcn-x2", folder=folder)
        assert pretrained.info("espcn-x2", folder)["training"].get("min_std") == (min_std or None)
    for hr_scales in ([], [0.9, 0.5]):  # shrunk copies of the training images (--hr-scales): recorded when used
        (run / "record.json").write_text(json.dumps(dict(first, hr_scales=hr_scales)))
        pretrained.install(run, "espcn-x2", folder=folder)
        assert pretrained.info("espcn-x2", folder)["training"].get("hr_scales") == (hr_scales or None)
    for hr_shifts in (False, True):  # every phase of the LR grid (--hr-shifts): recorded when used
        (run / "record.json").write_text(json.dumps(dict(first, hr_shifts=hr_shifts)))
        pretrained.install(run, "espcn-x2", folder=folder)
        assert pretrained.info("espcn-x2", folder)["training"].get("hr_shifts") == (hr_shifts or None)
    for precision in ("float32", "mixed_bfloat16"):  # mixed-precision training (--precision): recorded when used
        (run / "record.json").write_text(json.dumps(dict(first, precision=precision)))
        pretrained.install(run, "espcn-x2", folder=folder)
        assert pretrained.info("espcn-x2", folder)["training"].get("precision") == (
            None if precision == "float32" else precision
        )


def test_corrupted_file_is_refused(shipped):
    folder, _ = shipped
    file = folder / "espcn-x2.keras"
    data = bytearray(file.read_bytes())
    data[len(data) // 2] ^= 0xFF
    file.write_bytes(bytes(data))
    with pytest.raises(pretrained.PretrainedError, match="corrupted or modified"):
        pretrained.load("espcn-x2", folder)
    file.unlink()
    with pytest.raises(pretrained.PretrainedError, match="missing"):
        pretrained.load("espcn-x2", folder)


def test_unknown_name(shipped):
    folder, _ = shipped
    with pytest.raises(ValueError, match="shipped: \\['espcn-x2'\\]"):
        pretrained.load("espcn-x5", folder)


def test_weights_are_shipped_with_a_verified_manifest():
    required = {f"{arch}-x{s}" for arch in ("srcnn", "espcn", "fsrcnn", "edsr-small") for s in (2, 3, 4)}
    assert required <= set(pretrained.names()), f"missing: {sorted(required - set(pretrained.names()))}"
    for name in pretrained.names():
        assert pretrained.path(name).is_file()  # SHA-256 checked
        assert pretrained.info(name)["training"]["command"].startswith("python -m srkit.train --preset")


@pytest.fixture(scope="module")
def bicubic_on_the_test_split():
    """Bicubic's scores on the test split, by scale: computed once per scale, not once per shipped model."""
    import functools

    from srkit import data
    from srkit.evaluate import bicubic_upscaler, evaluate

    @functools.cache
    def scores(scale):
        return evaluate(bicubic_upscaler(scale), data.bundled("test"), scale=scale, crop_border=scale)

    return scores


@pytest.mark.parametrize("name", pretrained.names())
def test_every_shipped_model_beats_bicubic_on_the_test_split(name, bicubic_on_the_test_split):
    from srkit import data, upscale
    from srkit.evaluate import evaluate

    model, scale = pretrained.load(name), pretrained.info(name)["scale"]
    test = data.bundled("test")
    ours = evaluate(lambda lr: upscale(lr, model=model, scale=scale), test, scale=scale, crop_border=scale)
    base = bicubic_on_the_test_split(scale)
    assert ours.mean_psnr > base.mean_psnr + 0.3, f"{name}: {ours.mean_psnr:.2f} dB vs bicubic {base.mean_psnr:.2f} dB"
    assert all(ours.psnr[n] > base.psnr[n] for n in test), f"{name} loses to bicubic on some test image"


def _other_run(tmp_path, name="other"):
    """A run folder holding a differently initialised ESPCN x2 and the first run's record."""
    import keras

    from srkit import models

    run = tmp_path / name
    run.mkdir()
    keras.utils.set_random_seed(7)
    other = models.build("espcn", scale=2)
    other.save(run / "best.keras")
    (run / "record.json").write_text((tmp_path / "run" / "record.json").read_text())
    return run, other


@pytest.mark.parametrize("failure", ["save", "manifest", "rename", "record"])
def test_a_failed_install_changes_nothing_and_leaves_no_temporary_file(shipped, tmp_path, monkeypatch, failure):
    import keras

    folder, model = shipped
    run, _ = _other_run(tmp_path)
    before = {f.name: f.read_bytes() for f in folder.iterdir()}
    if failure == "save":  # the disk fills up while the weights are written

        def save(self, filepath, *args, **kwargs):
            open(filepath, "wb").write(b"PK\x03\x04 half a zip")
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(keras.Model, "save", save)
    elif failure == "manifest":  # ... or while the manifest is written, after the weights
        write_text = type(folder).write_text

        def half_written(self, text, *args, **kwargs):
            if self.name.endswith(".tmp"):
                write_text(self, text[: len(text) // 2])
                raise OSError(28, "No space left on device")
            return write_text(self, text, *args, **kwargs)

        monkeypatch.setattr(type(folder), "write_text", half_written)
    elif failure == "rename":  # ... or the manifest cannot be renamed into place, after the weights were
        replace = os.replace

        def refuse_manifest(src, dst):
            if str(dst).endswith("manifest.json"):
                raise OSError(28, "No space left on device")
            return replace(src, dst)

        monkeypatch.setattr(os, "replace", refuse_manifest)
    else:  # a record without the training keys
        (run / "record.json").write_text(json.dumps({"model": "espcn", "scale": 2, "parameters": 21_284}))
    with pytest.raises(
        ValueError if failure == "record" else OSError,
        match="missing \\['command'" if failure == "record" else "No space",
    ):
        pretrained.install(run, "espcn-x2", folder=folder)
    monkeypatch.undo()
    assert {f.name: f.read_bytes() for f in folder.iterdir()} == before  # no temporary file, nothing replaced
    x = np.random.default_rng(0).random((1, 8, 8, 1)).astype("float32")
    np.testing.assert_allclose(
        pretrained.load("espcn-x2", folder).predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6
    )


def test_load_uses_the_bytes_it_verified(shipped, tmp_path, monkeypatch):
    import keras

    folder, model = shipped
    run, other = _other_run(tmp_path)
    real_load = keras.models.load_model

    def swapped_after_the_check(filepath, *args, **kwargs):  # the file changes between the check and the load
        (folder / "espcn-x2.keras").write_bytes((run / "best.keras").read_bytes())
        return real_load(filepath, *args, **kwargs)

    monkeypatch.setattr(keras.models, "load_model", swapped_after_the_check)
    loaded = pretrained.load("espcn-x2", folder)
    monkeypatch.undo()
    x = np.random.default_rng(0).random((1, 8, 8, 1)).astype("float32")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)
    assert not np.allclose(other.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-3)
    with pytest.raises(pretrained.PretrainedError, match="corrupted or modified"):  # the swapped file is refused
        pretrained.load("espcn-x2", folder)
