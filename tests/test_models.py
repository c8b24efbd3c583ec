import numpy as np
import pytest

import keras
from srkit import models

# Parameter counts (weights + biases unless stated) computed from the papers' architectures.
PAPER_COUNTS = {
    ("srcnn-915", 3): 8_129,        # Dong et al. 2014: 9-1-5, n1=64, n2=32, one channel
    ("srcnn-955", 3): 57_281,       # 9-5-5
    ("espcn", 2): 21_284, ("espcn", 3): 22_729, ("espcn", 4): 24_752,  # Shi et al. 2016 on Y
    ("vdsr", 3): 665_921,           # Kim et al. 2016: 20 layers x 64
    ("edsr-baseline", 2): 1_369_859, ("edsr-baseline", 4): 1_517_571,  # Lim et al. 2017, 16 x 64, RGB
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
    x = np.random.default_rng(0).random((1, h * scale, w * scale, channels) if arch.pre_upsampled
                                        else (1, h, w, channels)).astype("float32")
    assert model.predict(x, verbose=0).shape == (1, h * scale, w * scale, channels)


@pytest.mark.parametrize("name", models.names())
def test_safe_mode_round_trip(name, tmp_path):
    model = models.build(name, scale=2)
    path = tmp_path / f"{name}.keras"
    model.save(path)
    loaded = keras.models.load_model(path, safe_mode=True)
    x = np.random.default_rng(1).random((1, 16, 12, model.input_shape[-1])).astype("float32")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)


def test_no_lambda_layers():
    for name in models.names():
        assert not any(isinstance(l, keras.layers.Lambda) for l in models.build(name, scale=3).layers), name


def test_icnr_starts_as_nearest_neighbour_upsampling():
    # With ICNR the r*r sub-pixel outputs of each position start equal: no checkerboard at initialisation.
    model = models.build("espcn", scale=3)
    x = np.random.default_rng(2).random((1, 8, 8, 1)).astype("float32")
    y = model.predict(x, verbose=0)[0, ..., 0]
    blocks = y.reshape(8, 3, 8, 3)
    np.testing.assert_allclose(blocks, blocks[:, :1, :, :1].repeat(3, 1).repeat(3, 3), atol=1e-6)


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
