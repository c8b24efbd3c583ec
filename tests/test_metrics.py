import numpy as np
import pytest
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from srkit.color import rgb2y
from srkit.data import as_rgb
from srkit.metrics import mean_over_set, prepare, psnr, ssim
from srkit.resize import imresize


@pytest.fixture(scope="module")
def pair(astronaut):
    hr = astronaut[:240, :240]
    return hr, imresize(imresize(hr, 1 / 3), 3)


def test_psnr_matches_scikit_image(pair):
    hr, sr = pair
    assert psnr(hr, sr, crop_border=0, y_channel=False) == pytest.approx(
        peak_signal_noise_ratio(hr, sr, data_range=255), abs=1e-10)
    assert psnr(hr, sr, crop_border=3, y_channel=True) == pytest.approx(
        peak_signal_noise_ratio(rgb2y(hr)[3:-3, 3:-3], rgb2y(sr)[3:-3, 3:-3], data_range=255), abs=1e-10)


def test_ssim_matches_scikit_image_with_wang_settings(pair):
    hr, sr = pair
    y_hr, y_sr = rgb2y(hr).astype(float), rgb2y(sr).astype(float)
    ref = structural_similarity(y_hr, y_sr, gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
                                data_range=255)
    assert ssim(hr, sr, crop_border=0, y_channel=True) == pytest.approx(ref, abs=1e-9)
    ref_rgb = structural_similarity(hr.astype(float), sr.astype(float), gaussian_weights=True, sigma=1.5,
                                    use_sample_covariance=False, data_range=255, channel_axis=-1)
    assert ssim(hr, sr, crop_border=0, y_channel=False) == pytest.approx(ref_rgb, abs=1e-9)


def test_conventions_change_the_number(pair):
    hr, sr = pair
    values = {(c, y): psnr(hr, sr, crop_border=c, y_channel=y) for c in (0, 3) for y in (False, True)}
    assert len({round(v, 6) for v in values.values()}) == 4
    assert values[(3, True)] > values[(0, True)]  # borders are where bicubic is worst


def test_conventions_are_required(pair):
    with pytest.raises(TypeError):
        psnr(*pair)  # crop_border and y_channel must be stated
    with pytest.raises(TypeError):
        ssim(*pair, crop_border=3)


def test_identical_images_and_known_mse():
    a = np.zeros((20, 20), np.uint8)
    assert psnr(a, a, crop_border=0, y_channel=True) == float("inf")
    assert ssim(a, a, crop_border=0, y_channel=True) == pytest.approx(1.0)
    b = a + 5  # MSE 25 -> 10 log10(255^2 / 25)
    assert psnr(a, b, crop_border=2, y_channel=False) == pytest.approx(10 * np.log10(255**2 / 25))


def test_float_and_uint8_agree(pair):
    hr, sr = pair
    assert psnr(hr / 255.0, sr / 255.0, crop_border=3, y_channel=False) == pytest.approx(
        psnr(hr, sr, crop_border=3, y_channel=False))


def test_gray_image_is_not_scaled_by_219_over_255(camera):
    noisy = np.clip(camera + np.random.default_rng(0).normal(0, 8, camera.shape), 0, 255).astype(np.uint8)
    as_gray = psnr(camera, noisy, crop_border=0, y_channel=True)
    as_fake_rgb = psnr(as_rgb(camera), as_rgb(noisy), crop_border=0, y_channel=True)
    assert as_fake_rgb - as_gray == pytest.approx(20 * np.log10(255 / 219), abs=0.05)


def test_mean_over_set_is_not_pooled_mse():
    rng = np.random.default_rng(1)
    refs = [np.full((40, 40), 100, np.uint8), np.full((80, 80), 100, np.uint8)]
    tests = [r + rng.integers(0, 3, r.shape).astype(np.uint8) * (1 + 5 * i) for i, r in enumerate(refs)]
    mean, values = mean_over_set(psnr, refs, tests, crop_border=0, y_channel=True)
    assert mean == pytest.approx(np.mean(values))
    pooled = 10 * np.log10(255**2 / np.mean(np.concatenate([((r.astype(float) - t) ** 2).ravel()
                                                            for r, t in zip(refs, tests)])))
    assert abs(mean - pooled) > 1


def test_bad_input(pair):
    hr, sr = pair
    with pytest.raises(ValueError, match="same shape"):
        psnr(hr, sr[:-1], crop_border=0, y_channel=True)
    with pytest.raises(TypeError, match="uint8 with uint8"):
        psnr(hr, sr / 255.0, crop_border=0, y_channel=True)
    with pytest.raises(ValueError, match="leaves nothing"):
        psnr(hr, sr, crop_border=120, y_channel=True)
    with pytest.raises(ValueError, match="NaN"):
        prepare(np.full((8, 8), np.nan), crop_border=0, y_channel=True)
    with pytest.raises(ValueError, match="at least 11x11"):
        ssim(hr[:12, :12], sr[:12, :12], crop_border=2, y_channel=True)
