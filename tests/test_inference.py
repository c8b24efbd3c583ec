import numpy as np
import pytest

from srkit import models
from srkit.color import rgb2ycbcr
from srkit.inference import describe, upscale
from srkit.resize import imresize


@pytest.fixture(scope="module")
def rgb(astronaut):
    return astronaut[:90, :70]


@pytest.fixture(scope="module")
def trained_like():
    """Small models with random weights: enough to check plumbing (tests of quality use trained weights)."""
    import keras

    keras.utils.set_random_seed(0)
    return {name: models.build(name, scale=3) for name in ("srcnn-915", "espcn", "edsr-small", "unet", "fsrcnn-s")}


@pytest.mark.parametrize("name", ["srcnn-915", "espcn", "edsr-small", "unet", "fsrcnn-s"])
def test_tiled_equals_untiled(trained_like, rgb, name):
    model = trained_like[name]
    whole = upscale(rgb / 255.0, model=model, scale=3, tile=None)
    tiled = upscale(rgb / 255.0, model=model, scale=3, tile=24)
    np.testing.assert_allclose(tiled, whole, atol=2e-5)


@pytest.mark.parametrize("name", ["unet", "edsr-small"])
def test_tiled_equals_untiled_with_self_ensemble(trained_like, name):
    """Flipped and rotated tiles start at their far end: for a strided model (U-Net) that end must sit on the
    stride grid of the flipped whole image as well, or the tile sees another pixel phase."""
    x = np.random.default_rng(2).random((90, 70)).astype(np.float32)  # 70 = 4k + 2: not on the U-Net's stride grid
    whole = upscale(x, model=trained_like[name], scale=3, tile=None, self_ensemble=True)
    np.testing.assert_allclose(
        upscale(x, model=trained_like[name], scale=3, tile=24, self_ensemble=True), whole, atol=2e-5
    )


@pytest.mark.parametrize("name", ["srcnn-915", "unet"])
def test_tiles_at_the_edges_equal_untiled(trained_like, astronaut, name):
    """An image large enough to be run as it is, cut in tiles whose last row and column are thin: those
    pieces must not be treated as small images (edge-padded), and strided models must keep their phase."""
    image = np.dstack([astronaut[:150, :131], np.full((150, 131), 200, np.uint8)])  # RGBA, uint8
    model = trained_like[name]
    whole = upscale(image, model=model, scale=3, tile=None)
    tiled = upscale(image, model=model, scale=3, tile=64)
    assert tiled.dtype == np.uint8 and tiled.shape == (450, 393, 4)
    assert np.abs(tiled.astype(int) - whole).max() <= 1  # uint8 rounding of values within 1e-6


def test_describe_infers_what_the_model_needs(trained_like):
    info = describe(trained_like["espcn"])
    assert (info.scale, info.channels, info.pre_upsampled) == (3, 1, False)
    assert describe(trained_like["srcnn-915"], 3).pre_upsampled
    with pytest.raises(ValueError, match="pass scale="):
        describe(trained_like["srcnn-915"])
    with pytest.raises(ValueError, match="upscales by 3"):
        describe(trained_like["espcn"], 2)


def test_layouts_and_dtypes_are_preserved(trained_like, rgb):
    model = trained_like["espcn"]
    assert upscale(rgb, model=model).shape == (270, 210, 3) and upscale(rgb, model=model).dtype == np.uint8
    assert upscale(rgb[..., 0], model=model).shape == (270, 210)
    assert upscale(rgb[..., :1], model=model).shape == (270, 210, 1)
    rgba = np.dstack([rgb, np.full(rgb.shape[:2], 200, np.uint8)])
    out = upscale(rgba, model=model)
    assert out.shape == (270, 210, 4) and np.all(out[..., 3] == 200)
    out_f = upscale(rgb.astype(np.float32) / 255, model=model)
    assert out_f.dtype == np.float32 and 0 <= out_f.min() and out_f.max() <= 1


def test_y_model_leaves_chroma_bicubic(trained_like, rgb):
    out = upscale(rgb / 255.0, model=trained_like["espcn"])
    chroma = rgb2ycbcr(np.clip(out, 0, 1))[..., 1:]
    expected = imresize(rgb2ycbcr(rgb / 255.0), 3)[..., 1:]
    inside = (out > 0.02) & (out < 0.98)  # where no RGB value was clipped
    assert np.abs(chroma - expected)[inside.all(-1)].max() < 1e-6


def test_identity_network_gives_bicubic(rgb):
    import keras

    x_in = keras.Input((None, None, 1))
    identity = keras.Model(x_in, keras.layers.Identity()(x_in))  # a "pre-upsampled" model that adds nothing
    out = upscale(rgb, model=identity, scale=2)
    assert np.abs(out.astype(int) - imresize(rgb, 2)).max() <= 1


def test_bad_input(trained_like, rgb):
    model = trained_like["espcn"]
    with pytest.raises(ValueError, match="NaN"):
        upscale(np.full((8, 8), np.nan), model=model)
    with pytest.raises(TypeError, match="uint8"):
        upscale(rgb.astype(np.int32), model=model)
    with pytest.raises(ValueError, match="shape"):
        upscale(np.zeros((4, 4, 2)), model=model)
    with pytest.raises(ValueError, match="tile"):
        upscale(rgb, model=model, tile=0)


def test_self_ensemble_averages_the_eight_symmetries():
    import keras

    keras.utils.set_random_seed(1)
    net = models.build("espcn", scale=3, bicubic_residual=True)  # bicubic + a small, asymmetric residual
    last = net.get_layer("subpixel_conv")
    last.set_weights([0.05 * w for w in last.get_weights()])
    x = np.random.default_rng(3).uniform(0.25, 0.75, size=(21, 16)).astype(np.float32)
    got = upscale(x, model=net, scale=3, tile=None, self_ensemble=True)
    manual = []
    for k in range(8):
        t = np.rot90(x, k % 4)
        t = t[:, ::-1] if k >= 4 else t
        out = upscale(np.ascontiguousarray(t), model=net, scale=3, tile=None).astype(np.float64)
        out = out[:, ::-1] if k >= 4 else out
        manual.append(np.rot90(out, -(k % 4)))
    assert got.shape == (63, 48) and got.dtype == np.float32
    mean = np.mean(manual, axis=0)
    assert 0 < mean.min() and mean.max() < 1, "outputs stay inside [0, 1], so clipping does not interfere"
    assert np.abs(manual[0] - manual[5]).max() > 1e-3, "the network is not symmetric, so the test means something"
    np.testing.assert_allclose(got, mean, atol=1e-5)
    # and with tiles it is the same
    np.testing.assert_allclose(upscale(x, model=net, scale=3, tile=8, self_ensemble=True), got, atol=2e-5)
