import numpy as np
import pytest
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from srkit.color import rgb2y
from srkit.data import as_rgb
from srkit.metrics import gradient_wasserstein, mean_over_set, prepare, psnr, ssim
from srkit.resize import imresize


@pytest.fixture(scope="module")
def pair(astronaut):
    hr = astronaut[:240, :240]
    return hr, imresize(imresize(hr, 1 / 3), 3)


def test_psnr_matches_scikit_image(pair):
    hr, sr = pair
    assert psnr(hr, sr, crop_border=0, y_channel=False) == pytest.approx(
        peak_signal_noise_ratio(hr, sr, data_range=255), abs=1e-10
    )
    assert psnr(hr, sr, crop_border=3, y_channel=True) == pytest.approx(
        peak_signal_noise_ratio(rgb2y(hr)[3:-3, 3:-3], rgb2y(sr)[3:-3, 3:-3], data_range=255), abs=1e-10
    )


def test_ssim_matches_scikit_image_with_wang_settings(pair):
    hr, sr = pair
    y_hr, y_sr = rgb2y(hr).astype(float), rgb2y(sr).astype(float)
    ref = structural_similarity(
        y_hr, y_sr, gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=255
    )
    assert ssim(hr, sr, crop_border=0, y_channel=True) == pytest.approx(ref, abs=1e-9)
    ref_rgb = structural_similarity(
        hr.astype(float),
        sr.astype(float),
        gaussian_weights=True,
        sigma=1.5,
        use_sample_covariance=False,
        data_range=255,
        channel_axis=-1,
    )
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
        psnr(hr, sr, crop_border=3, y_channel=False)
    )


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
    pooled = 10 * np.log10(
        255**2 / np.mean(np.concatenate([((r.astype(float) - t) ** 2).ravel() for r, t in zip(refs, tests)]))
    )
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


def _blur(image, sigma):
    from scipy.ndimage import gaussian_filter

    return np.clip(np.round(gaussian_filter(image.astype(float), sigma)), 0, 255).astype(np.uint8)


def test_gradient_wasserstein_by_hand_and_with_scipy(camera):
    from scipy.stats import wasserstein_distance

    a = np.array([[0, 10, 10], [10, 10, 10], [10, 10, 10]], np.uint8)  # |grad| on the 2x2 grid: 10 sqrt2, 0, 0, 0
    b = np.array([[0, 0, 0], [0, 10, 10], [0, 10, 10]], np.uint8)  # |grad|: 0, 10, 10, 0
    # sorted: (0, 0, 0, 10 sqrt2) against (0, 0, 10, 10)
    by_hand = (abs(0 - 10) + abs(10 * np.sqrt(2) - 10)) / 4
    assert gradient_wasserstein(a, b, crop_border=0, y_channel=True) == pytest.approx(by_hand)
    assert gradient_wasserstein(b, b.T, crop_border=0, y_channel=True) == 0  # transposed: other pixels, same statistics
    blurred = _blur(camera, 1.5)
    x, y = (prepare(im, crop_border=3, y_channel=True) for im in (camera, blurred))
    magnitudes = [np.hypot(im[:-1, 1:] - im[:-1, :-1], im[1:, :-1] - im[:-1, :-1]).ravel() for im in (x, y)]
    assert gradient_wasserstein(camera, blurred, crop_border=3, y_channel=True) == pytest.approx(
        wasserstein_distance(*magnitudes), rel=1e-9
    )


def test_gradient_wasserstein_sees_statistics_not_positions(camera):
    hr = camera[100:400, 100:400]
    score = lambda test: gradient_wasserstein(hr, test, crop_border=3, y_channel=True)  # noqa: E731
    noisy = np.clip(hr + np.random.default_rng(0).normal(0, 10, hr.shape), 0, 255).astype(np.uint8)
    shifted = camera[101:401, 101:401]  # the same scene, one pixel off
    assert score(hr) == 0
    darker = gradient_wasserstein(hr / 255, (hr - 10.0) / 255, crop_border=3, y_channel=True)
    assert darker == pytest.approx(0, abs=1e-9)  # a darker copy has the same gradients
    assert score(_blur(hr, 2.0)) > score(_blur(hr, 1.0)) > 2  # blur removes the large gradients
    assert score(noisy) > 2  # noise adds too many
    assert score(shifted) < 0.3 * score(_blur(hr, 1.0))  # position is not its business ...
    assert psnr(hr, shifted, crop_border=3, y_channel=True) < psnr(hr, _blur(hr, 1.0), crop_border=3, y_channel=True)
    assert gradient_wasserstein(hr, noisy, crop_border=3, y_channel=True) == pytest.approx(
        gradient_wasserstein(noisy, hr, crop_border=3, y_channel=True)
    )  # ... and it is symmetric


def test_gradient_wasserstein_conventions_and_colour(astronaut):
    hr = astronaut[:120, :120]
    soft = _blur(hr, (1.0, 1.0, 0))
    with pytest.raises(TypeError):
        gradient_wasserstein(hr, soft)  # conventions must be stated
    per_channel = [gradient_wasserstein(hr[..., c], soft[..., c], crop_border=3, y_channel=False) for c in range(3)]
    assert gradient_wasserstein(hr, soft, crop_border=3, y_channel=False) == pytest.approx(np.mean(per_channel))
    assert gradient_wasserstein(hr, soft, crop_border=3, y_channel=True) > 0
    with pytest.raises(ValueError, match="same shape"):
        gradient_wasserstein(hr, soft[:-1], crop_border=0, y_channel=True)
    with pytest.raises(ValueError, match="at least 2x2"):
        gradient_wasserstein(hr[:7, :7], soft[:7, :7], crop_border=3, y_channel=True)


def test_float_images_in_0_255_are_refused_but_overshoot_is_not(pair):
    hr, sr = pair
    with pytest.raises(ValueError, match="divide float ones by 255"):
        psnr(hr.astype(float), sr.astype(float), crop_border=3, y_channel=True)  # was silently about -5 dB
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        ssim(hr.astype(np.float32), sr.astype(np.float32), crop_border=3, y_channel=False)
    # a bicubic (or Lanczos-3) result of a [0, 1] image overshoots 1 a little, and stays legal
    up = imresize(imresize(hr / 255.0, 1 / 4), 4, method="lanczos3")
    assert up.max() > 1
    assert psnr(hr / 255.0, up, crop_border=4, y_channel=True) > 20
    edge = np.zeros((12, 12))
    edge[:, 6:] = 1
    assert prepare(np.clip(edge * 1.9, 0, None), crop_border=0, y_channel=False).max() == pytest.approx(1.9 * 255)


def test_alpha_is_refused_not_scored(astronaut):
    rgba = np.dstack([astronaut[:40, :40], np.full((40, 40), 255, np.uint8)])
    other = rgba.copy()
    other[..., 3] = 0
    for y_channel in (False, True):
        with pytest.raises(ValueError, match="alpha"):
            psnr(rgba, other, crop_border=0, y_channel=y_channel)
    with pytest.raises(ValueError, match="alpha"):
        ssim(rgba[..., :2], other[..., :2], crop_border=0, y_channel=False)  # gray + alpha
    assert psnr(rgba[..., :3], other[..., :3], crop_border=0, y_channel=False) == float("inf")
