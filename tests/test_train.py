import json
import shutil

import keras
import numpy as np
import pytest
from PIL import Image

from srkit import train
from srkit.training import callbacks, strategies


class _KillAfter(keras.callbacks.Callback):
    """Interrupts training at the end of epoch ``epoch`` (0-based), as a kill would."""

    def __init__(self, epoch: int):
        super().__init__()
        self.kill_epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        if epoch == self.kill_epoch:
            raise KeyboardInterrupt("simulated kill")


@pytest.fixture(scope="module")
def espcn_x2_run(tmp_path_factory):
    """One uninterrupted 4-step run, shared by the tests that read it (each train() call costs seconds)."""
    out = tmp_path_factory.mktemp("espcn-x2")
    _, record = train.train("espcn-x2", steps=4, out=out, verbose=0)
    return out, record


@pytest.fixture(scope="module")
def espcn_x2_killed(tmp_path_factory):
    """The same run killed after its second epoch: a folder with a backup to resume from. Tests copy it
    (:func:`_copy_run`) before resuming, so that each starts from this state."""
    out = tmp_path_factory.mktemp("espcn-x2-killed")
    with pytest.raises(KeyboardInterrupt):
        train.train("espcn-x2", steps=4, out=out, verbose=0, extra_callbacks=[_KillAfter(1)])
    return out


@pytest.fixture(scope="module")
def espcn_x2_resumed(tmp_path_factory, espcn_x2_killed):
    """The killed run resumed (in a copy of its folder), shared by the tests that read it."""
    out = _copy_run(espcn_x2_killed, tmp_path_factory.mktemp("espcn-x2-resumed"))
    _, record = train.train("espcn-x2", steps=4, out=out, verbose=0)
    return out, record


def _copy_run(run_dir, to):
    """A copy of a run folder (its backup and epoch log included: Keras' backup names its files relative to it)."""
    shutil.copytree(run_dir, to, dirs_exist_ok=True)
    return to


def test_a_short_run_writes_weights_and_a_record(espcn_x2_run):
    tmp_path, record = espcn_x2_run
    assert record["steps"] == 4
    assert (tmp_path / "best.keras").is_file() and (tmp_path / "logs").is_dir()
    saved = json.loads((tmp_path / "record.json").read_text())
    assert saved["steps"] == 4 and saved["parameters"] == 21_284 and saved["model"] == "espcn"
    assert len(saved["history"]["val_psnr"]) == 4 and saved["best_val_psnr"] == max(saved["history"]["val_psnr"])
    assert 10 < saved["best_val_psnr"] < 40  # protocol PSNR on full validation images, in dB
    assert saved["validation_images"] == ["coffee", "grace_hopper"] and "chelsea" not in saved["train_images"]
    assert "--preset espcn-x2" in saved["command"]
    assert not (tmp_path / "backup").exists()  # removed once training finished


def test_a_killed_run_resumes(tmp_path, espcn_x2_killed, espcn_x2_resumed):
    assert (espcn_x2_killed / "backup").is_dir()
    earlier = json.loads((espcn_x2_killed / train.EPOCH_LOG).read_text())
    assert sorted(earlier) == ["0", "1"] and all(e["seconds"] > 0 and "val_psnr" in e for e in earlier.values())
    resumed_dir, record = espcn_x2_resumed
    # epochs 1 and 2 were restored, 3 and 4 trained now; the record covers all four and both attempts' time
    assert record["resumed_after_epochs"] == 2 and len(record["history"]["val_psnr"]) == 4
    assert record["history"]["val_psnr"][:2] == [earlier["0"]["val_psnr"], earlier["1"]["val_psnr"]]
    assert record["seconds"] > earlier["0"]["seconds"] + earlier["1"]["seconds"]
    assert record["best_val_psnr"] == max(record["history"]["val_psnr"])
    assert not (resumed_dir / "backup").exists()
    # the next run in the folder starts afresh
    _copy_run(resumed_dir, tmp_path)
    _, again = train.train("espcn-x2", steps=2, out=tmp_path, verbose=0)
    assert again["resumed_after_epochs"] is None and len(again["history"]["val_psnr"]) == 2


def test_a_resumed_run_ends_where_an_uninterrupted_one_does(espcn_x2_run, espcn_x2_resumed):
    # the resumed attempt continues the seeded stream of patches instead of replaying the first epochs'
    _, whole = espcn_x2_run
    _, resumed = espcn_x2_resumed
    assert resumed["resumed_after_epochs"] == 2
    assert resumed["history"]["val_psnr"] == pytest.approx(whole["history"]["val_psnr"], abs=1e-4)


def test_a_resumed_run_keeps_a_better_earlier_checkpoint(tmp_path, espcn_x2_killed):
    _copy_run(espcn_x2_killed, tmp_path)
    log = tmp_path / train.EPOCH_LOG
    epochs = json.loads(log.read_text())
    epochs["0"]["val_psnr"] = 99.0  # pretend the first epoch was excellent: nothing later may replace it
    log.write_text(json.dumps(epochs))
    saved = (tmp_path / "best.keras").read_bytes()
    _, record = train.train("espcn-x2", steps=4, out=tmp_path, verbose=0)
    assert (tmp_path / "best.keras").read_bytes() == saved and record["best_val_psnr"] == 99.0


def test_own_folder_of_images(tmp_path):
    rng = np.random.default_rng(0)
    folder = tmp_path / "mine"
    folder.mkdir()
    for i in range(2):
        Image.fromarray(rng.integers(0, 256, (60, 80, 3), dtype=np.uint8)).save(folder / f"{i}.png")
    # the options are recorded, and repeated in the command (each train() call costs seconds: one run checks
    # the folder, flat-patch skipping (--min-std), another peak learning rate (--learning-rate) and another
    # degradation for the training LR (--degradation, lessons 11 and 14) together)
    seen = []  # the rate the optimizer really starts from, not only what the record says

    class FirstRate(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            seen.append(float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate)))

    _, record = train.train(
        "espcn-x3",
        steps=2,
        data_source=str(folder),
        out=tmp_path / "run",
        verbose=0,
        min_std=0.04,
        learning_rate=2e-4,
        degradation="real",
        extra_callbacks=[FirstRate()],
    )
    assert record["train_images"] == ["0.png", "1.png"] and record["data"] == str(folder)
    assert f"--data {folder}" in record["command"]  # the fallback command repeats the data, to be re-runnable
    assert record["min_std"] == 0.04 and "--min-std 0.04" in record["command"]
    assert seen == [pytest.approx(2e-4)]
    assert record["learning_rate"] == 2e-4 and "--learning-rate 0.0002" in record["command"]
    # the degradation is recorded, with 4 noise realisations
    assert record["degradation"] == "real" and record["copies"] == 4 and "--degradation real" in record["command"]
    # shrunk copies of the training images (--hr-scales): 60 x 80 * 0.8 keeps a 48-pixel patch, * 0.5 does not
    _, record = train.train(
        "espcn-x3", steps=2, data_source=str(folder), out=tmp_path / "scales", verbose=0, hr_scales=[0.8, 0.5]
    )
    assert record["train_images"] == ["0.png", "0.png@0.8", "1.png", "1.png@0.8"]
    assert record["hr_scales"] == [0.8, 0.5] and "--hr-scales 0.8 0.5" in record["command"]
    # every phase of the LR grid (--hr-shifts): the images shifted by 0..2 pixels at x3
    _, record = train.train(
        "espcn-x3", steps=2, data_source=str(folder), out=tmp_path / "shifts", verbose=0, hr_shifts=True
    )
    assert len(record["train_images"]) == 2 * 9 and "1.png+2,1" in record["train_images"]
    assert record["hr_shifts"] is True and record["command"].endswith(" --hr-shifts")
    # with both, a shift can take a copy below one patch: 48 x 64 (0.8) shifted down keeps 45 rows at x3
    _, record = train.train(
        "espcn-x3", steps=2, data_source=str(folder), out=tmp_path / "both", verbose=0, hr_scales=[0.8], hr_shifts=True
    )
    assert "0.png@0.8+0,2" in record["train_images"] and "0.png@0.8+1,0" not in record["train_images"]
    assert len(record["train_images"]) == 2 * 9 + 2 * 3  # each copy keeps its 3 shifts along the rows only


def test_a_run_trains_exactly_the_steps_it_records(tmp_path):
    # Keras runs whole calls of steps_per_execution: an epoch of 700 steps at 32 per call would run 704
    assert train.split_steps(20_000) == (10, 2_000, 25) and train.split_steps(7_000) == (10, 700, 28)
    assert train.split_steps(25) == (5, 5, 5) and train.split_steps(13) == (1, 13, 13)
    for bad in (0, -3, 2.5, True):
        with pytest.raises(ValueError, match="positive whole number"):
            train.split_steps(bad)
    seen = []

    class Iterations(keras.callbacks.Callback):
        def on_train_end(self, logs=None):
            seen.append(int(keras.ops.convert_to_numpy(self.model.optimizer.iterations)))

    with pytest.warns(UserWarning, match="5 epoch.s. of 5 steps"):  # exact, but say that 30 would split better
        _, record = train.train("espcn-x2", steps=25, out=tmp_path / "a b", verbose=0, extra_callbacks=[Iterations()])
    assert seen == [25] and record["steps"] == 25 and len(record["history"]["val_psnr"]) == 5
    assert "--steps 25" in record["command"] and f"--out '{tmp_path / 'a b'}'" in record["command"]
    with pytest.raises(ValueError, match="positive whole number"):  # 0 is not "the budget's steps"
        train.train("espcn-x2", steps=0, out=tmp_path / "zero", verbose=0)
    with pytest.raises(SystemExit):
        train.main(["--preset", "espcn-x2", "--steps", "0"])


def test_a_diverged_run_stops_and_keeps_its_best_checkpoint(tmp_path):
    class Diverge(keras.callbacks.Callback):  # what a too-high learning rate does: NaN weights after epoch 2
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                self.model.set_weights([np.full_like(w, np.nan) for w in self.model.get_weights()])

    best, record = train.train("espcn-x2", steps=4, out=tmp_path, verbose=0, extra_callbacks=[Diverge()])
    psnr = record["history"]["val_psnr"]
    assert len(psnr) == 3 and np.isnan(psnr[2]), "stopped after the first NaN validation, not after 4 epochs"
    assert record["best_val_psnr"] == max(psnr[:2])
    assert all(np.isfinite(w).all() for w in best.get_weights())


def test_the_custom_training_loop_scales_the_loss_in_float16():
    """``fit_multi_worker`` (the loop MultiWorkerMirroredStrategy trains with; here under the default strategy):
    with mixed_float16 Keras divides the gradients by the loss scale (2**15 at first), so the loop must multiply
    the loss by it first. One Adam step then moves the weights as much as in float32 (about the learning rate)."""
    import tensorflow as tf

    rng = np.random.default_rng(0)
    batch = (rng.random((4, 8, 8, 1), dtype=np.float32), rng.random((4, 16, 16, 1), dtype=np.float32))
    moved = {}
    for precision in ("float32", "mixed_float16"):
        keras.utils.set_random_seed(0)
        model = train.build_model(train.preset("espcn-x2"), precision)
        model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mse")
        before = [keras.ops.convert_to_numpy(w) for w in model.trainable_weights]
        strategies.fit_multi_worker(
            model,
            tf.data.Dataset.from_tensors(batch).repeat(),
            tf.distribute.get_strategy(),
            epochs=1,
            steps_per_epoch=1,
            callbacks=[],
            verbose=0,
        )
        moved[precision] = np.concatenate(
            [np.ravel(keras.ops.convert_to_numpy(w) - b) for w, b in zip(model.trainable_weights, before)]
        )
    assert np.median(np.abs(moved["float32"])) == pytest.approx(1e-3, rel=0.1)
    assert np.median(np.abs(moved["mixed_float16"])) == pytest.approx(1e-3, rel=0.1)
    assert np.mean(np.sign(moved["mixed_float16"]) == np.sign(moved["float32"])) > 0.9


def test_lr_patch_sets_the_training_patches(tmp_path, monkeypatch):
    # --lr-patch: the LR patches the network trains on (HR = lr_patch * scale), not only what the record says
    shapes = []
    real = train.data.patch_dataset

    def spy(*args, **kwargs):
        ds = real(*args, **kwargs)
        shapes.append((tuple(ds.element_spec[0].shape), tuple(ds.element_spec[1].shape)))
        return ds

    monkeypatch.setattr(train.data, "patch_dataset", spy)
    _, record = train.train("espcn-x3", steps=2, out=tmp_path, verbose=0, lr_patch=20)
    assert shapes == [((16, 20, 20, 1), (16, 60, 60, 1))]
    assert record["lr_patch"] == 20 and "--lr-patch 20" in record["command"]
    for bad in (3, 2.5, True, 1000):
        with pytest.raises(ValueError, match="lr_patch must be a whole number"):
            train.train("espcn-x3", steps=1, out=tmp_path, lr_patch=bad)
    with pytest.raises(SystemExit):
        train.main(["--preset", "espcn-x3", "--lr-patch", "0"])
    # a patch larger than a training image: a clear error, not a TensorFlow traceback
    with pytest.raises(ValueError, match="smaller than"):
        train.train("espcn-x3", steps=1, out=tmp_path / "big", lr_patch=400)


def test_bad_presets_and_sources(tmp_path):
    with pytest.raises(ValueError, match="choose one of"):
        train.preset("espcn-x5")
    with pytest.raises(ValueError, match="neither a folder nor a downloaded data set"):
        train.train("espcn-x2", steps=1, data_source="nowhere", out=tmp_path)
    with pytest.raises(ValueError, match="unknown degradation"):
        train.train("espcn-x2", steps=1, out=tmp_path, degradation="sinc")
    with pytest.raises(SystemExit):
        train.main(["--preset", "nope"])
    with pytest.raises(ValueError, match="min_std must be in"):
        train.train("espcn-x2", steps=1, out=tmp_path, min_std=0.6)
    with pytest.raises(SystemExit):
        train.main(["--preset", "espcn-x2", "--min-std", "-0.1"])
    with pytest.raises(ValueError, match="hr_scales must be factors between 0 and 1"):
        train.train("espcn-x2", steps=1, out=tmp_path, hr_scales=[0.5, 2])
    with pytest.raises(SystemExit):
        train.main(["--preset", "espcn-x2", "--hr-scales", "1"])
    for bad in (0, -1e-3, 1.5, float("nan")):
        with pytest.raises(ValueError, match="learning_rate must be between 0 and 1"):
            train.train("espcn-x2", steps=1, out=tmp_path, learning_rate=bad)
    with pytest.raises(SystemExit):
        train.main(["--preset", "espcn-x2", "--learning-rate", "0"])


def test_mixed_precision_trains_in_bfloat16_and_ships_float32(tmp_path):
    # --precision mixed_bfloat16: the layers compute in bfloat16 (2-3x faster on CPUs with AMX); validation and
    # best.keras use a float32 copy of the weights, so the saved model is the one that was scored, run as scored
    from srkit import data
    from srkit.evaluate import evaluate

    seen = []

    class ComputeDtype(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            seen.append(self.model.get_layer("head").compute_dtype)

    # small training patches (8 LR pixels, not the preset's 24): bfloat16 convolutions are slow on CPUs without
    # AMX, and what is checked here does not depend on the patches' size
    model, record = train.train(
        "edsr-small-x2",
        steps=2,
        out=tmp_path,
        verbose=0,
        precision="mixed_bfloat16",
        lr_patch=8,
        extra_callbacks=[ComputeDtype()],
    )
    assert seen and set(seen) == {"bfloat16"}
    assert {layer.compute_dtype for layer in model.layers} == {"float32"}
    assert record["precision"] == "mixed_bfloat16" and "--precision mixed_bfloat16" in record["command"]
    assert keras.config.dtype_policy().name == "float32"  # the global policy is restored
    rescored = evaluate(
        callbacks._Upscaler(model, 2), data.bundled("validation"), scale=2, crop_border=2, protocol="rgb", seed=1000
    )
    assert rescored.mean_psnr == pytest.approx(record["best_val_psnr"], abs=1e-9)
    with pytest.raises(ValueError, match="unknown precision"):
        train.train("espcn-x2", steps=1, out=tmp_path, precision="float64")
    with pytest.raises(SystemExit):
        train.main(["--preset", "espcn-x2", "--precision", "half"])
    assert train.use_xla("float32") and not train.use_xla("float32", replicas=2)


def test_fine_tuning_starts_from_a_pretrained_model(tmp_path):
    from srkit import models, pretrained

    keras.utils.set_random_seed(0)
    x2, x4 = models.build("edsr-small", scale=2), models.build("edsr-small", scale=4)
    copied = pretrained.transfer(x2, x4)
    assert "head" in copied and "block8_conv2" in copied and "up1_conv" in copied and "tail" in copied
    assert "up2_conv" not in copied  # x4 has a second upsampling stage that x2 lacks
    x2.save(tmp_path / "x2.keras")  # a .keras file works as the source too
    assert pretrained.transfer(tmp_path / "x2.keras", models.build("edsr-small", scale=4)) == copied
    np.testing.assert_array_equal(
        x4.get_layer("block3_conv1").get_weights()[0], x2.get_layer("block3_conv1").get_weights()[0]
    )

    models.build("fsrcnn", scale=3)  # an earlier build in the same process must not change the names
    fsrcnn, shipped = models.build("fsrcnn", scale=3), pretrained.load("fsrcnn-x3")
    assert len(pretrained.transfer("fsrcnn-x3", fsrcnn)) == sum(bool(layer.weights) for layer in shipped.layers) == 15
    x = np.random.default_rng(0).random((1, 20, 24, 1), dtype=np.float32)
    np.testing.assert_array_equal(fsrcnn.predict(x, verbose=0), shipped.predict(x, verbose=0))

    _, record = train.train("espcn-x3", steps=2, out=tmp_path / "ft", verbose=0, init_from="espcn-x3")
    assert record["init_from"] == "espcn-x3" and record["transferred_layers"] == 3
    assert "--init-from espcn-x3" in record["command"]
    with pytest.raises(ValueError, match="nothing to fine-tune from"):
        train.train("espcn-x3", steps=1, out=tmp_path / "bad", verbose=0, init_from="srcnn-x3")


def test_validation_scores_the_training_degradation(astronaut):
    from srkit.evaluate import bicubic_upscaler, evaluate

    images = {"a": astronaut[:120, :150], "b": astronaut[200:290, 100:220]}
    clean = evaluate(bicubic_upscaler(3), images, scale=3, crop_border=3)
    real = evaluate(bicubic_upscaler(3), images, scale=3, crop_border=3, degradation="real", seed=7)
    again = evaluate(bicubic_upscaler(3), images, scale=3, crop_border=3, degradation="real", seed=7)
    assert real.psnr == again.psnr and real.mean_psnr < clean.mean_psnr - 0.5
    with pytest.raises(ValueError, match="only defined for protocol='rgb'"):
        evaluate(bicubic_upscaler(3), images, scale=3, crop_border=3, degradation="real", protocol="y")
    with pytest.raises(ValueError, match="unknown degradation"):
        evaluate(bicubic_upscaler(3), images, scale=3, crop_border=3, degradation="sinc")


def test_the_command_line_and_the_recorded_command_come_from_the_run_config():
    import argparse
    import dataclasses
    import shlex

    from srkit.training import RunConfig

    parser = argparse.ArgumentParser()
    RunConfig.add_arguments(parser)
    flags = {a.dest for a in parser._actions if a.option_strings and a.dest != "help"}
    on_command_line = {f.name for f in dataclasses.fields(RunConfig) if f.metadata["command_line"]}
    assert flags == on_command_line and "hr_shifts" in flags and "copies" not in flags
    config = RunConfig(
        preset="espcn-x3", budget="cpu", steps=300, seed=2, data="/my images", out="/runs/a b", init_from="espcn-x3",
        degradation="real", min_std=0.04, hr_scales=(0.9, 0.5), hr_shifts=True, learning_rate=2e-4, lr_patch=20,
        precision="mixed_bfloat16",
    ).validated()  # fmt: skip
    command = config.command()
    assert command.startswith("python -m srkit.train --preset espcn-x3 --budget cpu --steps 300 --seed 2 ")
    # the recorded command, parsed again, is the same run
    assert RunConfig.from_arguments(parser.parse_args(shlex.split(command)[3:])) == config
    minimal = RunConfig(preset="espcn-x3", budget="quick").validated()
    assert minimal.command() == "python -m srkit.train --preset espcn-x3 --budget quick --seed 0"
    for bad, message in [
        (dict(steps=0), "steps must be a positive whole number"),
        (dict(learning_rate=1.5), "learning_rate must be between 0 and 1"),
        (dict(strategy="default", logical_cpus=2), "only applies to the 'mirrored' strategy"),
        (dict(preset="espcn-x5"), "unknown preset"),
    ]:
        with pytest.raises(ValueError, match=message):
            dataclasses.replace(minimal, **bad).validated()


def test_fit_trains_briefly_and_reports_validation_per_epoch():
    from srkit import data, models
    from srkit.training import fit

    pairs = data.make_pairs(list(data.bundled("train").values())[:3], 3)  # the first 3 pairs (LR made for these only)
    val = {"coffee": data.bundled("validation")["coffee"][:150, :150]}
    histories = []
    for _ in range(2):  # the same seed, the same start: the same run
        keras.utils.set_random_seed(0)
        net = models.build("espcn", scale=3)
        histories.append(fit(net, pairs, steps=6, epochs=2, validation=val, learning_rate=1e-3))
    first, again = histories
    assert len(first["loss"]) == 2 and len(first["val_psnr"]) == 2 and first["seconds"] > 0
    assert first["loss"] == pytest.approx(again["loss"], rel=1e-5) and first["val_psnr"] == pytest.approx(
        again["val_psnr"]
    )
    assert int(keras.ops.convert_to_numpy(net.optimizer.iterations)) == 6
    keras.utils.set_random_seed(0)  # a model on bicubic-upsampled input gets such patches
    srcnn = models.build("srcnn-915", scale=3)
    assert len(fit(srcnn, pairs, steps=2, lr_patch=11)["loss"]) == 1
    with pytest.raises(ValueError, match="steps must be a positive whole number"):
        fit(net, pairs, steps=0)


def test_importing_the_training_api_does_not_start_tensorflow():
    import subprocess
    import sys

    code = "import sys, srkit.train, srkit.training; print('tensorflow' in sys.modules, 'keras' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]  # `python -m srkit.train --help` answers at once
