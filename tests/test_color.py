import numpy as np
import pytest
import skimage.color

from srkit.color import rgb2y, rgb2ycbcr, rgb2ycbcr_tf, to_y, ycbcr2rgb, ycbcr2rgb_tf


def test_matlab_reference_values():
    # MATLAB: rgb2ycbcr(uint8([255 255 255; 0 0 0; 255 0 0])) -> [235 128 128; 16 128 128; 81 90 240]
    rgb = np.array([[[255, 255, 255], [0, 0, 0], [255, 0, 0]]], dtype=np.uint8)
    np.testing.assert_array_equal(rgb2ycbcr(rgb)[0], [[235, 128, 128], [16, 128, 128], [81, 90, 240]])
    assert rgb2ycbcr(rgb).dtype == np.uint8


def test_float_matches_scikit_image(astronaut):
    x = astronaut.astype(np.float64) / 255
    # scikit-image returns the same BT.601 studio-swing values in the 0..255 scale
    np.testing.assert_allclose(rgb2ycbcr(x) * 255, skimage.color.rgb2ycbcr(x), atol=1e-9)
    np.testing.assert_allclose(rgb2y(x), rgb2ycbcr(x)[..., 0])


def test_uint8_is_rounded_float(astronaut):
    expected = np.floor(rgb2ycbcr(astronaut / 255.0) * 255 + 0.5)
    np.testing.assert_array_equal(rgb2ycbcr(astronaut), expected.astype(np.uint8))
    np.testing.assert_array_equal(rgb2y(astronaut), rgb2ycbcr(astronaut)[..., 0])


def test_round_trip(astronaut):
    x = astronaut.astype(np.float64) / 255
    np.testing.assert_allclose(ycbcr2rgb(rgb2ycbcr(x)), x, atol=1e-12)
    back = ycbcr2rgb(rgb2ycbcr(astronaut)).astype(int)
    assert np.abs(back - astronaut).max() <= 3  # 8-bit YCbCr loses a little (219 levels of Y)


def test_tensorflow_versions_match_numpy(astronaut):
    x = (astronaut[:64, :64] / 255.0).astype(np.float32)
    np.testing.assert_allclose(rgb2ycbcr_tf(x).numpy(), rgb2ycbcr(x), atol=1e-5)
    np.testing.assert_allclose(ycbcr2rgb_tf(rgb2ycbcr_tf(x)).numpy(), x, atol=1e-5)


def test_gray_is_its_own_luma(camera):
    assert to_y(camera) is camera
    np.testing.assert_array_equal(to_y(camera[..., None]), camera)


def test_bad_input():
    with pytest.raises(ValueError, match="H x W x 3"):
        rgb2ycbcr(np.zeros((4, 4), np.uint8))
    with pytest.raises(TypeError, match="dtype int32"):
        rgb2y(np.zeros((4, 4, 3), np.int32))


def test_float_output_is_clipped_to_0_1_like_matlab():
    # MATLAB's ycbcr2rgb.m clips double output: rgb = min(max(rgb, 0.0), 1.0)
    ycc = np.array([[[235, 128, 240], [16, 240, 128], [126, 128, 128]]], np.float64) / 255  # red > 1, ...
    raw = (ycc * 255 - [16, 128, 128]) @ np.linalg.inv(
        np.array([[65.481, 128.553, 24.966], [-37.797, -74.203, 112.0], [112.0, -93.786, -18.214]])
    ).T
    assert raw.max() > 1 and raw.min() < 0  # the triples lie outside the RGB cube
    rgb = ycbcr2rgb(ycc)
    np.testing.assert_allclose(rgb, np.clip(raw, 0, 1), atol=1e-12)
    assert rgb.min() == 0 and rgb.max() == 1
    np.testing.assert_array_equal(
        ycbcr2rgb((ycc * 255).round().astype(np.uint8)), np.clip(np.floor(raw * 255 + 0.5), 0, 255).astype(np.uint8)
    )
