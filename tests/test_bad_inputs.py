"""Bad and unusual inputs (issue: model and data security): each gives a correct result or one clear
error naming the problem, never a deep TensorFlow traceback, and never a half-written output file."""

import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from srkit import cli, data, upscale

MODELS = ["edsr-small-x3", "edsr-medium-x3", "espcn-x3", "srcnn-x3", "fsrcnn-x3"]


def _png_claiming(path, width, height):
    """A valid 1x1 PNG whose header claims width x height pixels (a decompression bomb's header)."""
    Image.fromarray(np.zeros((1, 1), np.uint8)).save(path)
    raw = bytearray(path.read_bytes())
    ihdr = raw.index(b"IHDR")
    raw[ihdr + 4 : ihdr + 12] = struct.pack(">II", width, height)
    raw[ihdr + 17 : ihdr + 21] = struct.pack(">I", zlib.crc32(bytes(raw[ihdr : ihdr + 17])))
    path.write_bytes(bytes(raw))
    return path


@pytest.mark.parametrize("name", MODELS)
@pytest.mark.parametrize("shape", [(1, 1), (1, 1, 3), (2, 7, 3), (1, 40), (5, 5, 4)])
def test_images_smaller_than_the_receptive_field(name, shape):
    out = upscale(np.full(shape, 128, np.uint8), model=name)
    assert out.shape == (shape[0] * 3, shape[1] * 3, *shape[2:]) and out.dtype == np.uint8
    assert np.abs(out.astype(int) - 128).max() <= 2, "a flat image must stay flat, however small"


def test_layouts_keep_their_kind(astronaut):
    rgba = np.dstack([astronaut[:30, :30], np.full((30, 30), 77, np.uint8)])
    out = upscale(rgba, model="espcn-x3")
    assert out.shape == (90, 90, 4) and (out[..., 3] == 77).all()
    gray = astronaut[:30, :30, 0]
    assert upscale(gray, model="espcn-x3").shape == (90, 90)
    assert upscale(gray[..., None], model="espcn-x3").shape == (90, 90, 1)
    f = upscale(gray / 255.0, model="espcn-x3")
    assert f.dtype == np.float64 and 0 <= f.min() and f.max() <= 1


@pytest.mark.parametrize(
    "bad, error, message",
    [
        (np.array([[np.nan, 0.5]]), ValueError, "NaN or infinite"),
        (np.array([[np.inf, 0.5]], np.float32), ValueError, "NaN or infinite"),
        (np.zeros((0, 5)), ValueError, "empty"),
        (np.zeros((4, 4), np.int32), TypeError, "uint8 .* or float"),
        (np.zeros((4, 4, 2), np.uint8), ValueError, "H x W"),
        (np.zeros((2, 3, 3, 3), np.uint8), ValueError, "H x W"),
    ],
)
def test_bad_arrays(bad, error, message):
    with pytest.raises(error, match=message):
        upscale(bad, model="espcn-x3")


def test_wrong_scale_and_unknown_model():
    with pytest.raises(ValueError, match="upscales by 3, not by the scale=2"):
        upscale(np.zeros((8, 8), np.uint8), model="espcn-x3", scale=2)
    with pytest.raises(ValueError, match="no pretrained model 'nope-x3'"):
        upscale(np.zeros((8, 8), np.uint8), model="nope-x3")


def test_files(tmp_path, astronaut, monkeypatch):
    palette = Image.fromarray(astronaut[:20, :20]).convert("P")
    palette.save(tmp_path / "palette.png")
    assert data.load_image(tmp_path / "palette.png").shape == (20, 20, 3)
    Image.fromarray((np.arange(400).reshape(20, 20) * 160).astype(np.uint16)).save(tmp_path / "deep.png")
    deep = data.load_image(tmp_path / "deep.png", as_rgb=False)
    assert deep.dtype == np.uint8 and deep.shape == (20, 20) and deep.max() > 200
    cases = {
        "bomb.png": (lambda p: _png_claiming(p, 100_000, 100_000), "exceeds (the )?limit"),
        "truncated.png": (lambda p: p.write_bytes((tmp_path / "palette.png").read_bytes()[:60]), "cannot read"),
        "text.png": (lambda p: p.write_text("hello, not an image"), "cannot read"),
        "empty.jpg": (lambda p: p.write_bytes(b""), "cannot read"),
        "missing.png": (lambda p: None, "no such file"),
    }
    for name, (make, message) in cases.items():
        make(tmp_path / name)
        with pytest.raises(data.ImageLoadError, match=message) as info:
            data.load_image(tmp_path / name)
        assert name in str(info.value), "the error names the file"
    Image.fromarray(astronaut[:40, :40]).save(tmp_path / "big.png")  # srkit's own size limit, here 1,000 pixels
    with pytest.raises(data.ImageLoadError, match="big.png: 40x40 pixels exceeds the limit of 1000"):
        data.load_image(tmp_path / "big.png", max_pixels=1000)
    # above Pillow's own bomb limit (~179M pixels): srkit's limit and message apply, not Pillow's
    limit = Image.MAX_IMAGE_PIXELS
    _png_claiming(tmp_path / "huge.png", 15_000, 15_000)
    with pytest.raises(data.ImageLoadError, match="huge.png: 15000x15000 pixels exceeds the limit of 200000000"):
        data.load_image(tmp_path / "huge.png", max_pixels=200_000_000)
    assert Image.MAX_IMAGE_PIXELS == limit  # Pillow's setting is restored
    # Pillow's guard is raised to srkit's limit while the header is read, never switched off (other threads
    # decoding at that moment keep a limit)
    seen = []
    real_open = Image.open
    monkeypatch.setattr(Image, "open", lambda *a, **k: (seen.append(Image.MAX_IMAGE_PIXELS), real_open(*a, **k))[1])
    data.load_image(tmp_path / "big.png", max_pixels=300_000_000)
    assert seen == [300_000_000] and Image.MAX_IMAGE_PIXELS == limit
    monkeypatch.undo()
    # a TIFF that Pillow cannot decode (16-bit RGB) goes to tifffile: the limit is checked there too, before decoding
    import tifffile

    tifffile.imwrite(tmp_path / "big16.tif", np.zeros((40, 40, 3), np.uint16))
    assert data.load_image(tmp_path / "big16.tif").shape == (40, 40, 3)
    with pytest.raises(data.ImageLoadError, match="big16.tif: 40x40 pixels exceeds the limit of 1000"):
        data.load_image(tmp_path / "big16.tif", max_pixels=1000)


def test_the_command_names_bad_files_and_writes_nothing_partial(tmp_path, astronaut, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    Image.fromarray(astronaut[:20, :20]).save(folder / "good.png")
    _png_claiming(folder / "bomb.png", 50_000, 50_000)
    (folder / "fake.jpg").write_text("not a jpeg")
    assert cli.main(["upscale", str(folder), "-o", str(tmp_path / "out"), "--model", "espcn", "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "bomb.png" in err and "fake.jpg" in err and "good.png" not in err
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["good_x3.png"]
    empty = tmp_path / "empty"
    empty.mkdir()
    assert cli.main(["upscale", str(empty), "-o", str(tmp_path / "o2"), "--quiet"]) == 1
    assert "no images in this folder" in capsys.readouterr().err and not (tmp_path / "o2").exists()
    with pytest.raises(ValueError, match="no images found"):
        data.load_folder(empty)


def test_model_files_load_safely_and_no_pickle():
    import pathlib

    import srkit

    root = pathlib.Path(srkit.__file__).parent
    sources = "\n".join(p.read_text() for p in root.rglob("*.py"))
    assert "import pickle" not in sources and "pickle.load" not in sources and "allow_pickle=True" not in sources
    assert "safe_mode=False" not in sources


def test_a_diverged_model_gets_no_score(astronaut):
    from srkit.evaluate import evaluate

    def diverged(lr):
        out = np.full((lr.shape[0] * 2, lr.shape[1] * 2), 0.5)
        out[3, 4] = np.nan  # to_uint8 used to turn this into a black pixel and a plausible PSNR
        return out

    with pytest.raises(ValueError, match="astro: the upscaler's output: .*NaN"):
        evaluate(diverged, {"astro": astronaut[:64, :64]}, scale=2, crop_border=2, protocol="y")
