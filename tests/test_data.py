import hashlib

import numpy as np
import pytest
from PIL import Image

from srkit import data
from srkit.data.degradations import _gaussian_blur
from srkit.resize import imresize, modcrop


# ----------------------------------------------------------------- the bundled collection and its split
@pytest.fixture(scope="module")
def everything():
    return data.bundled("all", rgb=True)


def test_splits_are_disjoint_and_cover_the_collection():
    names = [n for s in data.SPLITS.values() for n in s]
    assert len(names) == len(set(names)), "an image is in two splits"
    assert set(names) == set(data.BUNDLED)
    assert len(data.SPLITS["train"]) >= 10 and len(data.SPLITS["test"]) >= 3 and data.SPLITS["validation"]


def test_every_bundled_image_loads_offline_as_uint8_rgb(everything):
    for name, image in everything.items():
        assert image.dtype == np.uint8 and image.ndim == 3 and image.shape[-1] == 3, name
        assert min(image.shape[:2]) >= 150, name


def test_no_image_leaks_between_splits(everything):
    # identical pixels, or the same photograph at another size, must not be in two splits
    def fingerprint(image):
        small = imresize(image.astype(np.float64), output_shape=(16, 16)).mean(axis=-1)
        return (small > np.median(small)).ravel()

    split_of = {n: s for s, names in data.SPLITS.items() for n in names}
    digests = {hashlib.sha256(im.tobytes()).hexdigest(): n for n, im in everything.items()}
    assert len(digests) == len(everything)
    names = list(everything)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            if split_of[a] != split_of[b]:
                agree = (fingerprint(everything[a]) == fingerprint(everything[b])).mean()
                assert agree < 0.9, f"{a} and {b} look like the same picture"


def test_the_known_duplicate_is_excluded():
    import skimage.data

    assert np.array_equal(skimage.data.cat(), skimage.data.chelsea())
    assert "cat" not in data.BUNDLED and "cat" in data.EXCLUDED


def test_gray_images_stay_single_channel_unless_asked():
    test = data.bundled("test")
    assert test["camera"].ndim == 2 and test["chelsea"].ndim == 3
    assert data.bundled("test", rgb=True)["camera"].shape[-1] == 3


def test_unknown_split():
    with pytest.raises(ValueError, match="choose one of"):
        data.bundled("training")


# ----------------------------------------------------------------- a learner's own files
@pytest.fixture()
def rgb():
    return np.random.default_rng(0).integers(0, 256, (20, 30, 3), dtype=np.uint8)


def test_formats_and_modes(tmp_path, rgb):
    Image.fromarray(rgb).save(tmp_path / "a.png")
    Image.fromarray(rgb).save(tmp_path / "b.bmp")
    Image.fromarray(rgb).save(tmp_path / "c.tif")
    Image.fromarray(rgb).save(tmp_path / "d.jpg", quality=95)
    rgba = np.dstack([rgb, np.full(rgb.shape[:2], 7, np.uint8)])
    Image.fromarray(rgba).save(tmp_path / "e_rgba.png")
    Image.fromarray(rgb).convert("P", palette=Image.Palette.ADAPTIVE).save(tmp_path / "f_palette.png")
    Image.fromarray(rgb[..., 0]).save(tmp_path / "g_gray.png")
    Image.fromarray(rgb).convert("CMYK").save(tmp_path / "h_cmyk.jpg")
    (tmp_path / "notes.txt").write_text("not an image, and ignored because of its suffix")
    images = data.load_folder(tmp_path)
    assert list(images) == [
        "a.png",
        "b.bmp",
        "c.tif",
        "d.jpg",
        "e_rgba.png",
        "f_palette.png",
        "g_gray.png",
        "h_cmyk.jpg",
    ]
    for name, image in images.items():
        assert image.shape == (20, 30, 3) and image.dtype == np.uint8, name
    for lossless in ("a.png", "b.bmp", "c.tif", "e_rgba.png"):
        np.testing.assert_array_equal(images[lossless], rgb)
    np.testing.assert_array_equal(images["g_gray.png"][..., 2], rgb[..., 0])
    assert data.load_image(tmp_path / "g_gray.png", as_rgb=False).shape == (20, 30)


def _png16_rgb(path, array):
    """A 16-bit RGB PNG written by hand (Pillow cannot write 48-bit colour)."""
    import struct
    import zlib

    def chunk(kind, payload):
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))

    h, w, _ = array.shape
    rows = b"".join(b"\x00" + array[i].astype(">u2").tobytes() for i in range(h))
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 16, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def test_sixteen_bit_images_keep_their_high_byte(tmp_path):
    import tifffile

    values = np.array([[0, 257, 65535, 1000]], dtype=np.uint16)
    expected = [[0, 1, 255, 3]]
    Image.fromarray(values).save(tmp_path / "gray16.png")
    np.testing.assert_array_equal(data.load_image(tmp_path / "gray16.png", as_rgb=False), expected)
    rgb16 = np.stack([values, values[:, ::-1], values], axis=-1)
    tifffile.imwrite(tmp_path / "rgb16.tif", rgb16)
    _png16_rgb(tmp_path / "rgb16.png", rgb16)
    for name in ("rgb16.tif", "rgb16.png"):
        image = data.load_image(tmp_path / name)
        np.testing.assert_array_equal(image[..., 0], expected, err_msg=name)
        np.testing.assert_array_equal(image[..., 1], np.array(expected)[:, ::-1], err_msg=name)


def test_exif_orientation_is_applied(tmp_path, rgb):
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 CW to display"
    Image.fromarray(rgb).save(tmp_path / "phone.jpg", exif=exif, quality=95)
    assert data.load_image(tmp_path / "phone.jpg").shape == (30, 20, 3)


def test_read_image_keeps_alpha_and_sixteen_bits_in_one_decode(tmp_path, rgb):
    rgba = np.dstack([rgb, np.arange(rgb.shape[0] * rgb.shape[1], dtype=np.uint8).reshape(rgb.shape[:2])])
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 CW to display": applied to images with alpha too
    Image.fromarray(rgba).save(tmp_path / "a.png", exif=exif)
    image, kind = data.read_image(tmp_path / "a.png")
    assert kind == "rgba" and image.shape == (30, 20, 4)
    np.testing.assert_array_equal(image, np.rot90(rgba, -1))
    np.testing.assert_array_equal(data.load_image(tmp_path / "a.png"), image[..., :3])  # load_image drops alpha
    deep = (np.arange(600, dtype=np.uint16).reshape(20, 30) * 109).astype(np.uint16)
    Image.fromarray(deep).save(tmp_path / "deep.png")
    image, kind = data.read_image(tmp_path / "deep.png")
    assert kind == "gray16" and image.dtype == np.float64
    np.testing.assert_array_equal(np.round(image * 65535).astype(np.uint16), deep)  # every level kept
    Image.fromarray(rgb[..., 0]).convert("LA").save(tmp_path / "la.png")
    image, kind = data.read_image(tmp_path / "la.png")
    assert kind == "rgba" and image.shape == (20, 30, 4) and (image[..., 3] == 255).all()
    Image.fromarray(rgb).save(tmp_path / "c.png")
    assert data.read_image(tmp_path / "c.png")[1] == "rgb"
    Image.fromarray(rgb[..., 1]).save(tmp_path / "g.png")
    assert data.read_image(tmp_path / "g.png")[1] == "gray"
    with pytest.raises(data.ImageLoadError, match="no such file"):
        data.read_image(tmp_path / "missing.png")


def test_unreadable_files_are_named(tmp_path, rgb):
    Image.fromarray(rgb).save(tmp_path / "ok.png")
    raw = (tmp_path / "ok.png").read_bytes()
    (tmp_path / "truncated.png").write_bytes(raw[: len(raw) // 2])
    with pytest.raises(data.ImageLoadError, match="truncated.png"):
        data.load_image(tmp_path / "truncated.png")
    (tmp_path / "fake.jpg").write_text("hello")
    with pytest.raises(data.ImageLoadError, match="fake.jpg: cannot read"):
        data.load_image(tmp_path / "fake.jpg")
    Image.fromarray(rgb).save(tmp_path / "anim.gif")
    with pytest.raises(data.ImageLoadError, match="format GIF is not supported"):
        data.load_image(tmp_path / "anim.gif")
    with pytest.raises(data.ImageLoadError, match="exceeds the limit"):
        data.load_image(tmp_path / "ok.png", max_pixels=100)
    with pytest.raises(data.ImageLoadError, match="no such file"):
        data.load_image(tmp_path / "missing.png")
    (tmp_path / "fake.jpg").unlink()
    with pytest.raises(data.ImageLoadError, match="truncated.png"):
        data.load_folder(tmp_path)


def test_empty_folder(tmp_path):
    with pytest.raises(ValueError, match="no images found"):
        data.load_folder(tmp_path)
    with pytest.raises(ValueError, match="not a folder"):
        data.load_folder(tmp_path / "nope")


# ----------------------------------------------------------------- degradations, pairs, patches
def test_degradations(astronaut):
    lr, hr = data.make_pair(astronaut[:301, :299], 3)
    assert hr.shape == (300, 297, 3) and lr.shape == (100, 99, 3)
    np.testing.assert_array_equal(lr, imresize(hr, 1 / 3))
    blur = data.degrade(hr, 3, kind="blur")
    noisy = data.degrade(hr, 3, kind="noise", noise_sigma=10, seed=1)
    assert blur.shape == noisy.shape == lr.shape
    np.testing.assert_array_equal(noisy, data.degrade(hr, 3, kind="noise", noise_sigma=10, seed=1))
    assert not np.array_equal(noisy, data.degrade(hr, 3, kind="noise", noise_sigma=10, seed=2))
    assert 8 < np.std(noisy.astype(float) - lr) < 12
    # BD keeps the pixel at the centre of each 3x3 block (MATLAB nearest: 1-based 2, 5, 8, ...)
    blurred = data.to_uint8(_gaussian_blur(hr / 255.0, 7, 1.6))
    np.testing.assert_array_equal(blur, blurred[1::3, 1::3])
    assert not np.array_equal(blur, blurred[::3, ::3])
    with pytest.raises(ValueError, match="choose one of"):
        data.degrade(hr, 3, kind="sinc")
    with pytest.raises(ValueError, match="modcrop"):
        data.degrade(astronaut[:301], 3)


def test_degradation_without_antialiasing_aliases(astronaut):
    hr = modcrop(astronaut, 3)
    noaa = data.degrade(hr, 3, kind="bicubic-noaa")
    np.testing.assert_array_equal(noaa, imresize(hr, 1 / 3, antialias=False))
    # without antialiasing the kernel spans 4 HR pixels instead of 12: the LR keeps more (aliased) detail
    lap = lambda im: np.abs(np.diff(im.astype(float), 2, axis=1)).mean()  # noqa: E731
    assert lap(noaa) > 1.3 * lap(data.degrade(hr, 3))


def test_real_degradation_and_jpeg(astronaut):
    hr = modcrop(astronaut[:300, :300], 3)
    real = data.degrade(hr, 3, kind="real", seed=1)
    assert real.shape == (100, 100, 3) and real.dtype == np.uint8
    np.testing.assert_array_equal(real, data.degrade(hr, 3, kind="real", seed=1))
    assert not np.array_equal(real, data.degrade(hr, 3, kind="real", seed=2))
    clean = data.degrade(hr, 3)
    assert 2 < np.abs(real.astype(float) - clean).mean() < 20
    # JPEG round trip: lower quality, larger error; gray and float inputs keep their layout
    err = {q: np.abs(data.jpeg(hr, q).astype(float) - hr).mean() for q in (90, 40, 10)}
    assert err[90] < err[40] < err[10]
    gray = hr[..., 0]
    assert data.jpeg(gray, 50).shape == gray.shape and data.jpeg(gray[..., None], 50).shape == (300, 300, 1)
    out = data.jpeg(hr / 255.0, 50)
    assert out.dtype == np.float32 and 0 <= out.min() and out.max() <= 1
    with pytest.raises(ValueError, match="quality"):
        data.jpeg(hr, 0)
    with pytest.raises(ValueError, match="gray or RGB"):
        data.jpeg(np.zeros((8, 8, 2), np.uint8), 50)


def test_make_pairs_draws_new_noise_per_image_and_copy(astronaut):
    crop = modcrop(astronaut[:90, :90], 3)
    pairs = data.make_pairs([crop, crop], 3, degradation="noise", copies=2)
    assert len(pairs) == 4
    lrs = [lr for lr, _ in pairs]
    assert all(not np.array_equal(lrs[i], lrs[j]) for i in range(4) for j in range(i + 1, 4))
    np.testing.assert_array_equal(pairs[0][0], data.make_pairs([crop], 3, degradation="noise")[0][0])
    with pytest.raises(ValueError, match="copies"):
        data.make_pairs([crop], 3, copies=0)


def test_degraded_images_are_remembered_but_never_shared(astronaut):
    crop = modcrop(astronaut[:120, :150], 3)
    first = data.degrade(crop, 3)
    first[:] = 0  # a caller that writes into its LR image must not change what the next caller gets
    again = data.degrade(crop, 3)
    np.testing.assert_array_equal(again, imresize(crop, 1 / 3))
    assert again is not data.degrade(crop, 3)
    changed = crop.copy()
    changed[:3, :3] = 255 - changed[:3, :3]  # another HR image of the same size: its own LR
    np.testing.assert_array_equal(data.degrade(changed, 3), imresize(changed, 1 / 3))
    assert not np.array_equal(data.degrade(changed, 3), again)
    # a seeded random degradation is the same every call; another seed, or none, draws anew
    noisy = data.degrade(crop, 3, kind="noise", seed=4)
    np.testing.assert_array_equal(noisy, data.degrade(crop, 3, kind="noise", seed=4))
    assert not np.array_equal(noisy, data.degrade(crop, 3, kind="noise", seed=5))
    assert not np.array_equal(
        data.degrade(crop, 3, kind="noise", seed=None), data.degrade(crop, 3, kind="noise", seed=None)
    )
    # the parameters are part of what is remembered
    assert not np.array_equal(data.degrade(crop, 3, kind="noise", seed=4, noise_sigma=5), noisy)
    assert data.degrade(crop.astype(np.float64) / 255, 3).dtype == np.float32


def _nearest_pairs(n=3, scale=3):
    rng = np.random.default_rng(5)
    lrs = [rng.integers(0, 256, (40 + 7 * i, 50, 3), dtype=np.uint8) for i in range(n)]
    return [(lr, lr.repeat(scale, 0).repeat(scale, 1)) for lr in lrs]


def test_grid_patches_are_aligned():
    lr, hr = _nearest_pairs()[0]
    a, b = data.grid_patches(lr, hr, scale=3, lr_size=8, stride=5)
    assert a.shape[1:] == (8, 8, 3) and b.shape[1:] == (24, 24, 3) and len(a) == len(b) == 7 * 9
    np.testing.assert_array_equal(b, a.repeat(3, 1).repeat(3, 2))


def test_patch_pipeline_crops_are_aligned_and_augmented():
    ds = data.patch_dataset(_nearest_pairs(), scale=3, patch_size=24, batch_size=32, seed=3)
    seen = set()
    for lr, hr in ds.take(4):
        lr, hr = lr.numpy(), hr.numpy()
        assert lr.shape == (32, 8, 8, 3) and hr.shape == (32, 24, 24, 3) and lr.dtype == np.float32
        assert 0 <= lr.min() and lr.max() <= 1
        np.testing.assert_array_equal(hr, lr.repeat(3, 1).repeat(3, 2))  # same crop, same flip/rotation
        seen.update(hashlib.sha256(p.tobytes()).hexdigest() for p in lr)
    assert len(seen) > 100  # random positions


def test_patch_pipeline_is_reproducible_with_a_seed():
    def first(seed):
        return next(iter(data.patch_dataset(_nearest_pairs(), scale=3, patch_size=24, seed=seed)))[0].numpy()

    np.testing.assert_array_equal(first(7), first(7))
    assert not np.array_equal(first(7), first(8))


def test_patch_pipeline_y_and_pre_upsampled():
    pairs = _nearest_pairs()
    lr, hr = next(iter(data.patch_dataset(pairs, scale=3, patch_size=33, color="y", upsample_input=True, seed=0)))
    assert lr.shape == hr.shape == (16, 33, 33, 1)
    lr, hr = next(iter(data.patch_dataset(pairs, scale=3, patch_size=48, color="y", seed=0)))
    assert lr.shape == (16, 16, 16, 1) and hr.shape == (16, 48, 48, 1)


def test_patch_pipeline_bad_arguments():
    with pytest.raises(ValueError, match="multiple of scale"):
        data.patch_dataset(_nearest_pairs(), scale=3, patch_size=32)
    with pytest.raises(ValueError, match="times 3"):
        data.patch_dataset([(np.zeros((10, 10, 3), np.uint8), np.zeros((20, 20, 3), np.uint8))], scale=3, patch_size=6)
    with pytest.raises(ValueError, match="smaller than the LR patch"):
        data.patch_dataset(_nearest_pairs(), scale=3, patch_size=3 * 45)
    with pytest.raises(ValueError, match="'rgb' or 'y'"):
        data.patch_dataset(_nearest_pairs(), scale=3, patch_size=24, color="lab")


def test_patch_pipeline_weighting_and_flat_patch_rejection():
    rng = np.random.default_rng(9)
    flat = np.full((60, 60, 3), 120, np.uint8)
    busy = rng.integers(0, 256, (60, 60, 3), dtype=np.uint8)
    pairs = [(flat, flat.repeat(3, 0).repeat(3, 1)), (busy, busy.repeat(3, 0).repeat(3, 1))]
    _, hr = next(iter(data.patch_dataset(pairs, scale=3, patch_size=24, batch_size=64, seed=0, weighting="uniform")))
    stds = hr.numpy().std(axis=(1, 2, 3))
    assert (stds < 1e-6).any() and (stds > 0.1).any()  # both images are sampled
    _, hr = next(iter(data.patch_dataset(pairs, scale=3, patch_size=24, batch_size=64, seed=0, min_std=0.05)))
    assert (hr.numpy().std(axis=(1, 2, 3)) >= 0.05).all()  # flat patches are dropped
    with pytest.raises(ValueError, match="drops every patch"):  # not a filter that waits forever
        data.patch_dataset(pairs, scale=3, patch_size=24, min_std=0.45)
    with pytest.raises(ValueError, match="weighting"):
        data.patch_dataset(pairs, scale=3, patch_size=24, weighting="size")


def test_downscaled_copies_add_shrunk_images_after_the_originals():
    rng = np.random.default_rng(3)
    images = {
        "a": rng.integers(0, 256, (100, 80, 3), dtype=np.uint8),
        "b": rng.integers(0, 256, (40, 50), dtype=np.uint8),
    }
    out = data.downscaled_copies(images, [0.9, 0.5])
    assert list(out) == ["a", "b", "a@0.9", "a@0.5", "b@0.9", "b@0.5"]
    assert out["a"] is images["a"] and out["a@0.5"].shape == (50, 40, 3) and out["b@0.9"].shape == (36, 45)
    np.testing.assert_array_equal(out["a@0.9"], imresize(images["a"], 0.9))  # MATLAB bicubic, antialiased
    assert out["b@0.5"].dtype == np.uint8
    assert list(data.downscaled_copies(images, [0.9, 0.5], min_size=40)) == ["a", "b", "a@0.9", "a@0.5"]
    for bad in (0, 1, 1.5, -0.5):
        with pytest.raises(ValueError, match="between 0 and 1"):
            data.downscaled_copies(images, [bad])


def test_shifted_copies_sample_every_phase_of_the_lr_grid():
    rng = np.random.default_rng(4)
    images = {
        "a": rng.integers(0, 256, (31, 40, 3), dtype=np.uint8),
        "b": rng.integers(0, 256, (12, 15), dtype=np.uint8),
    }
    out = data.shifted_copies(images, 2)
    assert list(out) == ["a", "b", "a+0,1", "a+1,0", "a+1,1", "b+0,1", "b+1,0", "b+1,1"]
    assert out["a"] is images["a"] and out["a+1,0"].shape == (30, 40, 3) and out["b+1,1"].shape == (11, 14)
    np.testing.assert_array_equal(out["a+1,1"], images["a"][1:, 1:])
    assert len(data.shifted_copies(images, 3)) == 2 * 9
    # the point: each shift gives another LR image of the same scene, not a translated copy of the same one
    lr = {name: lr for name, (lr, _) in zip(out, data.make_pairs(out, 2))}
    assert lr["a"].shape == (15, 20, 3) and lr["a+0,1"].shape == lr["a+1,1"].shape == (15, 19, 3)  # modcrop
    assert not np.array_equal(lr["a+0,1"], lr["a"][:, :19]) and not np.array_equal(
        lr["a+0,1"][:, :-1], lr["a"][:, 1:19]
    )
    with pytest.raises(ValueError, match="too small to shift"):
        data.shifted_copies({"tiny": np.zeros((5, 40), np.uint8)}, 3)
    # min_size (a training patch): copies that a shift leaves one LR row or column short are left out
    kept = data.shifted_copies({"p": np.zeros((48, 50), np.uint8)}, 3, min_size=48)
    assert list(kept) == ["p", "p+0,1", "p+0,2"]  # 50 - 2 = 48 columns still fit; 47 rows crop to 45
    assert all(min(lr.shape) >= 16 for lr, _ in data.make_pairs(kept, 3))
    with pytest.raises(ValueError):
        data.shifted_copies(images, 2.5)


def test_big_endian_sixteen_bit_tiff(tmp_path):
    import tifffile

    values = np.array([[0, 257, 65535, 1000]], dtype=np.uint16)
    tifffile.imwrite(tmp_path / "gray16be.tif", values, byteorder=">")
    with Image.open(tmp_path / "gray16be.tif") as im:
        assert im.mode == "I;16B" and np.asarray(im).dtype == np.dtype(">u2")  # what load_image gets from Pillow
    np.testing.assert_array_equal(data.load_image(tmp_path / "gray16be.tif", as_rgb=False), [[0, 1, 255, 3]])
    rgb16 = np.stack([values, values[:, ::-1], values], axis=-1)
    tifffile.imwrite(tmp_path / "rgb16be.tif", rgb16, byteorder=">")
    np.testing.assert_array_equal(data.load_image(tmp_path / "rgb16be.tif")[..., 1], [[3, 255, 1, 0]])


def test_to_uint8_refuses_nan_and_inf():
    np.testing.assert_array_equal(data.to_uint8([-0.2, 0.0, 0.5, 1.0, 1.3]), [0, 0, 128, 255, 255])
    for bad in (np.nan, np.inf, -np.inf):
        with pytest.raises(ValueError, match="NaN or infinite"):
            data.to_uint8(np.array([[0.5, bad]]))


def test_float_degradations_return_float32(astronaut):
    hr = modcrop(astronaut[:60, :60], 3) / 255.0  # float64
    for kind in data.DEGRADATIONS:
        lr = data.degrade(hr, 3, kind=kind)
        assert lr.dtype == np.float32 and lr.shape == (20, 20, 3), kind
    np.testing.assert_allclose(data.degrade(hr, 3), imresize(hr, 1 / 3), atol=1e-6)


def test_integral_float_scales_work(astronaut):
    lr, hr = data.make_pair(astronaut[:100, :100], 3.0)
    lr3, hr3 = data.make_pair(astronaut[:100, :100], 3)
    np.testing.assert_array_equal(lr, lr3)
    np.testing.assert_array_equal(hr, hr3)
    a, b = data.grid_patches(lr, hr, scale=3.0, lr_size=8, stride=8)
    assert a.shape == (16, 8, 8, 3) and b.shape == (16, 24, 24, 3)
    with pytest.raises(ValueError, match="positive whole number"):
        data.degrade(hr, 1.5)
