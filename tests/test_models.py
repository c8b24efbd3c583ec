import keras
import numpy as np
import pytest

from srkit import models
from srkit.resize import imresize

# Parameter counts (weights + biases unless stated) computed from the papers' architectures.
PAPER_COUNTS = {
    ("srcnn-915", 3): 8_129,  # Dong et al. 2014: 9-1-5, n1=64, n2=32, one channel
    ("srcnn-955", 3): 57_281,  # 9-5-5
    ("espcn", 2): 21_284,
    ("espcn", 3): 22_729,
    ("espcn", 4): 24_752,  # Shi et al. 2016 on Y
    ("vdsr", 3): 665_921,  # Kim et al. 2016: 20 layers x 64
    ("edsr-baseline", 2): 1_369_859,
    ("edsr-baseline", 4): 1_517_571,  # Lim et al. 2017, 16 x 64, RGB
}
PAPER_WEIGHTS_ONLY = {("fsrcnn", 3): 12_464, ("fsrcnn-s", 3): 3_937}  # Dong et al. 2016 count kernels only


@pytest.mark.parametrize("key", sorted(PAPER_COUNTS))
def test_parameter_counts_match_the_papers(key):
    name, scale = key
    assert models.count_params(models.build(name, scale=scale)) == PAPER_COUNTS[key]


@pytest.mark.parametrize("key", sorted(PAPER_WEIGHTS_ONLY))
def test_fsrcnn_kernel_counts_match_the_paper(key):
    name, scale = key
    assert models.count_params(models.build(name, scale=scale), biases=False) == PAPER_WEIGHTS_ONLY[key]


@pytest.mark.parametrize("name", models.names())
@pytest.mark.parametrize("scale", [2, 3, 4])
def test_output_shapes(name, scale):
    arch = models.REGISTRY[name]
    model = models.build(name, scale=scale)
    channels = model.input_shape[-1]
    assert channels == (1 if arch.color == "y" else 3)
    h, w = 13, 10
    x = (
        np.random.default_rng(0)
        .random((1, h * scale, w * scale, channels) if arch.pre_upsampled else (1, h, w, channels))
        .astype("float32")
    )
    assert model.predict(x, verbose=0).shape == (1, h * scale, w * scale, channels)


@pytest.mark.parametrize("name", models.names())
def test_safe_mode_round_trip(name, tmp_path):
    model = models.build(name, scale=2)
    path = tmp_path / f"{name}.keras"
    model.save(path)
    loaded = keras.models.load_model(path, safe_mode=True)
    x = np.random.default_rng(1).random((1, 16, 12, model.input_shape[-1])).astype("float32")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)


def test_every_weighted_layer_has_a_fixed_name():
    """Fine-tuning copies weights by layer name (srkit.pretrained.transfer). Keras numbers unnamed layers in the
    order they are built in a process (``p_re_lu_7``), so a model built second would match nothing of a shipped one."""
    for name in models.names():
        first, second = models.build(name, scale=3), models.build(name, scale=3)
        assert [layer.name for layer in first.layers if layer.weights] == [
            layer.name for layer in second.layers if layer.weights
        ], name


def test_no_lambda_layers():
    for name in models.names():
        assert not any(isinstance(layer, keras.layers.Lambda) for layer in models.build(name, scale=3).layers), name


@pytest.mark.parametrize("channels", [1, 3])
def test_icnr_starts_as_nearest_neighbour_upsampling(channels):
    # With ICNR the r*r sub-pixel outputs of each position start equal: no checkerboard at initialisation,
    # for every channel (TF's depth_to_space channel order: sub-position major, channel minor).
    model = models.build("espcn", scale=3, channels=channels)
    x = np.random.default_rng(2).random((1, 8, 8, channels)).astype("float32")
    y = model.predict(x, verbose=0)[0]
    blocks = y.reshape(8, 3, 8, 3, channels)
    np.testing.assert_allclose(blocks, blocks[:, :1, :, :1].repeat(3, 1).repeat(3, 3), atol=1e-6)
    assert np.abs(y[..., 0] - y[..., -1]).max() > 1e-4 or channels == 1  # the channels differ


def test_bad_names_and_scales():
    with pytest.raises(ValueError, match="choose one of"):
        models.build("srgan", scale=2)
    with pytest.raises(ValueError, match="scale must be 2, 3 or 4"):
        models.build("espcn", scale=5)


@pytest.mark.parametrize("scale", [2, 3, 4])
def test_upsample_layer_is_matlab_bicubic(scale):
    from srkit.models.layers import Upsample
    from srkit.resize import imresize

    x = np.random.default_rng(3).random((1, 13, 11, 3)).astype("float32")
    np.testing.assert_allclose(np.asarray(Upsample(scale)(x))[0], imresize(x[0].astype(np.float64), scale), atol=1e-6)


def test_count_macs_by_hand():
    # SRCNN 9-1-5 on an HR grid: (81*64 + 64*32 + 25*32) MACs per pixel; ESPCN x3 per LR pixel
    assert models.count_macs(models.build("srcnn-915", scale=3), (30, 40)) == (81 * 64 + 64 * 32 + 25 * 32) * 1200
    assert models.count_macs(models.build("espcn", scale=3), (10, 12)) == (25 * 64 + 9 * 64 * 32 + 9 * 32 * 9) * 120
    # a transposed convolution costs kernel x channels per *input* pixel
    fsrcnn_s = models.build("fsrcnn-s", scale=2)
    per_lr_pixel = 25 * 32 + 32 * 5 + 9 * 5 * 5 + 5 * 32 + 81 * 32
    assert models.count_macs(fsrcnn_s, (8, 8)) == per_lr_pixel * 64


def test_espcn_bicubic_residual_starts_at_bicubic():
    net = models.build("espcn", scale=3, bicubic_residual=True)
    last = net.get_layer("subpixel_conv")
    last.set_weights([np.zeros_like(w) for w in last.get_weights()])
    x = np.random.default_rng(0).uniform(size=(17, 13)).astype("float32")
    out = np.asarray(net(x[None, ..., None]))[0, ..., 0]
    np.testing.assert_allclose(out, imresize(x.astype(np.float64), 3), atol=1e-5)
    assert models.count_params(net) == models.count_params(models.build("espcn", scale=3))
