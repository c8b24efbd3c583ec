import numpy as np
import pytest
from PIL import Image

from srkit.resize import LIBRARIES, METHODS, downscale_with, imresize, imresize_tf, modcrop


@pytest.fixture(scope="module")
def photo(astronaut):
    return astronaut[100:260, 140:300]  # 160 x 160 x 3


def test_output_size_follows_matlab():
    img = np.zeros((255, 100), np.uint8)
    assert imresize(img, 1 / 3).shape == (85, 34)  # ceil(100/3) = 34, and 255/3 is exactly 85
    assert imresize(imresize(img, 1 / 3), 3).shape == (255, 102)
    assert imresize(img, output_shape=(10, 20)).shape == (10, 20)


@pytest.mark.parametrize("method", sorted(METHODS))
@pytest.mark.parametrize("scale", [1 / 4, 1 / 3, 0.5, 2, 3, 1.7])
def test_constant_image_stays_constant(method, scale):
    img = np.full((24, 30, 3), 0.37)
    np.testing.assert_allclose(imresize(img, scale, method=method), 0.37, atol=1e-12)


def test_identity_scale(photo):
    np.testing.assert_array_equal(imresize(photo, 1), photo)


def test_nearest_picks_matlab_samples(photo):
    # MATLAB's nearest shrink by 2 keeps pixels 2, 4, 6, ... (1-based); enlarge by 2 repeats each pixel
    np.testing.assert_array_equal(imresize(photo, 0.5, method="nearest"), photo[1::2, 1::2])
    np.testing.assert_array_equal(imresize(photo, 2, method="nearest"), photo.repeat(2, 0).repeat(2, 1))


@pytest.mark.parametrize("scale", [0.5, 0.25, 2, 3])
def test_out_of_range_taps_replicate_the_edge(photo, scale):
    # Clamping indices (MATLAB) is the same as padding with copies of the edge pixels first.
    x = photo.astype(np.float64)
    pad = 16
    padded = np.pad(x, ((pad, pad), (pad, pad), (0, 0)), mode="edge")
    crop = int(pad * scale)
    expected = imresize(padded, scale)[crop:-crop, crop:-crop]
    np.testing.assert_allclose(imresize(x, scale), expected, atol=1e-9)


@pytest.mark.parametrize("factor", [2, 3, 4])
def test_antialiased_bicubic_matches_pillow_in_the_interior(photo, factor):
    # Pillow's float BICUBIC uses the same Keys kernel (a = -0.5), pixel-centre mapping and kernel
    # stretching when shrinking; it differs only at the borders (it renormalises instead of replicating).
    gray = modcrop(photo[..., 1], factor).astype(np.float32)
    ours = imresize(gray.astype(np.float64), 1 / factor)
    pil = np.asarray(Image.fromarray(gray, mode="F").resize((gray.shape[1] // factor,) * 2, Image.BICUBIC))
    m = 3
    np.testing.assert_allclose(ours[m:-m, m:-m], pil[m:-m, m:-m], atol=2e-3)


def test_enlarging_bicubic_matches_pillow_in_the_interior(photo):
    gray = photo[..., 0].astype(np.float32)
    ours = imresize(gray.astype(np.float64), 3)
    pil = np.asarray(Image.fromarray(gray, mode="F").resize((gray.shape[1] * 3,) * 2, Image.BICUBIC))
    np.testing.assert_allclose(ours[8:-8, 8:-8], pil[8:-8, 8:-8], atol=2e-3)


def test_uint8_rounds_after_each_pass_rows_first(photo):
    photo = modcrop(photo, 3)  # 159 x 159, so that each pass has scale exactly 1/3
    u8 = imresize(photo, 1 / 3)
    assert u8.dtype == np.uint8
    # one 1-D pass at a time (a scale-1 bicubic pass is the identity): rows, round, then columns, round
    rows_first = imresize(imresize(photo, output_shape=(53, 159)), output_shape=(53, 53))
    np.testing.assert_array_equal(u8, rows_first)
    cols_first = imresize(imresize(photo, output_shape=(159, 53)), output_shape=(53, 53))
    assert (cols_first != u8).any()  # the order matters once values are rounded in between
    float_then_round = np.clip(np.floor(imresize(photo.astype(np.float64), 1 / 3) + 0.5), 0, 255)
    assert (float_then_round != u8).any()


def test_bilinear_is_half_pixel_linear_interpolation():
    x = np.array([[0.0, 1.0, 2.0, 3.0]])
    np.testing.assert_allclose(imresize(x, (1, 2), method="bilinear")[0], [0, 0.25, 0.75, 1.25, 1.75, 2.25, 2.75, 3])


@pytest.mark.parametrize("scale", [1 / 2, 1 / 3, 1 / 4, 2, 3])
def test_tensorflow_version_matches(photo, scale):
    f = photo.astype(np.float32) / 255
    np.testing.assert_allclose(imresize_tf(f, scale).numpy(), imresize(f, scale), atol=2e-5)
    u8_tf = imresize_tf(photo, scale).numpy()
    u8 = imresize(photo, scale)
    diff = np.abs(u8_tf.astype(int) - u8)
    assert diff.max() <= 1 and (diff > 0).mean() < 1e-3  # float32 sums: rare off-by-one at rounding ties


def test_tensorflow_version_inside_tf_data(photo):
    import tensorflow as tf

    ds = tf.data.Dataset.from_tensors(photo).map(lambda x: imresize_tf(x, 0.25))
    np.testing.assert_array_equal(next(iter(ds)).numpy().shape, (40, 40, 3))


def test_modcrop():
    img = np.zeros((101, 50, 3))
    assert modcrop(img, 4).shape == (100, 48, 3)
    with pytest.raises(ValueError, match="smaller than the scale"):
        modcrop(np.zeros((2, 2)), 3)


def test_bad_arguments(photo):
    with pytest.raises(ValueError, match="unknown method"):
        imresize(photo, 2, method="bicubicc")
    with pytest.raises(ValueError, match="exactly one"):
        imresize(photo, 2, output_shape=(4, 4))
    with pytest.raises(ValueError, match="positive"):
        imresize(photo, -2)
    with pytest.raises(TypeError, match="uint8 or float"):
        imresize(photo.astype(np.int32), 2)
    with pytest.raises(ValueError, match="H x W"):
        imresize(np.zeros((2, 2, 2, 2)), 2)


def test_modcrop_accepts_integral_float_scales():
    img = np.zeros((101, 50, 3))
    assert modcrop(img, 3.0).shape == modcrop(img, np.float64(3)).shape == modcrop(img, 3).shape == (99, 48, 3)
    for bad in (2.5, 0, -3, float("nan"), float("inf"), "3", None):
        with pytest.raises(ValueError, match="positive whole number"):
            modcrop(img, bad)


def test_tensorflow_uint8_result_is_rounded_and_clipped_without_per_pass_rounding():
    edge = np.zeros((16, 16), np.uint8)
    edge[:, 8:] = 255
    edge[5, 3], edge[9, 12] = 128, 1
    img = np.dstack([edge, edge.T, 255 - edge])
    exact = imresize(img.astype(np.float64), 3)
    assert exact.min() < -10 and exact.max() > 265  # bicubic over- and undershoots at the edge
    out = imresize_tf(img, 3, round_uint8=False).numpy()
    assert out.dtype == np.uint8
    expected = np.clip(np.floor(exact + 0.5), 0, 255)
    diff = np.abs(out.astype(int) - expected)
    assert diff.max() <= 1 and (diff > 0).mean() < 1e-3  # float32 sums: rare off-by-one at rounding ties
    assert ((exact < 0) <= (out == 0)).all() and ((exact > 255) <= (out == 255)).all()  # clipped, not wrapped


@pytest.mark.parametrize("library", list(LIBRARIES))
def test_other_libraries_downscale_gray_color_and_one_channel_images(photo, library):
    rgb = photo[:, :151]  # 160 x 151: the sizes round down
    for image in (rgb, rgb[..., 1], rgb[..., :1]):
        lr = downscale_with(image, 3, library)
        assert lr.dtype == np.uint8 and lr.shape == (53, 50) + image.shape[2:]
    gray = downscale_with(rgb[..., 1], 3, library)
    np.testing.assert_array_equal(downscale_with(rgb[..., 1:2], 3, library)[..., 0], gray)


def test_other_libraries_are_what_they_say(photo):
    hr = modcrop(photo, 4)
    pil = np.asarray(Image.fromarray(hr).resize((40, 40), Image.Resampling.BICUBIC))
    np.testing.assert_array_equal(downscale_with(hr, 4, "pillow"), pil)
    matlab = imresize(hr, 1 / 4).astype(int)
    off = {lib: np.abs(downscale_with(hr, 4, lib).astype(int) - matlab).mean() for lib in LIBRARIES}
    # Pillow and TensorFlow's antialiased resize stay within a grey level of MATLAB on average; TensorFlow's
    # default (no antialiasing) samples the image without low-pass filtering it and lands far from it
    assert off["pillow"] < 1 and off["tensorflow-antialias"] < 1 and off["tensorflow"] > 3 * off["pillow"]


def test_other_libraries_bad_arguments(photo):
    with pytest.raises(ValueError, match="unknown library 'opencv': choose one of pillow"):
        downscale_with(photo, 2, "opencv")
    with pytest.raises(ValueError, match="uint8"):
        downscale_with(photo.astype(np.float32), 2, "pillow")
    with pytest.raises(ValueError, match="too small"):
        downscale_with(photo[:2, :2], 3, "pillow")
    with pytest.raises(ValueError, match="positive whole number"):
        downscale_with(photo, 0, "pillow")
