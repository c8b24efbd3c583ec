from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from srkit import cli


@pytest.fixture
def photos(tmp_path, astronaut):
    folder = tmp_path / "in"
    folder.mkdir()
    Image.fromarray(astronaut[:40, :50]).save(folder / "a.png")
    Image.fromarray(astronaut[50:80, :40]).save(folder / "b.jpg", quality=95)
    return folder


def run(capsys, *argv):
    code = cli.main(list(argv))
    return code, capsys.readouterr()


def test_one_file_and_a_folder(photos, tmp_path, capsys):
    code, _ = run(
        capsys, "upscale", str(photos / "a.png"), "-o", str(tmp_path / "a_big.png"), "--model", "espcn", "--quiet"
    )
    assert code == 0
    with Image.open(tmp_path / "a_big.png") as im:
        assert im.size == (150, 120) and im.mode == "RGB"
    code, _ = run(capsys, "upscale", str(photos), "-o", str(tmp_path / "out"), "--model", "espcn-x2", "--quiet")
    assert code == 0 and sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a_x2.png", "b_x2.jpg"]
    with Image.open(tmp_path / "out" / "b_x2.jpg") as im:
        assert im.format == "JPEG" and im.size == (80, 60)


def test_never_overwrites(photos, tmp_path, capsys):
    before = (photos / "a.png").read_bytes()
    code, out = run(
        capsys, "upscale", str(photos / "a.png"), "-o", str(photos / "a.png"), "--model", "espcn", "--quiet"
    )
    assert code == 1 and "never overwrites its inputs" in out.err and (photos / "a.png").read_bytes() == before
    (tmp_path / "x.png").write_bytes(b"keep")
    code, out = run(
        capsys, "upscale", str(photos / "a.png"), "-o", str(tmp_path / "x.png"), "--model", "espcn", "--quiet"
    )
    assert code == 1 and "--overwrite" in out.err and (tmp_path / "x.png").read_bytes() == b"keep"
    code, _ = run(
        capsys,
        "upscale",
        str(photos / "a.png"),
        "-o",
        str(tmp_path / "x.png"),
        "--model",
        "espcn",
        "--quiet",
        "--overwrite",
    )
    assert code == 0 and Image.open(tmp_path / "x.png").size == (150, 120)


def test_a_bad_file_is_named_and_the_others_are_done(photos, tmp_path, capsys):
    (photos / "broken.png").write_bytes((photos / "a.png").read_bytes()[:200])
    (photos / "notes.txt").write_text("not an image")  # ignored: not an image suffix
    code, out = run(capsys, "upscale", str(photos), "-o", str(tmp_path / "out"), "--model", "espcn", "--quiet")
    assert code == 1 and "broken.png" in out.err and out.err.count("error:") == 1
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a_x3.png", "b_x3.jpg"]  # nothing half-written


def test_bit_depth_and_alpha_are_kept(tmp_path, capsys):
    ramp = (np.linspace(0, 65535, 30 * 40).reshape(30, 40)).astype(np.uint16)
    Image.fromarray(ramp).save(tmp_path / "deep.png")
    rgba = np.zeros((20, 20, 4), np.uint8)
    rgba[..., 0], rgba[..., 3] = 200, np.linspace(0, 255, 20).astype(np.uint8)[None, :]
    Image.fromarray(rgba, "RGBA").save(tmp_path / "alpha.png")
    code, _ = run(
        capsys,
        "upscale",
        str(tmp_path / "deep.png"),
        str(tmp_path / "alpha.png"),
        "-o",
        str(tmp_path / "out"),
        "--model",
        "espcn",
        "--quiet",
    )
    assert code == 0
    with Image.open(tmp_path / "out" / "deep_x3.png") as im:
        deep = np.asarray(im)
    assert im.mode in ("I;16", "I") and deep.shape == (90, 120) and deep.max() > 60000  # still 16-bit
    with Image.open(tmp_path / "out" / "alpha_x3.png") as im:
        assert im.mode == "RGBA" and im.size == (60, 60)
    code, out = run(
        capsys, "upscale", str(tmp_path / "alpha.png"), "-o", str(tmp_path / "alpha.jpg"), "--model", "espcn", "--quiet"
    )
    assert code == 1 and "no alpha channel" in out.err and not (tmp_path / "alpha.jpg").exists()


def test_usage_errors(photos, tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    for argv, message in [
        (["upscale", str(empty), "-o", str(tmp_path / "o")], "no images in this folder"),
        (["upscale", str(tmp_path / "nope.png"), "-o", str(tmp_path / "o")], "no such file"),
        (["upscale", str(photos), "-o", str(tmp_path / "o"), "--model", "espcn-x2", "--scale", "4"], "upscales by 2"),
        (["upscale", str(photos), "-o", str(tmp_path / "o"), "--model", "vdsr"], "no shipped model"),
    ]:
        code, out = run(capsys, *argv, "--quiet")
        assert code == 1 and message in out.err, out.err
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["upscale", "--help"])
    assert exit_info.value.code == 0 and "never overwritten" in capsys.readouterr().out
    assert cli.main([]) == 2
    assert cli.main(["download", "--list"]) == 0 and "div2k" in capsys.readouterr().out.lower()


def test_two_inputs_with_one_output_name_are_refused_before_writing(photos, tmp_path, capsys):
    other = tmp_path / "other"
    other.mkdir()
    (other / "a.png").write_bytes((photos / "a.png").read_bytes())
    code, out = run(
        capsys, "upscale", str(photos), str(other), "-o", str(tmp_path / "out"), "--model", "espcn", "--quiet"
    )
    assert code == 1 and "would be written here" in out.err
    assert str(photos / "a.png") in out.err and str(other / "a.png") in out.err
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())  # nothing written
    (photos / "a.PNG").write_bytes((photos / "a.png").read_bytes())  # one folder, suffixes differing in case
    code, out = run(capsys, "upscale", str(photos), "-o", str(tmp_path / "out"), "--model", "espcn", "--quiet")
    assert code == 1 and "a.PNG" in out.err and "would be written here" in out.err
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_an_input_named_twice_is_upscaled_once(photos, tmp_path, capsys):
    a = photos / "a.png"
    code, out = run(capsys, "upscale", str(a), str(a), "-o", str(tmp_path / "one.png"), "--model", "espcn", "--quiet")
    assert code == 0, out.err
    assert (tmp_path / "one.png").exists()
    code, out = run(
        capsys,
        "upscale",
        str(photos),
        str(photos / "." / "a.png"),
        "-o",
        str(tmp_path / "out"),
        "--model",
        "espcn",
        "--quiet",
    )
    assert code == 0, out.err
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a_x3.png", "b_x3.jpg"]


def test_output_folders_are_made_or_refused_clearly(photos, tmp_path, capsys):
    code, _ = run(
        capsys,
        "upscale",
        str(photos / "a.png"),
        "-o",
        str(tmp_path / "new" / "deeper" / "x.png"),
        "--model",
        "espcn",
        "--quiet",
    )
    assert code == 0 and (tmp_path / "new" / "deeper" / "x.png").is_file()  # missing folders are created
    (tmp_path / "taken").write_bytes(b"keep")
    for output in (tmp_path / "taken", tmp_path / "taken" / "x.png"):  # a file where a folder is needed
        code, out = run(capsys, "upscale", str(photos), "-o", str(output), "--model", "espcn", "--quiet")
        assert code == 1 and "is a file, but a folder is needed" in out.err and "Traceback" not in out.err
    assert (tmp_path / "taken").read_bytes() == b"keep"


def test_a_failed_write_is_named_and_leaves_no_part_file(photos, tmp_path, capsys, monkeypatch):
    import errno

    real_save = Image.Image.save

    def save(self, fp, *args, **kwargs):
        if "a_x3" in str(fp):  # half the file, then the disk is full
            Path(fp).write_bytes(b"half")
            raise OSError(errno.ENOSPC, "No space left on device", str(fp))
        return real_save(self, fp, *args, **kwargs)

    monkeypatch.setattr(Image.Image, "save", save)
    code, out = run(capsys, "upscale", str(photos), "-o", str(tmp_path / "out"), "--model", "espcn", "--quiet")
    assert code == 1 and out.err.count("error:") == 1
    assert "a.png" in out.err and "a_x3.png: could not be written (No space left on device)" in out.err
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["b_x3.jpg"]  # no .part, the other one done
