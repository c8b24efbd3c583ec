import numpy as np
import pytest

from srkit import export, pretrained


@pytest.mark.parametrize("name", ["espcn-x3", "edsr-small-x4", "srcnn-x3", "fsrcnn-x3"])
def test_tflite_matches_keras(name, tmp_path):
    model = pretrained.load(name)
    path = export.save_tflite(model, tmp_path / f"{name}.tflite")
    lite = export.TFLiteModel(path)
    rng = np.random.default_rng(0)
    for shape in [(1, 23, 31, 1), (1, 40, 16, 1)]:  # any size: the interpreter is resized per input
        x = rng.uniform(size=shape).astype(np.float32)
        np.testing.assert_allclose(lite(x), np.asarray(model(x)), atol=1e-5)
    assert not list(tmp_path.glob(".*.tmp"))


def test_float16_weights_are_close_and_smaller():
    model = pretrained.load("espcn-x3")
    full, half = export.to_tflite(model), export.to_tflite(model, float16=True)
    assert len(half) < 0.7 * len(full)
    x = np.random.default_rng(1).uniform(size=(1, 20, 20, 1)).astype(np.float32)
    np.testing.assert_allclose(export.TFLiteModel(half)(x), np.asarray(model(x)), atol=5e-3)


def test_wrong_input_is_a_clear_error():
    lite = export.TFLiteModel(export.to_tflite(pretrained.load("espcn-x3")))
    with pytest.raises(ValueError, match="expected a batch"):
        lite(np.zeros((20, 20, 1), np.float32))
    with pytest.raises(ValueError, match="expected a batch"):
        lite(np.zeros((1, 20, 20, 3), np.float32))


@pytest.mark.parametrize("name", ["edsr-small-x3", "fsrcnn-x3"])
def test_saved_model_matches_keras(name, tmp_path):
    model = pretrained.load(name)
    path = export.save_saved_model(model, tmp_path / name)
    run = export.load_saved_model(path)
    x = np.random.default_rng(2).uniform(size=(1, 19, 26, 1)).astype(np.float32)
    np.testing.assert_allclose(run(x), np.asarray(model(x)), atol=1e-6)
    assert [p.name for p in tmp_path.iterdir()] == [name]  # no temporary folder left behind
    with pytest.raises(FileExistsError, match="refuses to overwrite"):
        export.save_saved_model(model, path)


@pytest.mark.parametrize("name", ["espcn-x3", "edsr-small-x2"])
def test_mixed_precision_copy_is_close(name):
    import keras

    model = pretrained.load(name)
    mixed = export.with_dtype_policy(model, "mixed_float16")
    assert {layer.dtype_policy.name for layer in mixed.layers[1:]} == {"mixed_float16"}
    assert all(v.dtype == "float32" for v in mixed.weights)  # variables stay float32
    x = np.random.default_rng(0).random((1, 40, 48, 1), dtype=np.float32)
    full, half = np.asarray(model(x)), np.asarray(mixed(x)).astype(np.float32)
    assert half.shape == full.shape
    assert 0 < np.abs(full - half).max() < 0.01  # float16 rounding: close, yet really computed in float16
    assert keras.config.dtype_policy().name == "float32"  # the global policy is untouched
    with pytest.raises(ValueError, match="unknown dtype policy"):
        export.with_dtype_policy(model, "int8")


@pytest.fixture
def fake_tflite(monkeypatch):
    """File handling only: replace the (slow) conversion by fixed bytes."""
    monkeypatch.setattr(export, "to_tflite", lambda model, float16=False: b"flatbuffer")


def test_save_tflite_creates_the_folder(tmp_path, fake_tflite):
    path = export.save_tflite(object(), tmp_path / "new" / "deeper" / "m.tflite")
    assert path.read_bytes() == b"flatbuffer"
    assert [p.name for p in path.parent.iterdir()] == ["m.tflite"]


def test_save_tflite_refuses_to_overwrite_unless_asked(tmp_path, fake_tflite):
    path = tmp_path / "m.tflite"
    path.write_bytes(b"older export")
    with pytest.raises(FileExistsError, match="refuses to overwrite.*overwrite=True"):
        export.save_tflite(object(), path)
    assert path.read_bytes() == b"older export"
    export.save_tflite(object(), path, overwrite=True)
    assert path.read_bytes() == b"flatbuffer"


def test_save_tflite_uses_its_own_temporary_file_and_removes_it_on_error(tmp_path, fake_tflite, monkeypatch):
    other = tmp_path / ".m.tflite.tmp"  # the old fixed name, here another writer's file
    other.write_bytes(b"not ours")

    def fail(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(export.os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        export.save_tflite(object(), tmp_path / "m.tflite")
    assert sorted(p.name for p in tmp_path.iterdir()) == [".m.tflite.tmp"]
    assert other.read_bytes() == b"not ours"


class FakeExportable:
    """Stands in for a Keras model: ``export`` writes a folder holding ``tag``."""

    def __init__(self, tag: str):
        self.tag = tag

    def export(self, path, format, verbose):
        from pathlib import Path

        Path(path).mkdir()
        (Path(path) / "saved_model.pb").write_bytes(b"")
        (Path(path) / "tag.txt").write_text(self.tag)


def test_save_saved_model_overwrites_only_when_asked(tmp_path):
    path = export.save_saved_model(FakeExportable("first"), tmp_path / "sm")
    with pytest.raises(FileExistsError, match="overwrite=True"):
        export.save_saved_model(FakeExportable("second"), path)
    assert (path / "tag.txt").read_text() == "first"
    export.save_saved_model(FakeExportable("second"), path, overwrite=True)
    assert (path / "tag.txt").read_text() == "second"
    assert [p.name for p in tmp_path.iterdir()] == ["sm"]


def test_save_saved_model_refuses_to_replace_what_is_not_a_saved_model(tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / "holiday.jpg").write_bytes(b"precious")
    with pytest.raises(ValueError, match="not a SavedModel folder"):
        export.save_saved_model(FakeExportable("new"), folder, overwrite=True)
    assert (folder / "holiday.jpg").read_bytes() == b"precious"
    (tmp_path / "file").write_bytes(b"mine")
    with pytest.raises(ValueError, match="not a SavedModel folder"):
        export.save_saved_model(FakeExportable("new"), tmp_path / "file", overwrite=True)
    assert (tmp_path / "file").read_bytes() == b"mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file", "photos"]


def test_save_saved_model_keeps_the_old_export_if_the_new_one_cannot_be_moved_in(tmp_path, monkeypatch):
    import os

    path = export.save_saved_model(FakeExportable("first"), tmp_path / "sm")
    real_replace = os.replace

    def failing_replace(src, dst):
        if str(src).endswith("model") and str(dst) == str(path):
            raise OSError("disk trouble")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk trouble"):
        export.save_saved_model(FakeExportable("second"), path, overwrite=True)
    assert (path / "tag.txt").read_text() == "first"
    assert [p.name for p in tmp_path.iterdir()] == ["sm"]


def test_mixed_precision_of_a_subclassed_model_is_a_clear_error():
    import keras

    class Subclassed(keras.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.conv = keras.layers.Conv2D(1, 3, padding="same")

        def call(self, x):
            return self.conv(x)

    model = Subclassed()
    model(np.zeros((1, 8, 8, 1), np.float32))
    with pytest.raises(ValueError, match="only functional and keras.Sequential models; Subclassed"):
        export.with_dtype_policy(model, "mixed_float16")
