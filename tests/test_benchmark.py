"""Acceptance: the bicubic baseline reproduces the published Set5 row under both protocol variants."""

import numpy as np
import pytest

from srkit import benchmark
from srkit.benchmark import cli as benchmark_cli
from srkit.benchmark import quality
from srkit.evaluate import bicubic_upscaler, evaluate
from srkit.published import published

PUBLISHED_BICUBIC = {2: (33.66, 0.9299), 3: (30.39, 0.8682), 4: (28.42, 0.8104)}


@pytest.fixture(scope="module")
def rows(set5_root):
    return benchmark.bicubic_table(set5_root, ["Set5"], [2, 3, 4], ["y", "rgb"])


def test_set5_bicubic_matches_the_published_row(rows):
    assert len(rows) == 6
    for r in rows:
        assert r["n"] == 5
        assert (
            (r["pub_psnr"], r["pub_ssim"]) == PUBLISHED_BICUBIC[r["scale"]] == published("bicubic", r["scale"], "Set5")
        )
        assert abs(r["psnr"] - r["pub_psnr"]) <= 0.03, r
        assert abs(r["ssim"] - r["pub_ssim"]) <= 0.002, r


def test_y_first_protocol_reproduces_the_row_to_the_last_digit(rows):
    for r in rows:
        if r["protocol"] == "y":
            assert round(r["psnr"], 2) == r["pub_psnr"] and round(r["ssim"], 4) == r["pub_ssim"], r


def test_command_line_prints_the_table(set5_root, capsys):
    assert (
        benchmark.main(["bicubic", "--data", str(set5_root), "--sets", "Set5", "--scales", "3", "--protocol", "y"]) == 0
    )
    out = capsys.readouterr().out
    assert "Set5" in out and "30.39" in out and "0.8682" in out


def test_missing_set_is_a_clear_error(tmp_path):
    with pytest.raises(SystemExit, match="^error: no folder"):  # the command: one line
        benchmark.main(["bicubic", "--data", str(tmp_path), "--sets", "Set5"])
    with pytest.raises(ValueError, match="no folder"):  # the library: an exception a caller can catch
        benchmark.bicubic_table(tmp_path, ["Set5"], [2], ["y"])


def test_evaluate_checks_the_upscaler_output(astronaut):
    with pytest.raises(ValueError, match="returned shape"):
        evaluate(lambda lr: lr, {"a": astronaut}, scale=2, crop_border=2)
    perfect = {"a": astronaut[:200, :200]}
    result = evaluate(bicubic_upscaler(2), perfect, scale=2, crop_border=2)
    assert 20 < result.mean_psnr < 40 and 0 < result.mean_ssim < 1 and "mean" in str(result)
    with pytest.raises(ValueError, match="protocol"):
        evaluate(bicubic_upscaler(2), perfect, scale=2, crop_border=2, protocol="RGB")


def test_training_speed_benchmark_runs():
    rows = benchmark.training_speed("espcn-x2", ["float32", "mixed_bfloat16"], steps=2)
    assert [r["precision"] for r in rows] == ["float32", "mixed_bfloat16"] and all(r["steps_per_s"] > 0 for r in rows)
    import tensorflow as tf

    assert rows[0]["xla"] and rows[1]["xla"] == bool(tf.config.list_physical_devices("GPU"))  # no XLA for bf16 on CPU
    with pytest.raises(ValueError, match="unknown precision"):
        benchmark.training_speed("espcn-x2", ["int8"], steps=1)


def test_pipeline_benchmark_runs():
    assert benchmark.pipeline_throughput(scale=2, patch_size=32, batch_size=4, batches=5) > 0


def test_rates_of_any_dataset_and_compiled_model():
    import keras
    import tensorflow as tf

    assert benchmark.batches_per_second(range(30), batches=10) > 0  # 20 warm-up batches, then 10 timed
    with pytest.raises(ValueError, match="positive whole number"):
        benchmark.batches_per_second(range(30), batches=0)
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse", steps_per_execution=4)
    batch = (tf.zeros((2, 4)), tf.zeros((2, 1)))
    assert benchmark.fit_steps_per_second(model, tf.data.Dataset.from_tensors(batch).repeat(), steps=5) > 0
    assert int(model.optimizer.iterations) == 4 + 8  # one warm-up call, then 5 steps rounded up to whole calls


def test_gray_images_are_scored_as_their_own_luma(camera):
    from srkit.data import as_rgb

    gray = {"camera": camera[:240, :240]}
    for protocol in ("rgb", "y"):
        result = evaluate(bicubic_upscaler(3), gray, scale=3, crop_border=3, protocol=protocol)
        fake_rgb = evaluate(
            bicubic_upscaler(3), {"camera": as_rgb(gray["camera"])}, scale=3, crop_border=3, protocol=protocol
        )
        assert fake_rgb.mean_psnr - result.mean_psnr == pytest.approx(20 * np.log10(255 / 219), abs=0.1)


def test_frame_speed_benchmark_runs():
    r = benchmark.frame_speed("espcn-x3", 96, 48, repeats=1, mixed_precision=True)
    assert (
        r["output"] == "96x48"
        and min(r["network_ms"], r["network_xla_ms"], r["network_tflite_ms"], r["upscale_ms"]) > 0
    )
    assert r["network_mixed_ms"] > 0 and 0 < r["mixed_max_error"] < 0.01 and r["device"] in ("CPU", "GPU")
    with pytest.raises(ValueError, match="multiple of the scale"):
        benchmark.frame_speed("espcn-x3", 100, 48, repeats=1)


def test_models_markdown_table(capsys):
    assert benchmark.main(["models", "--models", "espcn-x3", "--sets", "test", "--markdown"]) == 0
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if line.startswith("|")]
    assert lines[0].count("|") == lines[1].count("|") == lines[2].count("|") == 8  # header, rule, one row: 7 columns
    assert "`espcn-x3`" in lines[2] and "python -m srkit.train --preset espcn-x3" in lines[2]
    assert "32.55 (espcn-91)" in lines[2]  # the published Set5 figure, also when Set5 was not scored


def test_tile_memory_benchmark_runs():
    big = np.ones(400 * 2**20, np.uint8)  # a large caller: its peak must not leak into the probes' figures
    del big
    # each point is a fresh process that imports TensorFlow: two points (lesson 15 measures a grid of them)
    rows = benchmark.tile_memory("espcn-x3", [384], [48, None])
    assert rows[1]["extra_mib"] > 3, rows  # a 384 x 384 output all at once needs some memory
    assert [(r["size"], r["tile"]) for r in rows] == [(384, 48), (384, None)]
    assert all(r["extra_mib"] >= 0 and r["seconds"] > 0 for r in rows)
    assert rows[0]["buffers_mib"] == pytest.approx((128 * 128 * 3 + 384 * 384 * 3) / 2**20)
    assert all(r["working_mib"] == pytest.approx(r["extra_mib"] - r["buffers_mib"]) for r in rows)


def test_models_table_on_a_folder_of_images(tmp_path, astronaut, capsys):
    from PIL import Image

    folder = tmp_path / "mine"
    folder.mkdir()
    Image.fromarray(astronaut[:120, :150]).save(folder / "a.png")
    assert benchmark.main(["models", "--models", "espcn-x2", "--sets", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "espcn-x2" in out and str(folder) in out


def test_find_benchmarks_prefers_the_environment_variable(tmp_path, monkeypatch):
    from PIL import Image

    from srkit.benchmark import find_benchmarks

    (tmp_path / "Set5").mkdir()
    monkeypatch.setenv("SRKIT_BENCHMARKS", str(tmp_path))
    assert find_benchmarks("Set5") != tmp_path  # an empty Set5/ does not count
    Image.new("RGB", (8, 8)).save(tmp_path / "Set5" / "a.png")
    assert find_benchmarks("Set5") == tmp_path
    assert find_benchmarks("NoSuchSet") is None


def _row(model, scale, set_name, psnr, bicubic, published_as=None, ref=None):
    return dict(
        model=model,
        scale=scale,
        set=set_name,
        psnr=psnr,
        ssim=0.9,
        bicubic_psnr=bicubic,
        bicubic_ssim=0.85,
        published=ref,
        published_as=published_as,
        parameters=1000,
        ms_512=5.0,
    )


def test_models_frame_puts_gains_beside_the_published_figures():
    import pandas as pd

    rows = [
        _row("fsrcnn-x3", 3, "test", 27.9, 27.2, "fsrcnn"),
        _row("fsrcnn-x3", 3, "Set5", 31.7, 30.4, "fsrcnn", published("fsrcnn", 3, "Set5")),
        _row("espcn-x2", 2, "Set5", 35.2, 33.6, "espcn-91"),
    ]
    frame = benchmark.models_frame(rows)
    assert isinstance(frame, pd.DataFrame) and len(frame) == 3
    assert list(frame[["model", "set"]].itertuples(index=False, name=None)) == [
        ("espcn-x2", "Set5"),
        ("fsrcnn-x3", "Set5"),
        ("fsrcnn-x3", "test"),
    ]  # by scale, set, model
    set5 = frame.iloc[1]
    assert set5["gain_psnr"] == pytest.approx(31.7 - 30.4) and set5["gain_ssim"] == pytest.approx(0.05)
    assert (set5["published_psnr"], set5["published_ssim"]) == (33.18, 0.914)  # FSRCNN, RCAN Table 3
    assert set5["published_gain"] == pytest.approx(33.18 - 30.39)  # minus the published bicubic row
    assert set5["gap_psnr"] == pytest.approx(31.7 - 33.18)
    assert frame.iloc[0][["published_psnr", "published_gain", "gap_psnr"]].isna().all()  # no figure: NaN
    assert np.isnan(frame.iloc[2]["published_gain"])  # the bundled test split has no published row
    with pytest.raises(ValueError, match="missing"):
        benchmark.models_frame([{"model": "x"}])


def test_models_frame_of_a_real_table():
    frame = benchmark.models_frame(benchmark.models_table(["espcn-x3"], None, ["test"], repeats=1))
    row = frame.iloc[0]
    assert row["model"] == "espcn-x3" and row["parameters"] == 22_729 and row["ms_512"] > 0
    assert row["gain_psnr"] > 0.3 and row["published_as"] == "espcn-91" and np.isnan(row["published_psnr"])


def test_evaluation_to_frame_holds_the_per_image_numbers(astronaut, camera):
    images = {"astronaut": astronaut[:150, :150], "camera": camera[:120, :150]}
    result = evaluate(bicubic_upscaler(3), images, scale=3, crop_border=3)
    frame = result.to_frame()
    assert list(frame.index) == ["astronaut", "camera"] and frame.index.name == "image"
    assert list(frame.columns) == ["psnr", "ssim", "ms"]
    assert (
        frame.loc["camera", "psnr"] == result.psnr["camera"]
        and frame.loc["astronaut", "ssim"] == result.ssim["astronaut"]
    )
    assert frame["psnr"].mean() == pytest.approx(result.mean_psnr) and (frame["ms"] > 0).all()
    assert frame.loc["camera", "ms"] == pytest.approx(1000 * result.seconds["camera"])


def test_models_of_an_unknown_name_is_a_clear_error():
    with pytest.raises(SystemExit, match=r"no pretrained model 'espcn-x5'.*shipped: .*espcn-x3"):
        benchmark.main(["models", "--models", "espcn-x3", "espcn-x5", "--sets", "test"])


def test_models_table_with_the_self_ensemble(capsys, monkeypatch):
    from srkit import inference

    single = benchmark.models_table(["espcn-x3"], None, ["test"], repeats=1)[0]
    calls = []

    def spy(*args, **kwargs):
        calls.append(kwargs.get("self_ensemble", False))
        return upscale(*args, **kwargs)

    upscale = inference.upscale
    monkeypatch.setattr(inference, "upscale", spy)
    plus = benchmark.models_table(["espcn-x3"], None, ["test"], repeats=1, self_ensemble=True)[0]
    monkeypatch.undo()
    assert not single["self_ensemble"] and plus["self_ensemble"]
    assert plus["psnr"] > single["psnr"] + 0.01  # the 8 symmetries averaged: a small, real gain
    # scored and timed with the ensemble: 4 test images, a warm-up and one timed run
    assert calls == [True] * 6 and plus["ms_512"] > 0
    assert benchmark.models_frame([plus]).iloc[0]["self_ensemble"]
    assert benchmark.main(["models", "--models", "espcn-x3", "--sets", "test", "--self-ensemble"]) == 0
    assert "espcn-x3+ " in capsys.readouterr().out
    assert benchmark.main(["models", "--models", "espcn-x3", "--sets", "test", "--self-ensemble", "--markdown"]) == 0
    assert "| `espcn-x3` + self-ensemble |" in capsys.readouterr().out


def test_models_scales_with_named_models_is_a_clear_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        benchmark.main(["models", "--models", "espcn-x3", "--scales", "2", "--sets", "test"])
    assert exit_info.value.code == 2 and "--scales" in capsys.readouterr().err  # argparse's usage error


@pytest.mark.parametrize("steps", ["0", "-3"])
def test_training_needs_a_positive_number_of_steps(steps, capsys):
    with pytest.raises(SystemExit) as exit_info:
        benchmark.main(["training", "--preset", "espcn-x2", "--steps", steps])
    assert exit_info.value.code == 2 and "must be a positive whole number" in capsys.readouterr().err
    with pytest.raises(ValueError, match="positive whole number"):
        benchmark.training_speed("espcn-x2", ["float32"], steps=int(steps))


def test_markdown_commands_drop_only_the_run_folder(monkeypatch):
    from srkit import pretrained

    commands = [
        "python -m srkit.train --preset espcn-x3 --out data/runs/a --steps 500 --seed 0",
        "python -m srkit.train --preset espcn-x3 --init-from espcn-x3 --out=data/runs/b --min-std 0.04",
    ]
    monkeypatch.setattr(pretrained, "training_stages", lambda name: [dict(command=c, seconds=60.0) for c in commands])
    monkeypatch.setattr(pretrained, "info", lambda name: dict(architecture="espcn", scale=3))
    table = quality._markdown_models([_row("espcn-x3", 3, "test", 28.0, 27.0)], ["test"])
    assert (
        "`python -m srkit.train --preset espcn-x3 --steps 500 --seed 0`, then "
        "`python -m srkit.train --preset espcn-x3 --init-from espcn-x3 --min-std 0.04`"
    ) in table
    assert "--out" not in table and "2.0 min" in table


def test_markdown_commands_drop_a_shell_quoted_run_folder_whole():
    assert (
        quality._without_out("python -m srkit.train --preset espcn-x3 --out '/a b/c' --seed 0")
        == "python -m srkit.train --preset espcn-x3 --seed 0"
    )
    assert (
        quality._without_out("python -m srkit.train --out='/a b/c' --hr-scales 0.9 0.8 --note 'x y'")
        == "python -m srkit.train --hr-scales 0.9 0.8 --note 'x y'"
    )


def test_module_docstring_lists_every_subcommand(capsys):  # it is also the --help text
    for command in ("bicubic", "models", "speed", "memory", "pipeline", "training"):
        assert f"``{command}``" in benchmark_cli.__doc__ and command in benchmark.__doc__, command
    with pytest.raises(SystemExit):
        benchmark.main(["--help"])
    assert "``memory``    peak memory" in capsys.readouterr().out


def test_published_names_are_case_insensitive_and_unknown_names_are_errors():
    vdsr = (37.53, 0.9587)  # Kim et al., CVPR 2016, Table 3: Set5 x2
    assert published("vdsr", 2, "Set5") == published("VDSR", 2, "Set5") == published("vdsr", 2, "set5") == vdsr
    assert (
        published("EDSR", 4, "bsd100") == published("edsr", 4, "b100") == published("edsr", 4, "B100") == (27.71, 0.742)
    )
    assert published("bicubic", 3, "set5_edsr") == published("bicubic", 3, "Set5")
    # known names without a figure stay None (srkit.benchmark relies on it)
    assert published("espcn", 2, "Set5") is None and published("vdsr", 8, "Set5") is None
    assert published("", 3, "Set5") is None and published("fsrcnn", 3, "test") is None
    for method, set_name, choices in [
        ("vdsr-plus", "Set5", "known methods: bicubic"),
        ("vdsr", "Set15", "known sets: Set5"),
    ]:
        with pytest.raises(ValueError, match=choices):
            published(method, 2, set_name)
    # a learner's own set (benchmark --data D --sets Manga109) has no figure, but a misspelt method is still an error
    assert published("vdsr", 2, "Manga109", strict=False) is None
    with pytest.raises(ValueError, match="known methods"):
        published("vdsr-plus", 2, "Manga109", strict=False)
